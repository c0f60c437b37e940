"""The sent-log of reminder emails: every email the daily job sends is claimed here first.

A row is written (claimed) before the email is sent and marked sent after. The unique
constraints, not a Python check, decide which of two workers sends a given email: the key is
who it goes to (a request's force, or a person), what kind it is, and the deadline or day it is
about. Keying on the deadline rather than on the day of the run is what lets a late run catch up
on a missed day without ever repeating an email.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q


class ReminderKind(models.TextChoices):
    DIGEST = "digest", "Staff digest"
    CHASER_FIRST = "chaser_1", "First chaser (answer)"
    CHASER_SECOND = "chaser_2", "Second chaser (answer)"
    REVIEW_CHASER_FIRST = "review_chaser_1", "First chaser (internal review)"
    REVIEW_CHASER_SECOND = "review_chaser_2", "Second chaser (internal review)"


class ReminderStatus(models.TextChoices):
    CLAIMED = "claimed", "Claimed (sending)"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed (retried by the next run)"
    SKIPPED = "skipped", "Not sent: no longer needed"


class SentReminder(models.Model):
    Kind = ReminderKind
    Status = ReminderStatus
    CHASER_KINDS = frozenset(
        {
            ReminderKind.CHASER_FIRST,
            ReminderKind.CHASER_SECOND,
            ReminderKind.REVIEW_CHASER_FIRST,
            ReminderKind.REVIEW_CHASER_SECOND,
        }
    )

    kind = models.CharField(max_length=20, choices=ReminderKind.choices)
    request = models.ForeignKey(
        "requests_app.FoiRequest",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="reminders",
        help_text="The request a chaser is about (chasers only).",
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="reminders",
        help_text="The person a digest is for (digests only).",
    )
    about_date = models.DateField(
        help_text="Chasers: the deadline the chaser is about. Digests: the day of the digest."
    )
    to_email = models.EmailField(help_text="The address it was (or is to be) sent to.")
    subject = models.CharField(max_length=250, blank=True)
    message_id = models.CharField(
        max_length=255,
        blank=True,
        help_text="Chasers: the Message-ID chosen at the claim (random, letters.new_message_id) "
        "and reused by a re-send. A reply naming it acts on the request. Blank on chasers "
        "claimed before Message-IDs were random: their replies wait in the Inbox for a person.",
    )
    status = models.CharField(
        max_length=10, choices=ReminderStatus.choices, default=ReminderStatus.CLAIMED
    )
    run_on = models.DateField(help_text="The date of the run that last claimed it.")
    claim_token = models.CharField(
        max_length=32, help_text="Identifies the run or batch that holds the claim."
    )
    run_token = models.CharField(
        max_length=32,
        blank=True,
        default="",
        help_text="The daily run that last claimed it (kept across the task's retries).",
    )
    claimed_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["-claimed_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["request", "kind", "about_date"],
                condition=Q(request__isnull=False),
                name="reminder_once_per_request_deadline",
            ),
            models.UniqueConstraint(
                fields=["recipient", "kind", "about_date"],
                condition=Q(recipient__isnull=False),
                name="reminder_once_per_person_day",
            ),
            # Exactly one of request (chasers) or recipient (digests).
            models.CheckConstraint(
                condition=(Q(request__isnull=False) & Q(recipient__isnull=True))
                | (Q(request__isnull=True) & Q(recipient__isnull=False)),
                name="reminder_request_xor_recipient",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=ReminderKind.values),
                name="reminder_kind_valid",
            ),
            models.CheckConstraint(
                condition=Q(status__in=ReminderStatus.values),
                name="reminder_status_valid",
            ),
        ]
        indexes = [
            # Mail in looks a reply's In-Reply-To / References up here (mail/matching.py).
            models.Index(
                fields=["message_id"],
                condition=~Q(message_id=""),
                name="reminder_message_id_idx",
            ),
            # Each run looks for failed and stale claimed rows to retry.
            models.Index(fields=["status", "claimed_at"], name="reminder_status_idx"),
            # A run reads back the claims it won, and a batch the claims it holds, by token;
            # only open claims are looked up that way, so the index holds only those.
            models.Index(
                fields=["claim_token"],
                condition=Q(status=ReminderStatus.CLAIMED),
                name="reminder_open_claim_token_idx",
            ),
            # The daily task counts what its run sent (services.reminders_run_progress).
            models.Index(fields=["run_token"], name="reminder_run_token_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to {self.to_email} about {self.about_date:%Y-%m-%d}"
