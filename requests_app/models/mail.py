"""Mail in: every message that reaches us, stored once, filed on its request or waiting in the Inbox.

A message is kept (raw bytes and what was read from them) whatever happens next: matched to a
request and filed on its timeline, or unplaced and waiting in the Inbox until a person assigns it
or marks it not FOI. Nothing is dropped silently; a message too large to keep is still a row
here (status refused, with the reason), so the admin shows what was turned away and why.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from requests_app.storage import file_store


class MessageKind(models.TextChoices):
    REPLY = "reply", "Reply"
    ACKNOWLEDGEMENT = "acknowledgement", "Acknowledgement"
    AUTO_REPLY = "auto_reply", "Out-of-office or other automatic reply"
    BOUNCE = "bounce", "Bounce (not delivered)"
    DELAY = "delay", "Delay notice (not delivered yet; still being tried)"
    SPAM = "spam", "Marked as spam by the mail server"


class MessageStatus(models.TextChoices):
    FILED = "filed", "Filed on a request"
    INBOX = "inbox", "In the Inbox (not placed)"
    NOT_FOI = "not_foi", "Not FOI"
    REFUSED = "refused", "Refused (not stored)"


class MatchedBy(models.TextChoices):
    # What a stranger cannot know: these file a message and let it act.
    TOKEN = "token", "The request's reply address (its token)"
    THREAD = "thread", "In-Reply-To / References naming an email we sent"
    # What a stranger can know or guess: these only suggest the request, unless the
    # receiving server vouches for the force's domain (FOI_TRUSTED_AUTHSERV_ID).
    OUR_REFERENCE = "our_reference", "Our reference in the subject"
    FORCE_REFERENCE = "force_reference", "The force's reference and the sender's domain"
    FILED_THREAD = "filed_thread", "In-Reply-To / References naming a message already filed"
    SENDER = "sender", "The sender's domain is the force's"
    PERSON = "person", "Placed by a person"


class MessageSource(models.TextChoices):
    STDIN = "stdin", "Mail server pipe (receive_email)"
    IMAP = "imap", "IMAP mailbox (fetch_mail)"
    FOLDER = "folder", "Drop folder (fetch_mail)"
    UPLOAD = "upload", "Uploaded"


def raw_path(instance: "InboundMessage", filename: str) -> str:
    return f"mail/in/{instance.raw_sha256[:2]}/{instance.raw_sha256}.eml"


class InboundMessage(models.Model):
    Kind = MessageKind
    Status = MessageStatus

    message_id = models.CharField(
        max_length=255, blank=True, help_text="The Message-ID header, without angle brackets."
    )
    raw_sha256 = models.CharField(max_length=64, help_text="SHA-256 of the raw bytes received.")
    raw = models.FileField(upload_to=raw_path, storage=file_store, max_length=300, blank=True)
    size_bytes = models.PositiveBigIntegerField()
    source = models.CharField(max_length=10, choices=MessageSource.choices)

    from_email = models.CharField(max_length=320, blank=True)
    from_name = models.CharField(max_length=255, blank=True)
    to = models.TextField(blank=True, help_text="The recipient addresses, comma separated.")
    subject = models.CharField(max_length=998, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True, help_text="The Date header.")
    received_at = models.DateTimeField(auto_now_add=True)
    in_reply_to = models.TextField(blank=True)
    references = models.TextField(blank=True)

    body_text = models.TextField(blank=True)
    body_html = models.TextField(
        blank=True, help_text="The HTML part after sanitising; the raw HTML is only in the .eml."
    )

    kind = models.CharField(max_length=20, choices=MessageKind.choices, default=MessageKind.REPLY)
    status = models.CharField(max_length=10, choices=MessageStatus.choices)
    request = models.ForeignKey(
        "requests_app.FoiRequest",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="inbound_messages",
    )
    matched_by = models.CharField(
        max_length=20,
        choices=MatchedBy.choices,
        blank=True,
        help_text="How it was filed; for a message in the Inbox, how its suggestion was found.",
    )
    match_reason = models.TextField(
        blank=True,
        help_text="Why it was filed where it was, or why it waits for a person (shown on its page).",
    )
    kind_reason = models.TextField(
        blank=True,
        help_text="Why it got its kind: the headers, subject or wording that decided it.",
    )
    suggested_request = models.ForeignKey(
        "requests_app.FoiRequest",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="In the Inbox: the request a reference or sender points at. Only a person "
        "files it there (a stranger can write any reference in a subject).",
    )
    event = models.OneToOneField(
        "requests_app.RequestEvent",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="inbound_message",
        help_text="The timeline entry it was filed as.",
    )
    force_reference = models.CharField(
        max_length=100, blank=True, help_text="A force reference found in the message."
    )
    notes = models.TextField(
        blank=True, help_text="What could not be read or kept (bad charset, attachment too big)."
    )
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    placed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-pk"]
        constraints = [
            # Stored once: by Message-ID when it has one, and by its bytes in any case.
            models.UniqueConstraint(
                fields=["message_id"], condition=~Q(message_id=""), name="inbound_message_id_once"
            ),
            models.UniqueConstraint(fields=["raw_sha256"], name="inbound_raw_once"),
            models.CheckConstraint(
                condition=Q(status__in=MessageStatus.values), name="inbound_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=MessageKind.values), name="inbound_kind_valid"
            ),
            # Filed means on a request; nothing else may claim to be filed.
            models.CheckConstraint(
                condition=~Q(status=MessageStatus.FILED) | Q(request__isnull=False),
                name="inbound_filed_has_request",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "received_at"], name="inbound_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.subject or '(no subject)'} from {self.from_email or '?'}"

    def get_absolute_url(self) -> str:
        return reverse("message_detail", args=[self.pk])


class MailCheck(models.Model):
    """One "Check for mail now": who asked, when, and what the fetch did once it finished.

    Kept in the database, not a process's memory or a per-process cache, so the Inbox can say
    what happened whichever web process serves the next page and whichever worker ran it.
    """

    # No index of its own: mailcheck_user_latest_idx leads with it (tests/test_indexes.py).
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        db_index=False,
    )
    requested_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(
        null=True, blank=True, help_text="Empty while the check is queued or running."
    )
    filed_ids = models.JSONField(
        default=list, blank=True, help_text="The messages this check filed on a request."
    )
    waiting_ids = models.JSONField(
        default=list, blank=True, help_text="The messages this check left in the Inbox."
    )
    duplicates = models.PositiveIntegerField(default=0)
    refused = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(
        default=0, help_text="Messages that could not be stored and were left in the mailbox."
    )
    more_waiting = models.BooleanField(
        default=False, help_text="More mail than one fetch reads; the next fetch reads it."
    )
    error = models.TextField(blank=True, help_text="Why the check failed, if it did.")

    class Meta:
        indexes = [
            # The Inbox shows the asking person's latest check.
            models.Index(fields=["requested_by", "-requested_at"], name="mailcheck_user_latest_idx")
        ]

    def __str__(self) -> str:
        return f"Mail check at {self.requested_at:%Y-%m-%d %H:%M}"
