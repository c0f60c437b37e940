"""Filing a stored message on a request, and what each kind of message does to it.

`message_file` puts a message on the request's timeline with its attachments (each streamed from
its temporary file to storage) and acts on its kind (mail/recognise.py), through the lifecycle
and force services, each change with its event:
- an acknowledgement marks the request acknowledged and records the force's reference;
- a bounce about an email we sent to the force's current address marks that address failing;
- a delay notice and an out-of-office are filed and nothing else;
- a reply sets "new reply" on the request: a person must read it and record the response.
  Until they do (services/transitions.py clears it), the request is not chased.
Nothing automatic sets "new reply", so a force whose out-of-office answered is still chased.
Also here: what people do with a message (place it on a request, mark it not FOI, correct its
kind, after which the request follows). services/mail_in.py stores what arrives and files it
here when its match may act.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from requests_app.mail.matching import Match
from requests_app.mail.parse import ParsedMessage, parse_message
from requests_app.mail.recognise import bounce_reason
from requests_app.models import FoiRequest, InboundMessage, RequestEvent
from requests_app.models.forces import AddressChangeVia
from requests_app.models.mail import MatchedBy, MessageKind, MessageStatus
from requests_app.services.attachments import attachment_add, check_upload
from requests_app.services.errors import ServiceError
from requests_app.services.forces import force_clear_address_failing, force_mark_address_failing
from requests_app.services.lifecycle import (
    request_acknowledge,
    request_flag_new_reply,
    request_record_force_reference,
    request_reply_seen,
)
from requests_app.services.transitions import lock_request
from requests_app.text import long_date
from requests_app.workflow import Action

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser


def message_file(
    message: InboundMessage,
    *,
    parsed: ParsedMessage | None,
    request_id: int,
    match: Match,
    actor: AbstractBaseUser | None,
) -> None:
    """Put `message` on the request's timeline, store its attachments and act on its kind."""
    foi = lock_request(request_id)
    day = _day_of(message, foi)
    how = MatchedBy(match.matched_by).label
    if actor is not None and message.matched_by and message.matched_by != MatchedBy.PERSON:
        how = f"placed by {actor.get_username()} (suggested by: {message.get_matched_by_display().lower()})"
    elif actor is not None:
        how = f"placed by {actor.get_username()}"
    event = RequestEvent.objects.create(
        request=foi,
        kind=RequestEvent.Kind.EMAIL_RECEIVED,
        actor=actor,
        happened_on=day,
        note=f"{message.get_kind_display()} from {message.from_email or 'unknown sender'}: "
        f"{message.subject or '(no subject)'}\nMatched by {how[0].lower()}{how[1:]}.",
        data={"message": message.pk, "kind": message.kind, "matched_by": match.matched_by},
    )
    notes = [message.notes] if message.notes else []
    if parsed is None:
        parsed = _reparse(message)
    # Each from its temporary file, streamed to storage: never all in memory together.
    for attachment in parsed.attachments:
        upload = UploadedFile(
            attachment.file, attachment.name, attachment.content_type, attachment.size
        )
        try:
            check_upload(upload)
        except ServiceError as exc:
            notes.append(f"Attachment not filed: {exc} It is in the .eml.")
            continue
        attachment_add(request_id=foi.pk, actor=actor, upload=upload, event=event)
    message.request = foi
    message.event = event
    message.status = MessageStatus.FILED
    message.matched_by = match.matched_by
    message.match_reason = match.reason[:2000]
    message.suggested_request = None
    message.notes = "\n".join(notes)
    if actor is not None:
        message.placed_by = actor
        message.placed_at = timezone.now()
    message.save()
    _act_on(message, parsed, foi, day, actor, match=match)


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
    *,
    match: Match,
) -> None:
    if message.kind == MessageKind.BOUNCE:
        _bounce(message, parsed, foi, match=match, actor=actor)
        return
    if message.kind in (MessageKind.DELAY, MessageKind.SPAM):
        return  # still being tried; or nobody's yet
    if message.kind in (MessageKind.ACKNOWLEDGEMENT, MessageKind.AUTO_REPLY):
        if message.kind == MessageKind.ACKNOWLEDGEMENT and foi.can(Action.ACKNOWLEDGE):
            request_acknowledge(
                request_id=foi.pk,
                actor=actor,
                acknowledged_on=day,
                force_reference=message.force_reference,
                note="Acknowledgement received by email.",
            )
        else:
            _record_reference(message, foi, actor)
        return
    # A reply a person must read. Placed by a person, it is still to be recorded.
    request_flag_new_reply(
        request_id=foi.pk,
        actor=actor,
        received_at=message.event.created_at,
        note=f"From {message.from_email or 'an unknown sender'}: {message.subject or '(no subject)'}",
    )
    _record_reference(message, foi, actor)


