"""Filing the mail that arrives: one service behind receive_email, fetch_mail and the Inbox.

`message_receive` stores a raw message once (dedup by Message-ID, else by its bytes' SHA-256),
with its bytes, and in the same transaction either files it on the request it matches
(mail/matching.py) or leaves it in the Inbox. Filing puts it on the request's timeline with its
attachments and acts only on what is safe to recognise (mail/recognise.py):
- an automatic acknowledgement marks the request acknowledged and records the force's reference;
- a bounce marks the force's FOI address as failing;
- an out-of-office is filed and nothing else;
- anything else sets "new reply" on the request: a person must read it and record the response.
  Until they do (services/transitions.py clears it), the request is not chased.
A message is committed before any mailbox forgets it (services/mail_fetch.py), so a crash at any
point means it is read again and found to be a duplicate, never lost.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from requests_app.mail.matching import match_request
from requests_app.mail.parse import ParsedMessage, parse_message
from requests_app.mail.recognise import bounce_reason, force_reference, kind_of
from requests_app.models import FoiRequest, Force, InboundMessage, RequestEvent
from requests_app.models.mail import MatchedBy, MessageKind, MessageStatus
from requests_app.services.attachments import attachment_add, check_upload, delete_unless_committed
from requests_app.services.errors import ServiceError
from requests_app.services.lifecycle import request_acknowledge
from requests_app.services.transitions import lock_request
from requests_app.workflow import Action

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser

logger = logging.getLogger(__name__)


class Outcome:
    FILED = "filed"
    INBOX = "inbox"
    DUPLICATE = "duplicate"
    REFUSED = "refused"


@dataclass(frozen=True)
class Received:
    message: InboundMessage
    outcome: str

    @property
    def stored(self) -> bool:
        """Safe for the mailbox to forget: stored now, or already stored before."""
        return self.outcome != Outcome.REFUSED

    def describe(self) -> str:
        message = self.message
        if self.outcome == Outcome.FILED:
            return (
                f"filed on {message.request.reference} ({message.request}) as "
                f"{message.get_kind_display().lower()}, matched by "
                f"{message.get_matched_by_display().lower()}"
            )
        if self.outcome == Outcome.INBOX:
            return f"not matched to a request: waiting in the Inbox (message {message.pk})"
        if self.outcome == Outcome.DUPLICATE:
            return f"already stored (message {message.pk}): nothing done"
        return f"refused: {message.notes}"


def message_receive(*, raw: bytes, source: str) -> Received:
    """Store and file one raw message; safe to call twice with the same bytes, or at once."""
    sha = hashlib.sha256(raw).hexdigest()
    existing = InboundMessage.objects.filter(raw_sha256=sha).first()
    if existing is not None:
        return Received(existing, Outcome.DUPLICATE)
    too_big = len(raw) > settings.FOI_MAIL_MAX_MESSAGE_BYTES
    parsed = parse_message(
        raw[:65536] if too_big else raw,
        max_attachment_bytes=settings.ATTACHMENT_MAX_BYTES,
        max_attachments=0 if too_big else settings.FOI_MAIL_MAX_ATTACHMENTS,
    )
    if parsed.message_id:
        existing = InboundMessage.objects.filter(message_id=parsed.message_id).first()
        if existing is not None:
            return Received(existing, Outcome.DUPLICATE)
    try:
        with transaction.atomic():
            if too_big:
                return _refuse(raw, sha, parsed, source)
            return _store(raw, sha, parsed, source)
    except IntegrityError:
        # Another process stored the same message between our check and our insert.
        existing = InboundMessage.objects.filter(
            Q(raw_sha256=sha) | (Q(message_id=parsed.message_id) & ~Q(message_id=""))
        ).first()
        if existing is None:
            raise
        return Received(existing, Outcome.DUPLICATE)


def _new_message(raw: bytes, sha: str, parsed: ParsedMessage, source: str) -> InboundMessage:
    message = _message_row(raw, sha, parsed, source)
    # PostgreSQL text cannot hold NUL; a message may carry one anywhere (the .eml keeps it).
    for field in InboundMessage._meta.fields:
        value = getattr(message, field.attname)
        if isinstance(value, str) and "\x00" in value:
            setattr(message, field.attname, value.replace("\x00", ""))
    return message


def _message_row(raw: bytes, sha: str, parsed: ParsedMessage, source: str) -> InboundMessage:
    return InboundMessage(
        message_id=parsed.message_id,
        raw_sha256=sha,
        size_bytes=len(raw),
        source=source,
        from_email=parsed.from_email,
        from_name=parsed.from_name,
        to=", ".join(parsed.to)[:5000],
        subject=parsed.subject,
        sent_at=parsed.sent_at,
        in_reply_to=" ".join(parsed.in_reply_to)[:5000],
        references=" ".join(parsed.references)[:5000],
        body_text=parsed.text[: settings.FOI_MAIL_MAX_BODY_CHARS],
        body_html=parsed.html[: settings.FOI_MAIL_MAX_BODY_CHARS],
        kind=kind_of(parsed),
        force_reference=force_reference(parsed),
        notes="\n".join(parsed.notes),
    )


def _refuse(raw: bytes, sha: str, parsed: ParsedMessage, source: str) -> Received:
    limit_mb = settings.FOI_MAIL_MAX_MESSAGE_BYTES // (1024 * 1024)
    message = _new_message(raw, sha, parsed, source)
    message.status = MessageStatus.REFUSED
    message.notes = (
        f"The message is {len(raw):,} bytes, over the {limit_mb} MB limit "
        "(FOI_MAIL_MAX_MESSAGE_MB): not stored; it stays in the mailbox."
    )
    message.body_text = message.body_html = ""
    message.save()
    logger.warning("Refused message %s from %s: %s", sha[:12], parsed.from_email, message.notes)
    return Received(message, Outcome.REFUSED)


def _store(raw: bytes, sha: str, parsed: ParsedMessage, source: str) -> Received:
    match = match_request(parsed)
    message = _new_message(raw, sha, parsed, source)
    message.status = MessageStatus.INBOX
    if message.kind == MessageKind.SPAM and match.request is not None:
        # Our reply address or thread, so a real reply the spam filter got wrong.
        message.kind = MessageKind.REPLY
        message.notes = "\n".join([message.notes, "Flagged as spam by the mail server."]).strip()
    message.raw.save(f"{sha}.eml", ContentFile(raw), save=False)
    delete_unless_committed(message.raw.storage, message.raw.name)
    message.save()
    if match.request is None:
        logger.info("Message %s from %s went to the Inbox.", message.pk, message.from_email)
        return Received(message, Outcome.INBOX)
    _file(message, parsed, match.request.pk, matched_by=match.matched_by, actor=None)
    logger.info("Message %s filed on %s (%s).", message.pk, match.request.reference, message.kind)
    return Received(message, Outcome.FILED)


def _file(
    message: InboundMessage,
    parsed: ParsedMessage | None,
    request_id: int,
    *,
    matched_by: str,
    actor: AbstractBaseUser | None,
) -> None:
    """Put `message` on the request's timeline, store its attachments and act on its kind."""
    foi = lock_request(request_id)
    day = _day_of(message, foi)
    event = RequestEvent.objects.create(
        request=foi,
        kind=RequestEvent.Kind.EMAIL_RECEIVED,
        actor=actor,
        happened_on=day,
        note=f"{message.get_kind_display()} from {message.from_email or 'unknown sender'}: "
        f"{message.subject or '(no subject)'}",
        data={"message": message.pk, "kind": message.kind, "matched_by": matched_by},
    )
    notes = [message.notes] if message.notes else []
    if parsed is None:
        parsed = _reparse(message)
    for attachment in parsed.attachments:
        upload = SimpleUploadedFile(attachment.name, attachment.content, attachment.content_type)
        try:
            check_upload(upload)
        except ServiceError as exc:
            notes.append(f"Attachment not filed: {exc} It is in the .eml.")
            continue
        attachment_add(request_id=foi.pk, actor=actor, upload=upload, event=event)
    message.request = foi
    message.event = event
    message.status = MessageStatus.FILED
    message.matched_by = matched_by
    message.notes = "\n".join(notes)
    if actor is not None:
        message.placed_by = actor
        message.placed_at = timezone.now()
    message.save()
    _act_on(message, parsed, foi, day, actor)


