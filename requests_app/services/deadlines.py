"""Keeping each request's stored due dates in step with its dates and the calendar."""

from django.db import transaction

from requests_app.calendars import calendars
from requests_app.deadlines import WorkingCalendar
from requests_app.models import FoiRequest

# clock_facts and request_deadlines are reads and live in requests_app.selectors.clock; they are re-exported
# here because services/reminders.py imports request_deadlines from this module.
from requests_app.selectors.clock import clock_facts, request_deadlines
from requests_app.services.data_versions import campaigns_data_changed
from requests_app.workflow import AWAITING_RESPONSE, Status

__all__ = [
    "DERIVED_FIELDS",
    "apply_deadlines",
    "clock_facts",
    "deadlines_refresh_all",
    "request_deadlines",
]

DERIVED_FIELDS = ["due_on", "next_due_on", "next_long_overdue_on"]


def apply_deadlines(foi: FoiRequest, *, cal: WorkingCalendar) -> bool:
    """Set the stored due dates on `foi` (not saved). True when any changed."""
    d = request_deadlines(foi, cal)
    next_due = next_long = None
    if foi.status == Status.PIT_EXTENSION and foi.pit_estimated_on:
        next_due = foi.pit_estimated_on
        next_long = max(filter(None, [d.pit_limit_on, foi.pit_estimated_on]))
    elif foi.status in AWAITING_RESPONSE:
        next_due, next_long = d.response_due_on, d.response_long_overdue_on
    elif foi.status == Status.REVIEW_REQUESTED:
        next_due, next_long = d.review_due_on, d.review_long_overdue_on
    before = [getattr(foi, f) for f in DERIVED_FIELDS]
    foi.due_on, foi.next_due_on, foi.next_long_overdue_on = d.response_due_on, next_due, next_long
    return before != [getattr(foi, f) for f in DERIVED_FIELDS]


@transaction.atomic
def deadlines_refresh_all(*, force_ids: list[int] | None = None) -> int:
    """Recompute every request's due dates (after a non-working day is added or removed), or
    only the requests to `force_ids` (their law changed: FOISA's calendar for FOIA's)."""
    cals = calendars()
    changed = []
    requests = FoiRequest.objects.select_related("force").select_for_update(of=("self",))
    if force_ids is not None:
        requests = requests.filter(force_id__in=force_ids)
    for foi in requests:
        if apply_deadlines(foi, cal=cals[foi.force.law]):
            changed.append(foi)
    FoiRequest.objects.bulk_update(changed, DERIVED_FIELDS, batch_size=500)
    campaigns_data_changed(campaign_ids={foi.campaign_id for foi in changed})
    return len(changed)