def _record_reference(message: InboundMessage, foi: FoiRequest, actor) -> None:
    if message.force_reference:
        request_record_force_reference(
            request_id=foi.pk,
            actor=actor,
            force_reference=message.force_reference,
            note=f"Given in the email from {message.from_email or 'an unknown sender'}.",
        )


def _bounce(
    message: InboundMessage,
    parsed: ParsedMessage,
    foi: FoiRequest,
    *,
    match: Match,
    actor: AbstractBaseUser | None,
) -> None:
    """Mark the force's address failing only for a report about an email we sent to it: the
    address is one the report names as failing, or one our matched email (by its Message-ID or
    the request's reply token) went to. A person placing or correcting a bounce vouches for it."""
    address = (foi.force.foi_email or "").lower()
    failed = {a.lower() for a in parsed.bounce_failed} | _final_recipients(parsed)
    why_not = ""
    if not address:
        why_not = "the force has no FOI address now"
    elif actor is None and match.sent_to and address not in match.sent_to:
        why_not = f"our email went to {', '.join(match.sent_to)}, not {address}"
    elif actor is None and failed and address not in failed:
        why_not = f"it reports {', '.join(sorted(failed)[:3])} failing, not {address}"
    elif actor is None and not failed and not match.sent_to:
        why_not = "it names no failing address, and we know of no email it is about"
    if why_not:
        InboundMessage.objects.filter(pk=message.pk).update(
            notes="\n".join(
                filter(None, [message.notes, f"The address was not marked failing: {why_not}."])
            )
        )
        return
    force_mark_address_failing(
        force_id=foi.force_id,
        reason=bounce_reason(parsed)[:500] or "Mail bounced.",
        actor=actor,
        via=AddressChangeVia.MAIL if actor is None else AddressChangeVia.MESSAGE_PAGE,
        note=f"Bounce filed on {foi.reference} (message {message.pk}).",
        message_id=message.pk,
    )


def _final_recipients(parsed: ParsedMessage) -> set[str]:
    """The failed recipients a DSN names (Final-Recipient: rfc822; addr), lower-cased."""
    found = set()
    for block in parsed.delivery_status.split("\n\n"):
        if "action: failed" not in block.lower():
            continue
        for line in block.splitlines():
            if line.lower().startswith(("final-recipient:", "original-recipient:")):
                value = line.split(":", 1)[1]
                address = value.split(";", 1)[-1].strip().strip("<>").lower()
                if "@" in address:
                    found.add(address)
    return found


