"""Mail out (issue 9): each request's reply token and Message-ID, and the requests' sent-log.

The token is added nullable here, filled for existing rows by 0006 and made unique and required
by 0007: a unique column cannot be added with one default shared by every existing row, and
keeping the data step in a migration of its own keeps each one a single transaction on
PostgreSQL (no ALTER TABLE after row updates in the same transaction).
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("requests_app", "0004_daily_reminders_schedule"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="foirequest",
            name="reply_token",
            field=models.CharField(editable=False, max_length=43, null=True),
        ),
        migrations.AddField(
            model_name="foirequest",
            name="sent_message_id",
            field=models.CharField(
                blank=True, help_text="Message-ID of the request email we sent.", max_length=255
            ),
        ),
        migrations.CreateModel(
            name="SentRequest",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "to_email",
                    models.EmailField(
                        blank=True, help_text="The force's address it went to.", max_length=254
                    ),
                ),
                (
                    "message_id",
                    models.CharField(
                        blank=True,
                        help_text="Chosen at the first claim and reused by a re-send, so a "
                        "duplicate is recognisable as one.",
                        max_length=255,
                    ),
                ),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("claimed", "Claimed (sending)"),
                            ("sent", "Sent"),
                            ("failed", "Failed (sent again by the next try)"),
                            ("skipped", "Not sent: no longer a draft or no address"),
                        ],
                        default="claimed",
                        max_length=10,
                    ),
                ),
                (
                    "claim_token",
                    models.CharField(help_text="Identifies the worker holding it.", max_length=32),
                ),
                ("claimed_at", models.DateTimeField()),
                ("sent_at", models.DateTimeField(blank=True, null=True)),
                ("attempts", models.PositiveSmallIntegerField(default=0)),
                ("last_error", models.TextField(blank=True)),
                (
                    "request",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="sent_log",
                        to="requests_app.foirequest",
                    ),
                ),
                (
                    "requested_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ["-claimed_at", "-pk"],
                "indexes": [
                    models.Index(fields=["status", "claimed_at"], name="sent_request_status_idx")
                ],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("status__in", ["claimed", "sent", "failed", "skipped"])),
                        name="sent_request_status_valid",
                    )
                ],
            },
        ),
    ]
