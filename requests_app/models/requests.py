"""One FOI request per (campaign, force), its timeline of events and its attachments."""

import secrets
from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import BooleanField, ExpressionWrapper, Q
from django.urls import reverse

from requests_app.storage import file_store
from requests_app.workflow import (
    AWAITING_RESPONSE,
    Action,
    CommissionerOutcome,
    Outcome,
    ReviewOutcome,
    Status,
    allowed_actions,
)


class FoiRequestQuerySet(models.QuerySet):
    def visible_to(self, user) -> "FoiRequestQuerySet":
        from requests_app.roles import can_view

        return self if can_view(user) else self.none()

    def overdue(self, *, today: date) -> "FoiRequestQuerySet":
        """Something is owed by the force (an answer or a review) and its date has passed.

        Not a request whose figures are in but whose response nobody recorded: the force has
        answered (issue 10, "state follows the answers"), so it is neither late nor chased.
        """
        return self.filter(overdue_q(today))

    def figures_unrecorded(self) -> "FoiRequestQuerySet":
        """Awaiting a response, yet with figures entered: the response still to be recorded."""
        return self.filter(figures_unrecorded_q())

    def with_figures_unrecorded_flag(self) -> "FoiRequestQuerySet":
        """Annotate `figures_unrecorded` (bool) in the same query, for per-row overdue flags."""
        return self.annotate(
            figures_unrecorded=ExpressionWrapper(
                figures_unrecorded_q(), output_field=BooleanField()
            )
        )

    def long_overdue(self, *, today: date) -> "FoiRequestQuerySet":
        return self.filter(next_long_overdue_on__lt=today)


# In a fixed order (a frozenset's is not): the partial indexes below are conditioned on
# figures_unrecorded_q, and their migration must read the same in every process.
AWAITING_IN_ORDER = sorted(AWAITING_RESPONSE)


def figures_unrecorded_q(prefix: str = "") -> Q:
    """Awaiting a response (the s.10 clock running) and yet figures are in, so the force has
    answered: the response is to be recorded by hand (figures_app records it itself when the
    figures say enough, see figures_app/services/figures.py). `prefix` reaches requests through
    a relation ("requests__" from a campaign)."""
    return Q(**{f"{prefix}status__in": AWAITING_IN_ORDER, f"{prefix}has_figures": True})


def overdue_q(today: date, prefix: str = "") -> Q:
    """The one definition of "overdue" that lists, counts and chips share."""
    return Q(**{f"{prefix}next_due_on__lt": today}) & ~figures_unrecorded_q(prefix)


def new_reply_token() -> str:
    """128 random bits, URL-safe: the part of the Reply-To that ties a reply to its request."""
    return secrets.token_urlsafe(16)