def _reparse(message: InboundMessage) -> ParsedMessage:
    if not message.raw:
        return ParsedMessage()
    with message.raw.open("rb") as handle:
        return parse_message(
            handle,
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
        message.kind_reason = "marked as spam by the mail server; placed by a person: a reply"
    message_file(
        message,
        parsed=None,
        request_id=request_id,
        match=Match(None, MatchedBy.PERSON, trusted=True, reason=_placed_reason(message, actor)),
        actor=actor,
    )
    return message


def _placed_reason(message: InboundMessage, actor: AbstractBaseUser) -> str:
    reason = f"Placed by {actor.get_username()}."
    if message.suggested_request_id and message.match_reason:
        reason += f" It had been suggested: {message.match_reason}"
    return reason


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


# The kinds a person may give a message, and what the request does when they do.
CORRECTABLE_KINDS = (
    MessageKind.REPLY,
    MessageKind.ACKNOWLEDGEMENT,
    MessageKind.AUTO_REPLY,
    MessageKind.DELAY,
    MessageKind.BOUNCE,
)


@transaction.atomic
def message_correct_kind(*, message_id: int, kind: str, actor: AbstractBaseUser) -> InboundMessage:
    """A person says what a message really is, and its request follows: a reply flags "new
    reply" (and stops the chasers); anything else clears a "new reply" this message raised,
    so chasing resumes; an acknowledgement acknowledges and records the reference; a bounce
    marks the address failing, and a bounce corrected to anything else clears that."""
    message = InboundMessage.objects.select_for_update().filter(pk=message_id).first()
    if message is None:
        raise ServiceError(f"Message {message_id} does not exist.")
    if kind not in CORRECTABLE_KINDS:
        raise ServiceError(f"{kind!r} is not a kind a message can be given.", "kind")
    if message.status not in (MessageStatus.FILED, MessageStatus.INBOX, MessageStatus.NOT_FOI):
        raise ServiceError(f"This message is {message.get_status_display().lower()}.", "kind")
    old = message.kind
    if old == kind:
        raise ServiceError(f"This message is already {message.get_kind_display().lower()}.", "kind")
    old_label = message.get_kind_display()
    message.kind = kind
    message.kind_reason = (
        f"corrected by {actor.get_username()} on {long_date(timezone.localdate())} from "
        f"{old_label.lower()} ({message.kind_reason or 'no reason recorded'})"
    )[:2000]
    message.save(update_fields=["kind", "kind_reason"])
    if message.status != MessageStatus.FILED:
        return message  # it acts as its new kind when a person places it
    foi = lock_request(message.request_id)
    done = _follow_correction(message, foi, old=old, actor=actor)
    RequestEvent.objects.create(
        request=foi,
        kind=RequestEvent.Kind.MESSAGE_KIND_CORRECTED,
        actor=actor,
        happened_on=timezone.localdate(),
        note=f"Email from {message.from_email or 'unknown sender'} "
        f"({message.subject or 'no subject'}): {old_label.lower()} -> "
        f"{message.get_kind_display().lower()}. {done}".strip(),
        data={"message": message.pk, "from_kind": old, "to_kind": kind},
    )
    return message


def _follow_correction(
    message: InboundMessage, foi: FoiRequest, *, old: str, actor: AbstractBaseUser
) -> str:
    """Make the request what it would be had the message been this kind; say what changed."""
    done = []
    if old == MessageKind.BOUNCE and force_clear_address_failing(
        force_id=foi.force_id,
        actor=actor,
        via=AddressChangeVia.MESSAGE_PAGE,
        note=f"Message {message.pk} on {foi.reference} was not a bounce.",
        message_id=message.pk,
    ):
        done.append(f"{foi.force.foi_email} is no longer marked failing.")
    if old == MessageKind.REPLY and foi.new_reply_at is not None:
        other_replies = (
            InboundMessage.objects.filter(
                request=foi, status=MessageStatus.FILED, kind=MessageKind.REPLY
            )
            .exclude(pk=message.pk)
            .filter(event__created_at__gte=foi.new_reply_at)
        )
        if not other_replies.exists():
            request_reply_seen(
                request_id=foi.pk,
                actor=actor,
                note=f"The email from {message.from_email or 'an unknown sender'} was "
                f"{message.get_kind_display().lower()}, not a reply.",
            )
            done.append('"New reply" cleared: the request is chased again when late.')
    parsed = _reparse(message) if message.kind == MessageKind.BOUNCE else ParsedMessage()
    was_new_reply = FoiRequest.objects.filter(pk=foi.pk, new_reply_at__isnull=False).exists()
    was_acknowledged = foi.status
    foi.refresh_from_db()
    _act_on(
        message,
        parsed,
        foi,
        _day_of(message, foi),
        actor,
        match=Match(foi, MatchedBy.PERSON, trusted=True),
    )
    foi.refresh_from_db()
    if message.kind == MessageKind.REPLY and not was_new_reply and foi.new_reply_at:
        done.append('Flagged "new reply": record the response.')
    if foi.status != was_acknowledged:
        done.append(f"The request is now {foi.get_status_display().lower()}.")
    if message.kind == MessageKind.BOUNCE and foi.force.email_failing_since is not None:
        done.append(f"{foi.force.foi_email} is marked failing.")
    return " ".join(done)
