"""A request's correspondence, in and out, and the unplaced mail (reads only; the JSON API's).

Out: the request email the tracker sent (the sent-log row marked sent) and every chaser the
daily job sent (reminder sent-log rows marked sent; a chaser only ever goes by email). Rows
claimed, failed or skipped never left, so they are not correspondence. In: messages filed on
the request; a message in the Inbox or marked not FOI belongs to no request yet.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.db.models import (
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Cast, Coalesce

from requests_app.letters import request_subject
from requests_app.mail.parse import parse_message
from requests_app.models import Campaign, FoiRequest, InboundMessage, SentReminder, SentRequest
from requests_app.models.mail import MessageStatus
from requests_app.models.outbox import SendStatus
from requests_app.models.reminders import ReminderKind, ReminderStatus

# What a sent chaser is called in the correspondence.
CHASER_KINDS = {
    ReminderKind.CHASER_FIRST: "chaser",
    ReminderKind.CHASER_SECOND: "chaser",
    ReminderKind.REVIEW_CHASER_FIRST: "review_chaser",
    ReminderKind.REVIEW_CHASER_SECOND: "review_chaser",
}


@dataclass(frozen=True)
class MailAttachment:
    name: str
    size: int
    sha256: str


@dataclass
class MailItem:
    """One message in a request's correspondence. `message` is the stored one, for mail in."""

    direction: str  # "out" or "in"
    kind: str
    subject: str
    from_email: str
    to: list[str]
    date: datetime | None
    attachments: list[MailAttachment] = field(default_factory=list)
    message: InboundMessage | None = None


def _sent_requests() -> QuerySet[SentRequest]:
    return SentRequest.objects.filter(status=SendStatus.SENT)


def _sent_chasers() -> QuerySet[SentReminder]:
    return SentReminder.objects.filter(
        status=ReminderStatus.SENT, kind__in=list(CHASER_KINDS), request__isnull=False
    )


def _filed() -> QuerySet[InboundMessage]:
    return InboundMessage.objects.filter(status=MessageStatus.FILED)


def _count_per_request(queryset: QuerySet) -> Coalesce:
    counted = (
        queryset.filter(request_id=OuterRef("pk"))
        .order_by()
        .values("request_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def with_message_counts(queryset: QuerySet[FoiRequest]) -> QuerySet[FoiRequest]:
    """Annotate `n_messages`: the request email sent, chasers sent and mail filed, in the same
    query as the requests (subqueries, not joins: a join of the three would multiply rows)."""
    return queryset.annotate(
        n_messages=Cast(Exists(_sent_requests().filter(request_id=OuterRef("pk"))), IntegerField())
        + _count_per_request(_sent_chasers())
        + _count_per_request(_filed())
    )


def campaign_request_by_force_code(campaign: Campaign, force_code: str) -> FoiRequest | None:
    """The campaign's request to the force with this ONS code (any case), or None. The three
    forces with no ONS code (British Transport Police, Civil Nuclear Constabulary, Ministry of
    Defence Police) are found by their slug, the API's `force_slug`."""
    if not force_code:
        return None
    return (
        FoiRequest.objects.select_related("force", "campaign")
        .filter(campaign=campaign)
        .filter(Q(force__ons_code__iexact=force_code) | Q(force__slug=force_code.lower()))
        .first()
    )


def split_addresses(addresses: str) -> list[str]:
    return [a.strip() for a in addresses.split(",") if a.strip()]


def request_correspondence(foi: FoiRequest) -> list[MailItem]:
    """Every message to and from the force about `foi`, oldest first (four queries).

    Subject and From of the request email are as the letter builds them (letters.py): the
    sent-log keeps the Message-ID, address and time, and the .eml on the timeline keeps the rest.
    """
    items: list[MailItem] = []
    for sent in _sent_requests().filter(request=foi):
        items.append(
            MailItem(
                direction="out",
                kind="request",
                subject=request_subject(foi),
                from_email=settings.FOI_FROM_EMAIL,
                to=split_addresses(sent.to_email),
                date=sent.sent_at,
            )
        )
    for chaser in _sent_chasers().filter(request=foi):
        items.append(
            MailItem(
                direction="out",
                kind=CHASER_KINDS[chaser.kind],
                subject=chaser.subject,
                from_email=settings.FOI_FROM_EMAIL,
                to=split_addresses(chaser.to_email),
                date=chaser.sent_at,
            )
        )
    filed = _filed().filter(request=foi).prefetch_related("event__attachments")
    for message in filed:
        attachments = message.event.attachments.all() if message.event_id else []
        items.append(
            MailItem(
                direction="in",
                kind=message.kind,
                subject=message.subject,
                from_email=message.from_email,
                to=split_addresses(message.to),
                date=message.sent_at or message.received_at,
                attachments=[
                    MailAttachment(a.original_name, a.size_bytes, a.sha256) for a in attachments
                ],
                message=message,
            )
        )
    # Oldest first; on the same second what we sent comes before what came back.
    items.sort(key=lambda i: (i.date is None, i.date, i.direction != "out"))
    return items


def unplaced_messages() -> QuerySet[InboundMessage]:
    """Mail in the Inbox (placed nowhere yet), newest first."""
    return InboundMessage.objects.filter(status=MessageStatus.INBOX).order_by("-received_at", "-pk")


def unplaced_attachments(message: InboundMessage) -> list[MailAttachment]:
    """The attachments in an unplaced message's raw bytes, read as filing would read them
    (nothing is stored: a message's attachments become request attachments only when filed)."""
    if not message.raw:
        return []
    try:
        with message.raw.open("rb") as handle:
            raw = handle.read()
    except OSError:
        return []
    parsed = parse_message(
        raw,
        max_attachment_bytes=settings.ATTACHMENT_MAX_BYTES,
        max_attachments=settings.FOI_MAIL_MAX_ATTACHMENTS,
    )
    return [
        MailAttachment(a.name, len(a.content), hashlib.sha256(a.content).hexdigest())
        for a in parsed.attachments
    ]
