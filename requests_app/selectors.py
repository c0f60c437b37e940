"""Reads: campaign progress, request rows with their computed dates, dashboard lists."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Count, Q, QuerySet

from requests_app.calendars import calendars
from requests_app.clock import request_deadlines
from requests_app.deadlines import WorkingCalendar
from requests_app.exemptions import short_label
from requests_app.letters import Letter, request_letter
from requests_app.models import Campaign, FoiRequest, SentRequest
from requests_app.models.outbox import SendStatus
from requests_app.models.requests import figures_unrecorded_q, overdue_q
from requests_app.workflow import ANSWERED_STATES, AWAITING_RESPONSE, CLOCK_STOPPED, Status


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

    @property
    def exemption_labels(self) -> str:
        return "; ".join(short_label(code) for code in self.foi.exemptions)


def request_row(foi: FoiRequest, cal: WorkingCalendar, today: date) -> RequestRow:
    d = request_deadlines(foi, cal)
    # Annotated by with_figures_unrecorded_flag(): figures are in, so nothing is owed (the
    # same rule as the overdue counts and chips; without the annotation, as before).
    owed = not getattr(foi, "figures_unrecorded", False)
    overdue = owed and foi.is_overdue(today)
    left = late = taken = None
    if foi.next_due_on and owed:
        if overdue:
            late = cal.working_days_between(foi.next_due_on, today)
        else:
            left = cal.working_days_between(today, foi.next_due_on)
    if foi.answered_on and foi.received_on:
        start = foi.clarification_sent_on or foi.received_on
        taken = cal.working_days_between(start, foi.answered_on)
        if foi.due_on and foi.answered_on > foi.due_on and foi.status in ANSWERED_STATES:
            late = cal.working_days_between(foi.due_on, foi.answered_on)
        elif foi.status in ANSWERED_STATES and late is None:
            late = 0
    return RequestRow(
        foi=foi,
        overdue=overdue,
        long_overdue=owed and foi.is_long_overdue(today),
        working_days_left=left,
        working_days_late=late,
        working_days_taken=taken,
        pit_beyond_limit=d.pit_beyond_limit,
        complaint_window_closes_on=d.complaint_window_closes_on,
        review_due_on=d.review_due_on,
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
    """Rows for many requests with a constant number of queries (one for the calendars)."""
    cals = cals or calendars()
    return [request_row(foi, cals[foi.force.law], today) for foi in requests]


def status_counts(campaign: Campaign) -> list[tuple[str, str, int]]:
    """(status, label, count) for every status present, in lifecycle order."""
    counts = dict(
        campaign.requests.values_list("status").annotate(n=Count("pk")).values_list("status", "n")
    )
    return [(s.value, s.label, counts[s.value]) for s in Status if counts.get(s.value)]


@dataclass
class CampaignProgress:
    """The progress line. Every request is in exactly one of draft, awaiting, paused, answered
    and withdrawn (the five add up to total, as the status chips do); overdue and
    figures_unrecorded are parts of those (late ones, and awaiting ones whose figures are in)."""

    total: int
    draft: int
    awaiting: int
    paused: int
    overdue: int
    answered: int
    withdrawn: int
    figures_unrecorded: int
    new_reply: int  # a reply filed that nobody has recorded yet (any status)

    @property
    def answered_pct(self) -> float:
        return 100 * self.answered / self.total if self.total else 0.0


def campaign_progress(campaign: Campaign, today: date) -> CampaignProgress:
    qs = campaign.requests.all()
    agg = qs.aggregate(
        total=Count("pk"),
        draft=Count("pk", filter=Q(status=Status.DRAFT)),
        awaiting=Count("pk", filter=Q(status__in=AWAITING_RESPONSE)),
        # Clarification asked or fees notice: the clock waits for us. Left out before, so the
        # line did not add up to the "All" chip.
        paused=Count("pk", filter=Q(status__in=CLOCK_STOPPED)),
        overdue=Count("pk", filter=overdue_q(today)),
        answered=Count("pk", filter=Q(status__in=ANSWERED_STATES)),
        withdrawn=Count("pk", filter=Q(status=Status.WITHDRAWN)),
        figures_unrecorded=Count("pk", filter=figures_unrecorded_q()),
        new_reply=Count("pk", filter=Q(new_reply_at__isnull=False)),
    )
    return CampaignProgress(**agg)


def campaigns_with_progress(queryset: QuerySet[Campaign], today: date) -> QuerySet[Campaign]:
    return queryset.select_related("owner").annotate(
        n_requests=Count("requests"),
        n_answered=Count("requests", filter=Q(requests__status__in=ANSWERED_STATES)),
        n_overdue=Count("requests", filter=overdue_q(today, prefix="requests__")),
    )


@dataclass
class SendPlan:
    """What sending a set of requests would do, force by force (the preview, the command)."""

    ready: list[tuple[FoiRequest, Letter]]
    no_address: list[FoiRequest]
    sending: list[FoiRequest]  # claimed by a worker now (not yet stale)
    not_draft: list[FoiRequest]  # already sent (by the tracker or marked by hand), or closed

    @property
    def ready_ids(self) -> list[int]:
        return [foi.pk for foi, _ in self.ready]


def send_plan(requests: QuerySet[FoiRequest], *, stale_before: datetime) -> SendPlan:
    """Sort `requests` into those that would go now and those that cannot, and why.

    A draft whose sent-log claim failed or went stale (`stale_before`) is ready again.
    """
    plan = SendPlan(ready=[], no_address=[], sending=[], not_draft=[])
    rows = (
        requests.select_related("force", "campaign", "sent_log")
        .prefetch_related("campaign__periods")
        .order_by("force__name")
    )
    for foi in rows:
        claim = foi.sent_log if _has_sent_log(foi) else None
        if foi.status != Status.DRAFT or (claim and claim.status == SendStatus.SENT):
            plan.not_draft.append(foi)
        elif not foi.force.foi_email:
            plan.no_address.append(foi)
        elif claim and claim.status == SendStatus.CLAIMED and claim.claimed_at >= stale_before:
            plan.sending.append(foi)
        else:
            plan.ready.append((foi, request_letter(foi, list(foi.campaign.periods.all()))))
    return plan


def _has_sent_log(foi: FoiRequest) -> bool:
    try:
        foi.sent_log  # noqa: B018 - the reverse one-to-one raises when there is no row
    except SentRequest.DoesNotExist:
        return False
    return True
