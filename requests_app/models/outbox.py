"""The sent-log of request emails: each request is claimed here before its email leaves.

One row per request (the one-to-one is the unique constraint that lets exactly one worker win
the claim), written before the SMTP call and marked sent after it. What the rows guarantee, and
the one window where a force may get the same request twice, is written where the send happens
(services/sending.py).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q


class SendStatus(models.TextChoices):
    CLAIMED = "claimed", "Claimed (sending)"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed (sent again by the next try)"
    SKIPPED = "skipped", "Not sent: no longer a draft or no address"


class SentRequest(models.Model):
    Status = SendStatus

    request = models.OneToOneField(
        "requests_app.FoiRequest", on_delete=models.CASCADE, related_name="sent_log"
    )
    to_email = models.EmailField(blank=True, help_text="The force's address it went to.")
    message_id = models.CharField(
        max_length=255,
        blank=True,
        help_text="Chosen at the first claim and reused by a re-send, so a duplicate is "
        "recognisable as one.",
    )
    status = models.CharField(max_length=10, choices=SendStatus.choices, default=SendStatus.CLAIMED)
    claim_token = models.CharField(max_length=32, help_text="Identifies the worker holding it.")
    claimed_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )

    class Meta:
        ordering = ["-claimed_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=SendStatus.values), name="sent_request_status_valid"
            ),
        ]
        indexes = [
            # Sends look for failed and stale claimed rows to take over.
            models.Index(fields=["status", "claimed_at"], name="sent_request_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.request} to {self.to_email or '?'} ({self.get_status_display()})"
