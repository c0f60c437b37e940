"""What every lifecycle action shares: the row lock, the date checks, and the move itself.

`transition` checks the move against workflow.TRANSITIONS, saves the request with its new dates,
recomputes the stored due dates, writes the audit event and stores the attachments linked to it;
the action that calls it holds the one transaction all of this happens in.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone

from requests_app.calendars import calendar_for
from requests_app.deadlines import WorkingCalendar
from requests_app.models import FoiRequest, RequestEvent
from requests_app.services.attachments import attachment_add
from requests_app.services.data_versions import campaigns_data_changed
from requests_app.services.deadlines import DERIVED_FIELDS, apply_deadlines
from requests_app.services.errors import ServiceError
from requests_app.text import long_date
from requests_app.workflow import Action, InvalidTransition, allowed_actions, target_status

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser


# Actions that record something the force told us: taken by a person, they clear "new reply".
RECORDS_WHAT_FORCE_SAID = frozenset(
    {
        Action.ACKNOWLEDGE,
        Action.REQUEST_CLARIFICATION,
        Action.FEES_NOTICE,
        Action.PIT_EXTENSION,
        Action.RECORD_RESPONSE,
        Action.RECORD_REVIEW,
        Action.RECORD_DECISION,
        Action.WITHDRAW,
    }
)


def lock_request(request_id: int) -> FoiRequest:
    try:
        return (
            FoiRequest.objects.select_for_update(of=("self",))
            .select_related("force", "campaign")
            .get(pk=request_id)
        )
    except FoiRequest.DoesNotExist:
        raise ServiceError(f"Request {request_id} does not exist.") from None


def check_date(
    value: date | None, *, field: str, not_before: date | None = None, before_label: str = ""
) -> None:
    if value is None:
        raise ServiceError("A date is required.", field)
    if value > timezone.localdate():
        raise ServiceError("The date cannot be in the future.", field)
    if not_before and value < not_before:
        raise ServiceError(
            f"The date cannot be before {before_label} ({long_date(not_before)}).", field
        )


def start_of_clock(foi: FoiRequest) -> date | None:
    return foi.clarification_sent_on or foi.received_on


def transition(
    foi: FoiRequest,
    *,
    action: str,
    actor: AbstractBaseUser | None,
    happened_on: date,
    changes: dict[str, Any],
    note: str = "",
    data: dict[str, Any] | None = None,
    attachments: Sequence[UploadedFile] = (),
    cal: WorkingCalendar | None = None,
) -> RequestEvent:
    """Make the move on the locked `foi`; the event written, with `attachments` linked to it.

    Call inside the action's transaction: a ServiceError from an attachment rolls back the move
    and removes any file already stored (services/attachments.py).
    """
    if action not in allowed_actions(foi.status, foi.force.law):
        raise InvalidTransition(foi.status, action, foi.force.law)
    from_status = foi.status
    foi.status = target_status(action)
    for field, value in changes.items():
        setattr(foi, field, value)
    if actor is not None and action in RECORDS_WHAT_FORCE_SAID and foi.new_reply_at is not None:
        # A person has recorded what the force said: the reply is dealt with.
        changes = {**changes, "new_reply_at": None}
        foi.new_reply_at = None
    apply_deadlines(foi, cal=cal or calendar_for(foi.force.law))
    foi.save(update_fields=["status", "updated_at", *changes, *DERIVED_FIELDS])
    # A request's status, outcome and dates are in its campaign's totals (issue 28).
    campaigns_data_changed(campaign_ids=[foi.campaign_id])
    event = RequestEvent.objects.create(
        request=foi,
        kind=action,
        actor=actor,
        happened_on=happened_on,
        from_status=from_status,
        to_status=foi.status,
        note=note,
        data=data or {},
    )
    for upload in attachments:
        attachment_add(request_id=foi.pk, actor=actor, upload=upload, event=event)
    return event
