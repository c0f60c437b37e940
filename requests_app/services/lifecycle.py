"""Moves of a request through its lifecycle. One function per action; all check TRANSITIONS.

Each action locks the request, checks the move is legal and its dates make sense, saves,
recomputes the due dates, writes the audit event and stores any attachments linked to it, all in
one transaction, and returns that event (services/transitions.py holds the shared machinery).
This module has the actions up to the force's answer and the ACTION_SERVICES table; the answer
and what follows it (review, Commissioner) are in services/responses.py and re-exported here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from requests_app.calendars import calendars
from requests_app.deadlines import WorkingCalendar
from requests_app.models import FoiRequest, RequestEvent
from requests_app.models.requests import SENT_HOW_OTHER_MAX, SentOutside
from requests_app.services.errors import ServiceError
from requests_app.services.needs_you_version import needs_you_changed
from requests_app.services.responses import (
    request_complain,
    request_record_decision,
    request_record_response,
    request_review_answered,
    request_review_requested,
)
from requests_app.services.transitions import (
    check_date,
    lock_request,
    start_of_clock,
    transition,
)
from requests_app.workflow import Action

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser

__all__ = [
    "ACTION_SERVICES",
    "request_acknowledge",
    "request_add_note",
    "request_clarification_requested",
    "request_clarification_sent",
    "request_complain",
    "request_fee_paid",
    "request_fees_notice",
    "request_flag_new_reply",
    "request_record_force_reference",
    "request_mark_sent",
    "request_pit_extension",
    "request_record_decision",
    "request_record_response",
    "request_reply_seen",
    "request_review_answered",
    "request_review_requested",
    "request_withdraw",
    "requests_bulk_mark_sent",
]


@transaction.atomic
def request_mark_sent(
    *,
    request_id: int,
    actor: AbstractBaseUser | None,
    sent_on: date,
    received_on: date | None = None,
    note: str = "",
    attachments: Sequence[UploadedFile] = (),
    cal: WorkingCalendar | None = None,
    sent_how: str = "",
    sent_how_other: str = "",
) -> RequestEvent:
    """`actor` is None when a campaign file loaded without a user marks its drafts sent.

    `sent_how` (a SentOutside value; `sent_how_other` says how when it is "other") records a
    request sent outside the tracker: the timeline says how.
    """
    foi = lock_request(request_id)
    check_date(sent_on, field="sent_on")
    received_on = received_on or sent_on
    check_date(received_on, field="received_on", not_before=sent_on, before_label="the date sent")
    return transition(
        foi,
        action=Action.MARK_SENT,
        actor=actor,
        happened_on=sent_on,
        changes={"sent_on": sent_on, "received_on": received_on},
        note=note,
        data=_sent_outside(sent_how, sent_how_other),
        attachments=attachments,
        cal=cal,
    )


def _sent_outside(how: str, other: str) -> dict | None:
    other = " ".join(other.split())
    if not how:
        if other:
            raise ServiceError("Choose how it was sent.", "sent_how")
        return None
    if how not in SentOutside.values:
        raise ServiceError(f"Not a way of sending: {how!r}.", "sent_how")
    if how != SentOutside.OTHER:
        return {"sent_outside": {"how": how}}
    if not other:
        raise ServiceError("Say how it was sent.", "sent_how_other")
    if len(other) > SENT_HOW_OTHER_MAX:
        raise ServiceError(f"At most {SENT_HOW_OTHER_MAX} characters.", "sent_how_other")
    return {"sent_outside": {"how": how, "other": other}}


@transaction.atomic
def requests_bulk_mark_sent(
    *,
    request_ids: Iterable[int],
    actor: AbstractBaseUser,
    sent_on: date,
    received_on: date | None = None,
    sent_how: str = "",
    sent_how_other: str = "",
) -> int:
    """Mark many draft requests sent; all or nothing. Returns how many. `sent_how` as for
    request_mark_sent: how they were sent outside the tracker."""
    ids = list(request_ids)
    if not ids:
        raise ServiceError("Select at least one request.", "request_ids")
    cals = calendars()
    locked = (
        FoiRequest.objects.select_for_update(of=("self",))
        .select_related("force")
        .filter(pk__in=ids)
    )
    found = {foi.pk: foi for foi in locked}
    missing = set(ids) - set(found)
    if missing:
        raise ServiceError(f"Requests not found: {sorted(missing)}.", "request_ids")
    for foi in found.values():
        request_mark_sent(
            request_id=foi.pk,
            actor=actor,
            sent_on=sent_on,
            received_on=received_on,
            cal=cals[foi.force.law],
            sent_how=sent_how,
            sent_how_other=sent_how_other,
        )
    return len(found)


@transaction.atomic
def request_acknowledge(
    *,
    request_id: int,
    actor: AbstractBaseUser,
    acknowledged_on: date,
    force_reference: str = "",
    note: str = "",
    attachments: Sequence[UploadedFile] = (),
) -> RequestEvent:
    foi = lock_request(request_id)
    check_date(
        acknowledged_on,
        field="acknowledged_on",
        not_before=foi.sent_on,
        before_label="the date sent",
    )
    changes: dict[str, object] = {"acknowledged_on": acknowledged_on}
    if force_reference:
        changes["force_reference"] = force_reference.strip()
    return transition(
        foi,
        action=Action.ACKNOWLEDGE,
        actor=actor,
        happened_on=acknowledged_on,
        changes=changes,
        note=note,
        attachments=attachments,
    )


@transaction.atomic
def request_clarification_requested(
    *,
    request_id: int,
    actor: AbstractBaseUser,
    requested_on: date,
    note: str = "",
    attachments: Sequence[UploadedFile] = (),
) -> RequestEvent:
    foi = lock_request(request_id)
    check_date(
        requested_on,
        field="requested_on",
        not_before=start_of_clock(foi),
        before_label="the clock started",
    )
    return transition(
        foi,
        action=Action.REQUEST_CLARIFICATION,
        actor=actor,
        happened_on=requested_on,
        changes={"clarification_requested_on": requested_on},
        note=note,
        attachments=attachments,
    )


@transaction.atomic
def request_clarification_sent(
    *,
    request_id: int,
    actor: AbstractBaseUser,
    sent_on: date,
    note: str = "",
    attachments: Sequence[UploadedFile] = (),
) -> RequestEvent:
    """s.1(3): the clock restarts from the day the force receives the clarification."""
    foi = lock_request(request_id)
    check_date(
        sent_on,
        field="sent_on",
        not_before=foi.clarification_requested_on,
        before_label="the force asked",
    )
    return transition(
        foi,
        action=Action.SEND_CLARIFICATION,
        actor=actor,
        happened_on=sent_on,
        changes={"clarification_sent_on": sent_on},
        note=note,
        attachments=attachments,
    )


@transaction.atomic
def request_fees_notice(
    *,
    request_id: int,
    actor: AbstractBaseUser,
    notice_on: date,
    amount: Decimal | None = None,
    note: str = "",
    attachments: Sequence[UploadedFile] = (),
) -> RequestEvent:
    foi = lock_request(request_id)
    check_date(
        notice_on,
        field="notice_on",
        not_before=start_of_clock(foi),
        before_label="the clock started",
    )
    if amount is not None and amount < 0:
        raise ServiceError("The fee cannot be negative.", "amount")
    return transition(
        foi,
        action=Action.FEES_NOTICE,
        actor=actor,
        happened_on=notice_on,
        changes={"fee_notice_on": notice_on, "fee_amount": amount, "fee_paid_on": None},
        note=note,
        attachments=attachments,
    )


@transaction.atomic
def request_fee_paid(
    *,
    request_id: int,
    actor: AbstractBaseUser,
    paid_on: date,
    note: str = "",
    attachments: Sequence[UploadedFile] = (),
) -> RequestEvent:
    """s.10(2): working days from the notice to the payment do not count."""
    foi = lock_request(request_id)
    check_date(
        paid_on, field="paid_on", not_before=foi.fee_notice_on, before_label="the fees notice"
    )
    return transition(
        foi,
        action=Action.FEE_PAID,
        actor=actor,
        happened_on=paid_on,
        changes={"fee_paid_on": paid_on},
        note=note,
        attachments=attachments,
    )


@transaction.atomic
def request_pit_extension(
    *,
    request_id: int,
    actor: AbstractBaseUser,
    notice_on: date,
    estimated_on: date,
    note: str = "",
    attachments: Sequence[UploadedFile] = (),
) -> RequestEvent:
    """s.10(3): a refusal notice naming an estimated date; more than 20 more working days is flagged."""
    foi = lock_request(request_id)
    check_date(
        notice_on,
        field="notice_on",
        not_before=start_of_clock(foi),
        before_label="the clock started",
    )
    if estimated_on is None or estimated_on < notice_on:
        raise ServiceError("The estimated date must be on or after the notice.", "estimated_on")
    return transition(
        foi,
        action=Action.PIT_EXTENSION,
        actor=actor,
        happened_on=notice_on,
        changes={"pit_extension_on": notice_on, "pit_estimated_on": estimated_on},
        note=note,
        attachments=attachments,
    )


@transaction.atomic
def request_withdraw(
    *,
    request_id: int,
    actor: AbstractBaseUser,
    withdrawn_on: date,
    note: str = "",
    attachments: Sequence[UploadedFile] = (),
) -> RequestEvent:
    foi = lock_request(request_id)
    check_date(
        withdrawn_on, field="withdrawn_on", not_before=foi.sent_on, before_label="the date sent"
    )
    return transition(
        foi,
        action=Action.WITHDRAW,
        actor=actor,
        happened_on=withdrawn_on,
        changes={"withdrawn_on": withdrawn_on},
        note=note,
        attachments=attachments,
    )


@transaction.atomic
def request_add_note(*, request_id: int, actor: AbstractBaseUser, note: str) -> RequestEvent:
    foi = lock_request(request_id)
    if not note.strip():
        raise ServiceError("The note is empty.", "note")
    return RequestEvent.objects.create(
        request=foi,
        kind=RequestEvent.Kind.NOTE,
        actor=actor,
        note=note.strip(),
        happened_on=timezone.localdate(),
    )


@transaction.atomic
def request_flag_new_reply(
    *, request_id: int, actor: AbstractBaseUser | None, received_at, note: str = ""
) -> RequestEvent | None:
    """A reply a person must read arrived: "new reply" is set, and the request is not chased
    until someone records what the force said or says there is nothing to record. The flag keeps
    the time the reply was filed, so a later correction can tell which replies came since.
    Already flagged: nothing changes (the first unread reply's time stands)."""
    foi = lock_request(request_id)
    if foi.new_reply_at is not None:
        return None
    foi.new_reply_at = received_at
    foi.save(update_fields=["new_reply_at", "updated_at"])
    needs_you_changed()
    return RequestEvent.objects.create(
        request=foi,
        kind=RequestEvent.Kind.NEW_REPLY,
        actor=actor,
        happened_on=timezone.localdate(),
        note=note,
    )


@transaction.atomic
def request_reply_seen(
    *, request_id: int, actor: AbstractBaseUser | None, note: str = ""
) -> RequestEvent:
    """A person read the new reply and there is nothing to record (e.g. "we are working on it")."""
    foi = lock_request(request_id)
    if foi.new_reply_at is None:
        raise ServiceError("There is no new reply on this request.")
    foi.new_reply_at = None
    foi.save(update_fields=["new_reply_at", "updated_at"])
    needs_you_changed()
    return RequestEvent.objects.create(
        request=foi,
        kind=RequestEvent.Kind.REPLY_SEEN,
        actor=actor,
        happened_on=timezone.localdate(),
        note=note.strip(),
    )


@transaction.atomic
def request_record_force_reference(
    *, request_id: int, actor: AbstractBaseUser | None, force_reference: str, note: str = ""
) -> RequestEvent | None:
    """The force's own reference, from its email, on a request that has none yet (a reference
    given by hand, or by an earlier email, is never overwritten by mail)."""
    foi = lock_request(request_id)
    reference = force_reference.strip()[:100]
    if not reference or foi.force_reference:
        return None
    foi.force_reference = reference
    foi.save(update_fields=["force_reference", "updated_at"])
    return RequestEvent.objects.create(
        request=foi,
        kind=RequestEvent.Kind.FORCE_REFERENCE,
        actor=actor,
        happened_on=timezone.localdate(),
        note=f"{reference}. {note}".strip(),
        data={"force_reference": reference},
    )


# One entry per action. Views and forms use this to dispatch on the *URL* (never on POST data).
# Every service takes request_id, actor, note and attachments, plus its form's own fields.
ACTION_SERVICES: dict[str, Callable[..., RequestEvent]] = {
    Action.MARK_SENT: request_mark_sent,
    Action.ACKNOWLEDGE: request_acknowledge,
    Action.REQUEST_CLARIFICATION: request_clarification_requested,
    Action.SEND_CLARIFICATION: request_clarification_sent,
    Action.FEES_NOTICE: request_fees_notice,
    Action.FEE_PAID: request_fee_paid,
    Action.PIT_EXTENSION: request_pit_extension,
    Action.RECORD_RESPONSE: request_record_response,
    Action.REQUEST_REVIEW: request_review_requested,
    Action.RECORD_REVIEW: request_review_answered,
    Action.COMPLAIN: request_complain,
    Action.RECORD_DECISION: request_record_decision,
    Action.WITHDRAW: request_withdraw,
}
