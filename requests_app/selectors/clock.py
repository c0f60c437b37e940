"""Reads: a request's dates as the deadline arithmetic sees them, and the deadlines that follow.

The arithmetic itself is pure (requests_app/deadlines.py); this module only reads a FoiRequest.
Selectors, views and services all use it; keeping it out of services means a read never imports
a write (services/deadlines.py stores the results).
"""

from __future__ import annotations

from requests_app.deadlines import ClockFacts, Deadlines, WorkingCalendar, compute_deadlines
from requests_app.models import FoiRequest
from requests_app.workflow import Status


def clock_facts(foi: FoiRequest) -> ClockFacts:
    return ClockFacts(
        law=foi.force.law,
        received_on=foi.received_on,
        clarification_requested_on=foi.clarification_requested_on,
        clarification_received_on=foi.clarification_sent_on,
        fee_notice_on=foi.fee_notice_on,
        fee_paid_on=foi.fee_paid_on,
        pit_extension_on=foi.pit_extension_on,
        pit_estimated_on=foi.pit_estimated_on,
        answered_on=foi.answered_on,
        review_requested_on=foi.review_requested_on,
        review_answered_on=foi.review_answered_on,
        awaiting_clarification=foi.status == Status.CLARIFICATION_REQUESTED,
    )


def request_deadlines(foi: FoiRequest, cal: WorkingCalendar) -> Deadlines:
    return compute_deadlines(clock_facts(foi), cal)
