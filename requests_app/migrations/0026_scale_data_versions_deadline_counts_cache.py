"""Issue 28, scale decided:
- each campaign's data version (the cached totals' key);
- each campaign's deadline counts for the dashboard, with the day they were counted on;
- the database cache's table (settings.CACHES: the database cache unless CACHE_URL names Redis),
  so that a fresh `migrate` (./run.sh, the tests, CI) leaves a database the cache works on;
- beat counts every campaign's deadlines for the new day at 00:05 Europe/London
  (manage.py count_deadlines); editable in the admin."""

import django.db.models.deletion
from django.core.management import call_command
from django.db import migrations, models

TASK_NAME = "Count deadlines for the day"


def create_cache_table(apps, schema_editor):
    # Creates the table of every database cache in settings.CACHES, if missing; nothing for
    # Redis. Kept on the way back: it holds nothing a later migration depends on.
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


def create_schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute="5",
        hour="0",
        day_of_week="*",
        day_of_month="*",
        month_of_year="*",
        timezone="Europe/London",
    )
    PeriodicTask.objects.get_or_create(
        name=TASK_NAME,
        defaults={
            "task": "requests_app.count_deadlines",
            "crontab": crontab,
            "enabled": True,
            "description": "Count every campaign's overdue and due-soon requests for the new "
            "day, as the dashboard shows them (manage.py count_deadlines).",
        },
    )


def remove_schedule(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name=TASK_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("requests_app", "0025_public_body_lists"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.CreateModel(
            name="CampaignDataVersion",
            fields=[
                (
                    "campaign",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="data_version",
                        serialize=False,
                        to="requests_app.campaign",
                    ),
                ),
                ("version", models.PositiveBigIntegerField(default=0)),
            ],
        ),
        migrations.CreateModel(
            name="CampaignDeadlineCounts",
            fields=[
                (
                    "campaign",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="deadline_counts",
                        serialize=False,
                        to="requests_app.campaign",
                    ),
                ),
                ("counted_on", models.DateField()),
                ("overdue", models.PositiveIntegerField(default=0)),
                ("long_overdue", models.PositiveIntegerField(default=0)),
                ("due_soon", models.PositiveIntegerField(default=0)),
            ],
            options={
                "indexes": [
                    models.Index(
                        models.OrderBy(models.F("overdue"), descending=True),
                        models.OrderBy(models.F("due_soon"), descending=True),
                        condition=models.Q(
                            ("overdue__gt", 0), ("due_soon__gt", 0), _connector="OR"
                        ),
                        name="deadline_counts_shown_idx",
                    )
                ],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("long_overdue__lte", models.F("overdue"))),
                        name="deadline_counts_long_within_overdue",
                    )
                ],
            },
        ),
        migrations.RunPython(create_cache_table, migrations.RunPython.noop),
        migrations.RunPython(create_schedule, remove_schedule),
    ]