def _day_of(message: InboundMessage, foi: FoiRequest) -> date:
    """The day the message says it was sent, never in the future nor before we sent."""
    today = timezone.localdate()
    day = timezone.localdate(message.sent_at) if message.sent_at else today
    day = min(day, today)
    if foi.sent_on and day < foi.sent_on:
        day = foi.sent_on
    return day


def _act_on(
    message: InboundMessage,
    parsed: ParsedMessage,
    foi: FoiRequest,
    day: date,
    actor: AbstractBaseUser | None,
) -> None:
    if message.kind == MessageKind.BOUNCE:
        Force.objects.filter(pk=foi.force_id).update(
            email_failing_since=timezone.now(),
            email_failure=bounce_reason(parsed)[:500] or "Mail bounced.",
        )
        return
    if message.kind in (MessageKind.ACKNOWLEDGEMENT, MessageKind.AUTO_REPLY):
        if message.kind == MessageKind.ACKNOWLEDGEMENT and foi.can(Action.ACKNOWLEDGE):
            request_acknowledge(
                request_id=foi.pk,
                actor=actor,
                acknowledged_on=day,
                force_reference=message.force_reference,
                note="Acknowledgement received by email.",
            )
        elif message.force_reference and not foi.force_reference:
            FoiRequest.objects.filter(pk=foi.pk).update(force_reference=message.force_reference)
        return
    # A reply a person must read. Placed by a person, it is still to be recorded.
    if foi.new_reply_at is None:
        FoiRequest.objects.filter(pk=foi.pk).update(new_reply_at=timezone.now())
    if message.force_reference and not foi.force_reference:
        FoiRequest.objects.filter(pk=foi.pk).update(force_reference=message.force_reference)