class FoiRequest(models.Model):
    # No index of its own: request_campaign_status_idx leads with it (tests/test_indexes.py).
    campaign = models.ForeignKey(
        "requests_app.Campaign",
        on_delete=models.CASCADE,
        related_name="requests",
        db_index=False,
    )
    force = models.ForeignKey(
        "requests_app.Force", on_delete=models.PROTECT, related_name="requests"
    )
    status = models.CharField(max_length=30, choices=Status.choices, default=Status.DRAFT)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, blank=True)
    exemptions = models.JSONField(
        default=list, blank=True, help_text="Exemption codes cited, e.g. ['foia:s12']."
    )
    force_reference = models.CharField(max_length=100, blank=True)

    sent_on = models.DateField(null=True, blank=True)
    received_on = models.DateField(
        null=True, blank=True, help_text="When the force received it: day 0 of the s.10 clock."
    )
    acknowledged_on = models.DateField(null=True, blank=True)
    clarification_requested_on = models.DateField(null=True, blank=True)
    clarification_sent_on = models.DateField(
        null=True, blank=True, help_text="s.1(3): the clock restarts from this day."
    )
    fee_notice_on = models.DateField(null=True, blank=True)
    fee_amount = models.DecimalField(max_digits=9, decimal_places=2, null=True, blank=True)
    fee_paid_on = models.DateField(null=True, blank=True)
    pit_extension_on = models.DateField(null=True, blank=True)
    pit_estimated_on = models.DateField(
        null=True, blank=True, help_text="The date the force estimated in its s.17 notice."
    )
    answered_on = models.DateField(null=True, blank=True)
    # Nullable (empty = a person or the mail gave the date), so SQLite adds the column without
    # rebuilding the table under figures_app's has_figures triggers.
    answered_on_unconfirmed = models.BooleanField(
        null=True,
        blank=True,
        help_text=(
            "True: the answer date was not given by a person; the tracker dated the response the "
            "day figures were entered (before issue 26). Such answers are not timed or ranked."
        ),
    )
    review_requested_on = models.DateField(null=True, blank=True)
    review_answered_on = models.DateField(null=True, blank=True)
    review_outcome = models.CharField(max_length=12, choices=ReviewOutcome.choices, blank=True)
    complained_on = models.DateField(null=True, blank=True)
    decision_on = models.DateField(null=True, blank=True)
    decision_outcome = models.CharField(
        max_length=12, choices=CommissionerOutcome.choices, blank=True
    )
    withdrawn_on = models.DateField(null=True, blank=True)

    # Derived by services.request_refresh_deadlines from the dates above and the calendar; kept
    # so that "overdue" and "due soon" are indexed database filters. Recomputed whenever a
    # date or a hand-added non-working day changes.
    due_on = models.DateField(
        null=True, blank=True, help_text="s.10 due date for the answer (20 working days)."
    )
    next_due_on = models.DateField(
        null=True,
        blank=True,
        help_text="When the thing the force now owes (answer, PIT answer or review) is due.",
    )
    next_long_overdue_on = models.DateField(
        null=True,
        blank=True,
        help_text="After this day what is owed is long overdue (40 working days).",
    )
    # Mail out (issue 9): replies come back to an address carrying this token.
    reply_token = models.CharField(
        max_length=43,
        unique=True,
        default=new_reply_token,
        editable=False,
        help_text="Unguessable; the Reply-To of the request is built from it.",
    )
    sent_message_id = models.CharField(
        max_length=255, blank=True, help_text="Message-ID of the request email we sent."
    )
    # Mail in: set when a reply arrives that a person should read and record; cleared when the
    # response (or review answer) is recorded or a person says there is nothing to record.
    new_reply_at = models.DateTimeField(
        null=True, blank=True, help_text="A reply arrived that nobody has recorded yet."
    )
    # At least one figure is in for this request. Kept by the database itself, never by code
    # that saves a request: triggers on the figures table (figures_app/has_figures.py) set it on
    # every insert, delete or move of a figure, whatever writes it (a service, an import's
    # COPY, a cascade). A column rather than an EXISTS over the figures because every list of
    # what is owed asks it of every open request: at 48k requests and 1.7M figures the probes
    # were most of the dashboard's time.
    has_figures = models.BooleanField(default=False, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = FoiRequestQuerySet.as_manager()

    class Meta:
        ordering = ["campaign", "force__name"]
        verbose_name = "FOI request"
        constraints = [
            models.UniqueConstraint(fields=["campaign", "force"], name="request_one_per_force"),
            models.CheckConstraint(
                condition=Q(status__in=Status.values), name="request_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(outcome="") | Q(outcome__in=Outcome.values),
                name="request_outcome_valid",
            ),
        ]
        indexes = [
            # Dashboard and digest: "overdue / due in the next N days" across all campaigns.
            models.Index(fields=["next_due_on"], name="request_next_due_idx"),
            # Campaign page filter by state.
            models.Index(fields=["campaign", "status"], name="request_campaign_status_idx"),
            # The dashboard's lists and counts over every campaign, each read from an index of
            # just its rows (partial: WHERE as in its selector) rather than a scan of all
            # requests: the owed by due date (overdue, due soon, per campaign), new replies,
            # figures in with the response unrecorded, answered with no figures yet.
            models.Index(
                fields=["next_due_on", "campaign", "next_long_overdue_on"],
                condition=~figures_unrecorded_q(),  # owed: can be overdue or due soon
                name="request_owed_due_idx",
            ),
            models.Index(
                fields=["new_reply_at"],
                condition=Q(new_reply_at__isnull=False),
                name="request_new_reply_idx",
            ),
            models.Index(
                fields=["campaign"],
                condition=figures_unrecorded_q(),
                name="request_figures_unrecorded_idx",
            ),
            models.Index(
                fields=["answered_on"],
                condition=Q(has_figures=False, outcome__in=["full", "part"]),
                name="request_figures_to_enter_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.campaign} / {self.force.short_name}"

    def get_absolute_url(self) -> str:
        return reverse("request_detail", args=[self.pk])

    @property
    def law(self) -> str:
        return self.force.law

    @property
    def reference(self) -> str:
        """Our short reference, carried in the subject of everything we send."""
        return f"FOI-{self.pk}"

    @property
    def reply_to(self) -> str:
        return settings.FOI_REPLY_TO_TEMPLATE.format(token=self.reply_token)

    def allowed_actions(self) -> list[str]:
        return allowed_actions(self.status, self.force.law)

    def can(self, action: str) -> bool:
        return action in self.allowed_actions()

    def is_overdue(self, today: date) -> bool:
        return self.next_due_on is not None and self.next_due_on < today

    def is_long_overdue(self, today: date) -> bool:
        return self.next_long_overdue_on is not None and self.next_long_overdue_on < today


class SentOutside(models.TextChoices):
    """How a request recorded as sent outside the tracker went (kept in the event's data)."""

    POST = "post", "Post"
    PORTAL = "portal", "Web form / portal"
    OTHER_EMAIL = "other_email", "Email from another account"
    OTHER = "other", "Other (say how)"


SENT_HOW_OTHER_MAX = 200

# The timeline's words: "Sent outside the tracker by post on 2 Nov 2026".
SENT_OUTSIDE_PHRASES = {
    SentOutside.POST: "by post",
    SentOutside.PORTAL: "through the force's web form or portal",
    SentOutside.OTHER_EMAIL: "by email from another account",
}


class RequestEvent(models.Model):
    """One change to a request: who, when, what, from -> to. The timeline and the audit trail."""

    class Kind(models.TextChoices):
        CREATED = "created", "Created"
        CHASER_SENT = "chaser_sent", "Chaser sent"
        NOTE = "note", "Note"
        DEADLINES_MOVED = "deadlines_moved", "Deadlines recalculated"
        EMAIL_RECEIVED = "email_received", "Email received"
        REPLY_SEEN = "reply_seen", "Reply read: nothing to record"
        MESSAGE_KIND_CORRECTED = "message_kind_corrected", "Email's kind corrected"
        NEW_REPLY = "new_reply", "New reply: to be read and recorded"
        FORCE_REFERENCE = "force_reference", "Force's reference recorded"

    KIND_CHOICES = Kind.choices + [(a.value, a.label) for a in Action]

    # No index of its own: event_request_time_idx leads with it (tests/test_indexes.py).
    request = models.ForeignKey(
        FoiRequest, on_delete=models.CASCADE, related_name="events", db_index=False
    )
    kind = models.CharField(max_length=30, choices=KIND_CHOICES)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)
    happened_on = models.DateField(null=True, blank=True, help_text="The date the event says.")
    from_status = models.CharField(max_length=30, blank=True)
    to_status = models.CharField(max_length=30, blank=True)
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["request", "created_at"], name="event_request_time_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.request}"

    def from_label(self) -> str:
        return Status(self.from_status).label if self.from_status in Status.values else ""

    def to_label(self) -> str:
        return Status(self.to_status).label if self.to_status in Status.values else ""

    def sent_outside(self) -> str:
        """'Sent outside the tracker by post', or '' for an event that says no such thing."""
        how = (self.data or {}).get("sent_outside")
        if not isinstance(how, dict):
            return ""
        if how.get("how") == SentOutside.OTHER:
            return f"Sent outside the tracker ({how.get('other', '')})"
        return f"Sent outside the tracker {SENT_OUTSIDE_PHRASES.get(how.get('how'), '')}".strip()


def attachment_path(instance: "RequestAttachment", filename: str) -> str:
    return f"attachments/{instance.request.campaign_id}/{instance.request_id}/{filename}"


class RequestAttachment(models.Model):
    request = models.ForeignKey(FoiRequest, on_delete=models.CASCADE, related_name="attachments")
    event = models.ForeignKey(
        RequestEvent, null=True, blank=True, on_delete=models.SET_NULL, related_name="attachments"
    )
    # Through file_store: a quarantined file's name routes it to the quarantine storage.
    file = models.FileField(upload_to=attachment_path, storage=file_store, max_length=300)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=120, blank=True)
    size_bytes = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64, help_text="SHA-256 of the file as received.")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.original_name

    def get_absolute_url(self) -> str:
        return reverse("attachment_download", args=[self.pk])
