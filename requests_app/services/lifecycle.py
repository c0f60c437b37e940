"""Moves of a request through its lifecycle. One function per action; all check TRANSITIONS.

Each function locks the request, checks the move is legal, checks its dates make sense, saves,
recomputes the due dates and writes the audit event, all in one transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from requests_app.calendars import calendar_for, calendars
from requests_app.exemptions import EXEMPTIONS_BY_LAW
from requests_app.models import FoiRequest, RequestEvent
from requests_app.services.deadlines import DERIVED_FIELDS, apply_deadlines
from requests_app.services.errors import ServiceError
from requests_app.workflow import (
    Action,
    CommissionerOutcome,
    InvalidTransition,
    Outcome,
    ReviewOutcome,
    allowed_actions,
    target_status,
)


def _lock(request_id: int) -> FoiRequest:
    try:
        return (
            FoiRequest.objects.select_for_update(of=("self",))
            .select_related("force", "campaign")
            .get(pk=request_id)
        )
    except FoiRequest.DoesNotExist:
        raise ServiceError(f"Request {request_id} does not exist.") from None


def _check_date(
    value: date | None, field: str, *, not_before: date | None = None, before_label: str = ""
) -> None:
    if value is None:
        raise ServiceError("A date is required.", field)
    if value > timezone.localdate():
        raise ServiceError("The date cannot be in the future.", field)
    if not_before and value < not_before:
        raise ServiceError(
            f"The date cannot be before {before_label} ({not_before:%d %b %Y}).", field
        )


def _transition(
    foi: FoiRequest,
    action: str,
    *,
    actor,
    happened_on: date,
    changes: dict,
    note: str = "",
    data: dict | None = None,
    cal=None,
) -> RequestEvent:
    if action not in allowed_actions(foi.status, foi.force.law):
        raise InvalidTransition(foi.status, action, foi.force.law)
    from_status = foi.status
    foi.status = target_status(action)
    for field, value in changes.items():
        setattr(foi, field, value)
    apply_deadlines(foi, cal or calendar_for(foi.force.law))
    foi.save(update_fields=["status", "updated_at", *changes, *DERIVED_FIELDS])
    return RequestEvent.objects.create(
        request=foi,
        kind=action,
        actor=actor,
        happened_on=happened_on,
        from_status=from_status,
        to_status=foi.status,
        note=note,
        data=data or {},
    )


def _start_of_clock(foi: FoiRequest) -> date | None:
    return foi.clarification_sent_on or foi.received_on


@transaction.atomic
def request_mark_sent(
    *,
    request_id: int,
    actor,
    sent_on: date,
    received_on: date | None = None,
    note: str = "",
    cal=None,
) -> FoiRequest:
    foi = _lock(request_id)
    _check_date(sent_on, "sent_on")
    received_on = received_on or sent_on
    _check_date(received_on, "received_on", not_before=sent_on, before_label="the date sent")
    _transition(
        foi,
        Action.MARK_SENT,
        actor=actor,
        happened_on=sent_on,
        changes={"sent_on": sent_on, "received_on": received_on},
        note=note,
        cal=cal,
    )
    return foi


@transaction.atomic
def requests_bulk_mark_sent(
    *, request_ids: Iterable[int], actor, sent_on: date, received_on: date | None = None
) -> int:
    """Mark many draft requests sent; all or nothing."""
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
        )
    return len(found)


@transaction.atomic
def request_acknowledge(
    *, request_id: int, actor, acknowledged_on: date, force_reference: str = "", note: str = ""
) -> FoiRequest:
    foi = _lock(request_id)
    _check_date(
        acknowledged_on, "acknowledged_on", not_before=foi.sent_on, before_label="the date sent"
    )
    changes = {"acknowledged_on": acknowledged_on}
    if force_reference:
        changes["force_reference"] = force_reference.strip()
    _transition(
        foi,
        Action.ACKNOWLEDGE,
        actor=actor,
        happened_on=acknowledged_on,
        changes=changes,
        note=note,
    )
    return foi


@transaction.atomic
def request_clarification_requested(
    *, request_id: int, actor, requested_on: date, note: str = ""
) -> FoiRequest:
    foi = _lock(request_id)
    _check_date(
        requested_on,
        "requested_on",
        not_before=_start_of_clock(foi),
        before_label="the clock started",
    )
    _transition(
        foi,
        Action.REQUEST_CLARIFICATION,
        actor=actor,
        happened_on=requested_on,
        changes={"clarification_requested_on": requested_on},
        note=note,
    )
    return foi


@transaction.atomic
def request_clarification_sent(
    *, request_id: int, actor, sent_on: date, note: str = ""
) -> FoiRequest:
    """s.1(3): the clock restarts from the day the force receives the clarification."""
    foi = _lock(request_id)
    _check_date(
        sent_on,
        "sent_on",
        not_before=foi.clarification_requested_on,
        before_label="the force asked",
    )
    _transition(
        foi,
        Action.SEND_CLARIFICATION,
        actor=actor,
        happened_on=sent_on,
        changes={"clarification_sent_on": sent_on},
        note=note,
    )
    return foi


@transaction.atomic
def request_fees_notice(
    *, request_id: int, actor, notice_on: date, amount: Decimal | None = None, note: str = ""
) -> FoiRequest:
    foi = _lock(request_id)
    _check_date(
        notice_on, "notice_on", not_before=_start_of_clock(foi), before_label="the clock started"
    )
    if amount is not None and amount < 0:
        raise ServiceError("The fee cannot be negative.", "amount")
    _transition(
        foi,
        Action.FEES_NOTICE,
        actor=actor,
        happened_on=notice_on,
        changes={"fee_notice_on": notice_on, "fee_amount": amount, "fee_paid_on": None},
        note=note,
    )
    return foi


@transaction.atomic
def request_fee_paid(*, request_id: int, actor, paid_on: date, note: str = "") -> FoiRequest:
    """s.10(2): working days from the notice to the payment do not count."""
    foi = _lock(request_id)
    _check_date(paid_on, "paid_on", not_before=foi.fee_notice_on, before_label="the fees notice")
    _transition(
        foi,
        Action.FEE_PAID,
        actor=actor,
        happened_on=paid_on,
        changes={"fee_paid_on": paid_on},
        note=note,
    )
    return foi


@transaction.atomic
def request_pit_extension(
    *, request_id: int, actor, notice_on: date, estimated_on: date, note: str = ""
) -> FoiRequest:
    """s.10(3): a refusal notice naming an estimated date; more than 20 more working days is flagged."""
    foi = _lock(request_id)
    _check_date(
        notice_on, "notice_on", not_before=_start_of_clock(foi), before_label="the clock started"
    )
    if estimated_on is None or estimated_on < notice_on:
        raise ServiceError("The estimated date must be on or after the notice.", "estimated_on")
    _transition(
        foi,
        Action.PIT_EXTENSION,
        actor=actor,
        happened_on=notice_on,
        changes={"pit_extension_on": notice_on, "pit_estimated_on": estimated_on},
        note=note,
    )
    return foi


def _clean_exemptions(law: str, exemptions: Sequence[str]) -> list[str]:
    valid = {code for code, _ in EXEMPTIONS_BY_LAW[law]}
    unknown = [code for code in exemptions if code not in valid]
    if unknown:
        raise ServiceError(f"Not a {law.upper()} exemption: {', '.join(unknown)}.", "exemptions")
    return list(dict.fromkeys(exemptions))


@transaction.atomic
def request_record_response(
    *,
    request_id: int,
    actor,
    outcome: str,
    answered_on: date,
    exemptions: Sequence[str] = (),
    force_reference: str = "",
    note: str = "",
) -> FoiRequest:
    foi = _lock(request_id)
    if outcome not in Outcome.values:
        raise ServiceError(f"Unknown outcome {outcome!r}.", "outcome")
    _check_date(answered_on, "answered_on", not_before=foi.sent_on, before_label="the date sent")
    codes = _clean_exemptions(foi.force.law, exemptions)
    if outcome == Outcome.REFUSED and not codes:
        raise ServiceError("A refusal must cite at least one exemption.", "exemptions")
    changes = {"outcome": outcome, "answered_on": answered_on, "exemptions": codes}
    if force_reference:
        changes["force_reference"] = force_reference.strip()
    _transition(
        foi,
        Action.RECORD_RESPONSE,
        actor=actor,
        happened_on=answered_on,
        changes=changes,
        note=note,
        data={"outcome": outcome, "exemptions": codes},
    )
    return foi


@transaction.atomic
def request_review_requested(
    *, request_id: int, actor, requested_on: date, note: str = ""
) -> FoiRequest:
    foi = _lock(request_id)
    _check_date(requested_on, "requested_on", not_before=foi.answered_on, before_label="the answer")
    _transition(
        foi,
        Action.REQUEST_REVIEW,
        actor=actor,
        happened_on=requested_on,
        changes={"review_requested_on": requested_on},
        note=note,
    )
    return foi


@transaction.atomic
def request_review_answered(
    *, request_id: int, actor, answered_on: date, review_outcome: str, note: str = ""
) -> FoiRequest:
    foi = _lock(request_id)
    if review_outcome not in ReviewOutcome.values:
        raise ServiceError(f"Unknown review outcome {review_outcome!r}.", "review_outcome")
    _check_date(
        answered_on,
        "answered_on",
        not_before=foi.review_requested_on,
        before_label="the review request",
    )
    _transition(
        foi,
        Action.RECORD_REVIEW,
        actor=actor,
        happened_on=answered_on,
        changes={"review_answered_on": answered_on, "review_outcome": review_outcome},
        note=note,
        data={"review_outcome": review_outcome},
    )
    return foi


@transaction.atomic
def request_complain(*, request_id: int, actor, complained_on: date, note: str = "") -> FoiRequest:
    foi = _lock(request_id)
    # A complaint about an answered review cannot predate its answer.
    if foi.review_answered_on:
        not_before, label = foi.review_answered_on, "the review answer"
    else:
        not_before, label = foi.review_requested_on, "the review request"
    _check_date(complained_on, "complained_on", not_before=not_before, before_label=label)
    _transition(
        foi,
        Action.COMPLAIN,
        actor=actor,
        happened_on=complained_on,
        changes={"complained_on": complained_on},
        note=note,
    )
    return foi


@transaction.atomic
def request_record_decision(
    *, request_id: int, actor, decided_on: date, decision_outcome: str, note: str = ""
) -> FoiRequest:
    foi = _lock(request_id)
    if decision_outcome not in CommissionerOutcome.values:
        raise ServiceError(f"Unknown decision {decision_outcome!r}.", "decision_outcome")
    _check_date(
        decided_on, "decided_on", not_before=foi.complained_on, before_label="the complaint"
    )
    _transition(
        foi,
        Action.RECORD_DECISION,
        actor=actor,
        happened_on=decided_on,
        changes={"decision_on": decided_on, "decision_outcome": decision_outcome},
        note=note,
        data={"decision_outcome": decision_outcome},
    )
    return foi


@transaction.atomic
def request_withdraw(*, request_id: int, actor, withdrawn_on: date, note: str = "") -> FoiRequest:
    foi = _lock(request_id)
    _check_date(withdrawn_on, "withdrawn_on", not_before=foi.sent_on, before_label="the date sent")
    _transition(
        foi,
        Action.WITHDRAW,
        actor=actor,
        happened_on=withdrawn_on,
        changes={"withdrawn_on": withdrawn_on},
        note=note,
    )
    return foi


@transaction.atomic
def request_add_note(*, request_id: int, actor, note: str) -> RequestEvent:
    foi = _lock(request_id)
    if not note.strip():
        raise ServiceError("The note is empty.", "note")
    return RequestEvent.objects.create(
        request=foi,
        kind=RequestEvent.Kind.NOTE,
        actor=actor,
        note=note.strip(),
        happened_on=timezone.localdate(),
    )


# One entry per action: the service and the keyword its date goes under. Views and forms use
# this to dispatch on the *URL* (never on POST data).
ACTION_SERVICES = {
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
