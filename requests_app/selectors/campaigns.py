"""Reads: a campaign's progress (requests by status, answered, overdue), counted in the database."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from requests_app.models import Campaign, FoiRequest
from requests_app.models.requests import figures_unrecorded_q, overdue_q
from requests_app.selectors.requests import RequestRow
from requests_app.workflow import ANSWERED_STATES, AWAITING_RESPONSE, CLOCK_STOPPED, Status


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
    # status -> count, read in the same query: the campaign page's status chips (status_counts).
    by_status: dict[str, int] = field(default_factory=dict)

    def status_counts(self) -> list[tuple[str, str, int]]:
        """status_counts(campaign), from this progress's own query."""
        return [
            (s.value, s.label, self.by_status[s.value])
            for s in Status
            if self.by_status.get(s.value)
        ]

    @property
    def answered_pct(self) -> float:
        return 100 * self.answered / self.total if self.total else 0.0


def campaign_progress(campaign: Campaign, today: date) -> CampaignProgress:
    """One GROUP BY status with three filtered counts; the line's other numbers are sums of
    statuses. (Twenty-odd filtered COUNTs in one aggregate cost more to build in Django than the
    query took to run: this was a sixth of the campaign page's time under load.)"""
    return _progress(
        campaign.requests.order_by()
        .values("status")
        .annotate(
            n=Count("pk"),
            n_overdue=Count("pk", filter=overdue_q(today)),
            n_unrecorded=Count("pk", filter=figures_unrecorded_q()),
            n_new_reply=Count("pk", filter=Q(new_reply_at__isnull=False)),
        )
        .values_list("status", "n", "n_overdue", "n_unrecorded", "n_new_reply")
    )


def progress_of_rows(rows: list[RequestRow]) -> CampaignProgress:
    """campaign_progress from the rows of all of a campaign's requests, already read for its
    page (request_rows over campaign_requests): no query. Row by row, the same tests as the
    query's: row.overdue is overdue_q, the figures_unrecorded annotation is figures_unrecorded_q
    (tests/requests_app/test_campaign_rows.py holds the two to the same numbers)."""
    tally: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for row in rows:
        counts = tally[row.foi.status]
        counts[0] += 1
        counts[1] += row.overdue
        counts[2] += bool(getattr(row.foi, "figures_unrecorded", False))
        counts[3] += row.foi.new_reply_at is not None
    return _progress((status, *counts) for status, counts in tally.items())


def _progress(by_status_rows) -> CampaignProgress:
    """CampaignProgress from (status, requests, overdue, figures unrecorded, new reply) rows."""
    by_status: dict[str, int] = {}
    overdue = figures_unrecorded = new_reply = 0
    for status, n, n_overdue, n_unrecorded, n_new_reply in by_status_rows:
        by_status[status] = n
        overdue += n_overdue
        figures_unrecorded += n_unrecorded
        new_reply += n_new_reply

    def among(statuses) -> int:
        return sum(by_status.get(s, 0) for s in statuses)

    return CampaignProgress(
        total=sum(by_status.values()),
        draft=by_status.get(Status.DRAFT, 0),
        awaiting=among(AWAITING_RESPONSE),
        # Clarification asked or fees notice: the clock waits for us. Left out before, so the
        # line did not add up to the "All" chip.
        paused=among(CLOCK_STOPPED),
        overdue=overdue,
        answered=among(ANSWERED_STATES),
        withdrawn=by_status.get(Status.WITHDRAWN, 0),
        figures_unrecorded=figures_unrecorded,
        new_reply=new_reply,
        by_status=by_status,
    )


def requests_counted(where: Q) -> Coalesce:
    """The number of the campaign's requests matching `where`, as an annotation on campaigns.

    A subquery per campaign over its own requests (the campaign index), not a join of every
    request grouped by campaign: `where` is written on requests themselves, so the test for
    figures (overdue_q) is a correlated EXISTS probed only for the rows that reach it, where
    through the join it was an IN over every request with figures, built again for each count
    (half a second on the dashboard at 48k requests and 1.7M figures)."""
    counted = (
        FoiRequest.objects.filter(campaign=OuterRef("pk"))
        .filter(where)
        .order_by()
        .values("campaign")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def campaigns_with_progress(queryset: QuerySet[Campaign], today: date) -> QuerySet[Campaign]:
    return queryset.select_related("owner").annotate(
        n_requests=requests_counted(Q()),
        n_answered=requests_counted(Q(status__in=ANSWERED_STATES)),
        n_overdue=requests_counted(overdue_q(today)),
    )
