"""Lifecycle actions from the force's answer on: the response, internal review, the Commissioner.

Each action is one transaction (see services/transitions.py) and returns the event it wrote.
Import them from services/lifecycle.py, which holds ACTION_SERVICES.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from requests_app.exemptions import EXEMPTIONS_BY_LAW
from requests_app.models import RequestEvent
from requests_app.services.errors import ServiceError
from requests_app.services.transitions import check_date, lock_request, transition
from requests_app.workflow import (
    Action,
    CommissionerOutcome,
    Outcome,
    ReviewOutcome,
    refusal_problem,
)

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser


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
    actor: AbstractBaseUser,
    outcome: str,
    answered_on: date,
    exemptions: Sequence[str] = (),
    force_reference: str = "",
    note: str = "",
    attachments: Sequence[UploadedFile] = (),
) -> RequestEvent:
    foi = lock_request(request_id)
    if outcome not in Outcome.values:
        raise ServiceError(f"Unknown outcome {outcome!r}.", "outcome")
    check_date(
        answered_on, field="answered_on", not_before=foi.sent_on, before_label="the date sent"
    )
    codes = _clean_exemptions(foi.force.law, exemptions)
    problem = refusal_problem(outcome, codes)
    if problem:
        raise ServiceError(problem, "exemptions")
    changes = {
        "outcome": outcome,
        "answered_on": answered_on,
        "answered_on_unconfirmed": False,
        "exemptions": codes,
    }
    if force_reference:
        changes["force_reference"] = force_reference.strip()
    return transition(
        foi,
        action=Action.RECORD_RESPONSE,
        actor=actor,
        happened_on=answered_on,
        changes=changes,
        note=note,
        data={"outcome": outcome, "exemptions": codes},
        attachments=attachments,
    )


@transaction.atomic
def request_review_requested(
    *,
    request_id: int,
    actor: AbstractBaseUser,
    requested_on: date,
    note: str = "",
    attachments: Sequence[UploadedFile] = (),
) -> RequestEvent:
    foi = lock_request(request_id)
    check_date(
        requested_on, field="requested_on", not_before=foi.answered_on, before_label="the answer"
    )
    return transition(
        foi,
        action=Action.REQUEST_REVIEW,
        actor=actor,
        happened_on=requested_on,
        changes={"review_requested_on": requested_on},
        note=note,
        attachments=attachments,
    )


@transaction.atomic
def request_review_answered(
    *,
    request_id: int,
    actor: AbstractBaseUser,
    answered_on: date,
    review_outcome: str,
    note: str = "",
    attachments: Sequence[UploadedFile] = (),
) -> RequestEvent:
    foi = lock_request(request_id)
    if review_outcome not in ReviewOutcome.values:
        raise ServiceError(f"Unknown review outcome {review_outcome!r}.", "review_outcome")
    check_date(
        answered_on,
        field="answered_on",
        not_before=foi.review_requested_on,
        before_label="the review request",
    )
    return transition(
        foi,
        action=Action.RECORD_REVIEW,
        actor=actor,
        happened_on=answered_on,
        changes={"review_answered_on": answered_on, "review_outcome": review_outcome},
        note=note,
        data={"review_outcome": review_outcome},
        attachments=attachments,
    )


@transaction.atomic
def request_complain(
    *,
    request_id: int,
    actor: AbstractBaseUser,
    complained_on: date,
    note: str = "",
    attachments: Sequence[UploadedFile] = (),
) -> RequestEvent:
    foi = lock_request(request_id)
    # A complaint about an answered review cannot predate its answer.
    if foi.review_answered_on:
        not_before, label = foi.review_answered_on, "the review answer"
    else:
        not_before, label = foi.review_requested_on, "the review request"
    check_date(complained_on, field="complained_on", not_before=not_before, before_label=label)
    return transition(
        foi,
        action=Action.COMPLAIN,
        actor=actor,
        happened_on=complained_on,
        changes={"complained_on": complained_on},
        note=note,
        attachments=attachments,
    )


@transaction.atomic
def request_record_decision(
    *,
    request_id: int,
    actor: AbstractBaseUser,
    decided_on: date,
    decision_outcome: str,
    note: str = "",
    attachments: Sequence[UploadedFile] = (),
) -> RequestEvent:
    foi = lock_request(request_id)
    if decision_outcome not in CommissionerOutcome.values:
        raise ServiceError(f"Unknown decision {decision_outcome!r}.", "decision_outcome")
    check_date(
        decided_on, field="decided_on", not_before=foi.complained_on, before_label="the complaint"
    )
    return transition(
        foi,
        action=Action.RECORD_DECISION,
        actor=actor,
        happened_on=decided_on,
        changes={"decision_on": decided_on, "decision_outcome": decision_outcome},
        note=note,
        data={"decision_outcome": decision_outcome},
        attachments=attachments,
    )
