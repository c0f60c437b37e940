"""Reads: request rows with their computed dates, and the request lists pages start from."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Prefetch, QuerySet, prefetch_related_objects

from requests_app.calendars import calendars
from requests_app.deadlines import WorkingCalendar
from requests_app.exemptions import short_label
from requests_app.models import AttachmentScreening, Campaign, FoiRequest, RequestAttachment
from requests_app.selectors.answering import NOT_ANSWERED, AnswerTiming, answer_timing
from requests_app.selectors.clock import request_deadlines


@dataclass
class RequestRow:
    """A request with everything the campaign table, CSV and API show about it."""

    foi: FoiRequest
    overdue: bool
    long_overdue: bool
    working_days_left: int | None
    working_days_late: int | None
    working_days_taken: int | None
    pit_beyond_limit: bool
    complaint_window_closes_on: date | None
    review_due_on: date | None
    answer_timing: AnswerTiming = NOT_ANSWERED

    @property
    def exemption_labels(self) -> str:
        return "; ".join(short_label(code) for code in self.foi.exemptions)


def request_row(foi: FoiRequest, cal: WorkingCalendar, today: date) -> RequestRow:
    d = request_deadlines(foi, cal)
    # Annotated by with_figures_unrecorded_flag(): figures are in, so nothing is owed (the
    # same rule as the overdue counts and chips; without the annotation, as before).
    owed = not getattr(foi, "figures_unrecorded", False)
    overdue = owed and foi.is_overdue(today)
    left = late = None
    if foi.next_due_on and owed:
        if overdue:
            late = cal.working_days_between(foi.next_due_on, today)
        else:
            left = cal.working_days_between(today, foi.next_due_on)
    # The answer's own timing (answering.py, the one definition); a review overdue now is the
    # lateness shown unless the answer itself was late.
    timing = answer_timing(foi, cal)
    if timing.late_by or late is None:
        late = timing.late_by
    return RequestRow(
        foi=foi,
        overdue=overdue,
        long_overdue=owed and foi.is_long_overdue(today),
        working_days_left=left,
        working_days_late=late,
        working_days_taken=timing.working_days,
        pit_beyond_limit=d.pit_beyond_limit,
        complaint_window_closes_on=d.complaint_window_closes_on,
        review_due_on=d.review_due_on,
        answer_timing=timing,
    )


def campaign_requests(campaign: Campaign) -> QuerySet[FoiRequest]:
    return (
        campaign.requests.select_related("force")
        .with_figures_unrecorded_flag()
        .order_by("force__name")
    )


def figures_unrecorded_requests(queryset: QuerySet[FoiRequest] | None = None) -> QuerySet:
    """Requests awaiting a response whose figures are in ("figures in, response not
    recorded"): figures_app could not tell the outcome from them (all refused or not held, or
    only some of what was asked), so a person records it from the letter. Not chased, not
    overdue."""
    queryset = FoiRequest.objects.all() if queryset is None else queryset
    return (
        queryset.figures_unrecorded()
        .select_related("force", "campaign")
        .order_by("campaign__title", "force__name")
    )


def new_reply_requests(queryset: QuerySet[FoiRequest] | None = None) -> QuerySet[FoiRequest]:
    """Requests with a reply nobody has recorded yet ("new reply: record the response"),
    oldest reply first: set when a reply is filed, cleared when a person records the response
    or says there is nothing to record (services/mail_in.py)."""
    queryset = FoiRequest.objects.all() if queryset is None else queryset
    return (
        queryset.filter(new_reply_at__isnull=False)
        .select_related("force", "campaign")
        .order_by("new_reply_at", "pk")
    )


def request_rows(requests, today: date, *, cals=None) -> list[RequestRow]:
    """Rows for many requests with a constant number of queries (one for the calendars). The
    calendars are cached per process (calendars.py) and count in O(log h) (deadlines.py), so the
    per-row dates cost microseconds, not a day-by-day walk per date."""
    cals = cals or calendars()
    return [request_row(foi, cals[foi.force.law], today) for foi in requests]


def with_files(foi: FoiRequest) -> FoiRequest:
    """`foi` with its files read once (who stored each, its screening) for everything on its
    page: the list of attachments, the timeline's, the figures grid's file choice."""
    prefetch_related_objects(
        [foi],
        Prefetch(
            "attachments",
            queryset=RequestAttachment.objects.select_related("uploaded_by", "screening"),
        ),
    )
    return foi


def screenings_of(attachments: list[RequestAttachment]) -> dict[int, AttachmentScreening]:
    """attachment id -> its screening, from files read with with_files (no query)."""
    found = {}
    for attachment in attachments:
        try:
            found[attachment.pk] = attachment.screening
        except AttachmentScreening.DoesNotExist:
            pass  # stored before screening existed
    return found