def _reparse(message: InboundMessage) -> ParsedMessage:
    if not message.raw:
        return ParsedMessage()
    with message.raw.open("rb") as handle:
        raw = handle.read()
    return parse_message(
        raw,
        max_attachment_bytes=settings.ATTACHMENT_MAX_BYTES,
        max_attachments=settings.FOI_MAIL_MAX_ATTACHMENTS,
    )


@transaction.atomic
def message_assign(*, message_id: int, request_id: int, actor: AbstractBaseUser) -> InboundMessage:
    """A person places an Inbox message (or one marked not FOI) on a request."""
    message = InboundMessage.objects.select_for_update().filter(pk=message_id).first()
    if message is None:
        raise ServiceError(f"Message {message_id} does not exist.")
    if message.status not in (MessageStatus.INBOX, MessageStatus.NOT_FOI):
        raise ServiceError(
            f"This message is {message.get_status_display().lower()}; it cannot be placed.",
            "request",
        )
    if not FoiRequest.objects.filter(pk=request_id).exists():
        raise ServiceError(f"There is no request {request_id}.", "request")
    if message.kind == MessageKind.SPAM:
        message.kind = MessageKind.REPLY
    _file(message, None, request_id, matched_by=MatchedBy.PERSON, actor=actor)
    return message


@transaction.atomic
def message_mark_not_foi(*, message_id: int, actor: AbstractBaseUser) -> InboundMessage:
    message = InboundMessage.objects.select_for_update().filter(pk=message_id).first()
    if message is None:
        raise ServiceError(f"Message {message_id} does not exist.")
    if message.status != MessageStatus.INBOX:
        raise ServiceError(
            f"This message is {message.get_status_display().lower()}, not in the Inbox."
        )
    message.status = MessageStatus.NOT_FOI
    message.placed_by = actor
    message.placed_at = timezone.now()
    message.save(update_fields=["status", "placed_by", "placed_at"])
    return message


@transaction.atomic
def request_reply_seen(*, request_id: int, actor: AbstractBaseUser, note: str = "") -> RequestEvent:
    """A person read the new reply and there is nothing to record (e.g. "we are working on it")."""
    foi = lock_request(request_id)
    if foi.new_reply_at is None:
        raise ServiceError("There is no new reply on this request.")
    foi.new_reply_at = None
    foi.save(update_fields=["new_reply_at", "updated_at"])
    return RequestEvent.objects.create(
        request=foi,
        kind=RequestEvent.Kind.REPLY_SEEN,
        actor=actor,
        happened_on=timezone.localdate(),
        note=note.strip(),
    )
