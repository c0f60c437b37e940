"""Reads: national totals (computed in the database), a request's figures, the review queue.

Totals follow DOMAIN.md section 5: a total carries its coverage; suppressed cells give bounds
(exact values = lower bound, plus each suppressed cell's upper bound = upper bound) and are never
derived by subtraction; year-on-year change is given raw and like-for-like; per-day figures use
the real number of days; nothing is rounded here (rounding is presentation).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, Exists, OuterRef, Sum
from django.db.models.functions import Coalesce

from figures_app.models import Figure, Metric, ReviewState
from figures_app.selectors.basis import (
    ALL,
    APPROVED,
    BASES,
    REPORTED,
    REPORTING,
    basis_filter,
    change_pct,
    headline_figures,
    sums,
)
from figures_app.selectors.breakdown import BreakdownRow, DimensionSummary, metric_breakdown
from figures_app.selectors.reasons import figure_review_of, missing_reason
from requests_app.models import Campaign, FoiRequest, Period

__all__ = ["ALL", "APPROVED", "BASES", "Entered", "Totals", "basis_filter", "metric_totals"]


@dataclass
class PeriodTotal:
    period: Period
    total: int
    total_upper: int
    suppressed_cells: int
    forces_reporting: int

    @property
    def per_day(self) -> float:
        return self.total / self.period.days


@dataclass
class LikeForLike:
    forces: int
    from_total: int
    to_total: int

    @property
    def change_pct(self) -> float | None:
        return change_pct(self.from_total, self.to_total)


@dataclass
class Change:
    from_period: PeriodTotal
    to_period: PeriodTotal
    like_for_like: LikeForLike

    @property
    def change_pct(self) -> float | None:
        # A period no force reported in has no total: 0 there is "nothing counted yet", not a
        # fall to (or a rise from) zero.
        if not (self.from_period.forces_reporting and self.to_period.forces_reporting):
            return None
        return change_pct(self.from_period.total, self.to_period.total)


@dataclass
class ForceCell:
    value: int | None  # sum of reported values; None when nothing was reported
    suppressed_cells: int = 0
    upper: int | None = None
    kind: str = ""  # the kind of the total figure when the force reported nothing


@dataclass
class ForceRow:
    foi: FoiRequest
    cells: dict[int, ForceCell]  # period id -> cell
    change_pct: float | None = None
    reasons: dict[int, str] = field(default_factory=dict)  # period id -> why no figure

    def value(self, period: Period) -> int | None:
        cell = self.cells.get(period.pk)
        return cell.value if cell else None


@dataclass
class Entered:
    """Figures entered for the metric (every kind, on any basis), by the review state of their
    request: what a total on approved figures leaves out, so that an empty total can say why
    ("no approved figures yet: 12 entered and waiting for review") instead of showing 0."""

    approved: int = 0
    waiting: int = 0
    sent_back: int = 0
    forces_approved: int = 0
    forces_waiting: int = 0
    forces_sent_back: int = 0

    @property
    def figures(self) -> int:
        return self.approved + self.waiting + self.sent_back

    def add(self, state: str, figures: int) -> None:
        name = {ReviewState.APPROVED: "approved", ReviewState.SENT_BACK: "sent_back"}.get(
            state, "waiting"
        )
        setattr(self, name, getattr(self, name) + figures)
        setattr(self, f"forces_{name}", getattr(self, f"forces_{name}") + 1)


@dataclass
class Totals:
    campaign: Campaign
    metric: Metric
    basis: str
    periods: list[Period]
    forces_asked: int
    period_totals: list[PeriodTotal]
    changes: list[Change]
    forces: list[ForceRow]
    breakdown: list[BreakdownRow]
    summaries: list[DimensionSummary]
    pending_requests: int
    today: date
    entered: dict[int, Entered] = field(default_factory=dict)  # period id -> figures entered
    entered_any: Entered = field(default_factory=Entered)  # over all periods

    @property
    def reported(self) -> bool:
        """Whether any force gave a figure (exact or suppressed) on this basis, in any period."""
        return any(t.forces_reporting for t in self.period_totals)

    def entered_in(self, period: Period) -> Entered:
        return self.entered.get(period.pk, Entered())

    def period_total(self, period: Period) -> PeriodTotal:
        return next(t for t in self.period_totals if t.period.pk == period.pk)


def campaign_metrics(campaign: Campaign) -> list[Metric]:
    return list(campaign.metrics.prefetch_related("dimensions"))


def metric_totals(*, metric: Metric, basis: str = APPROVED, today: date) -> Totals:
    """Everything the totals page, the JSON API and the headlines say about one metric.

    A fixed number of queries however many forces or figures there are."""
    campaign = metric.campaign
    periods = list(campaign.periods.all())
    dimensions = list(metric.dimensions.all())
    first_dim = dimensions[0] if dimensions else None
    headline = headline_figures(metric, basis, first_dim)

    # Per period: one GROUP BY.
    by_period = {
        row["period_id"]: row
        for row in headline.values("period_id")
        .annotate(**sums(), forces_reporting=Count("request", distinct=True, filter=REPORTING))
        .order_by()
    }
    period_totals = []
    for period in periods:
        row = by_period.get(period.pk, {})
        total = row.get("total", 0)
        period_totals.append(
            PeriodTotal(
                period=period,
                total=total,
                total_upper=total + row.get("upper_extra", 0),
                suppressed_cells=row.get("suppressed_cells", 0),
                forces_reporting=row.get("forces_reporting", 0),
            )
        )

    # Consecutive pairs: raw change, and like-for-like over forces reporting in both (one
    # GROUP BY per pair, filtered with EXISTS on both periods).
    changes = []
    for before, after in zip(period_totals, period_totals[1:], strict=False):

        def reporting_in(period: Period):
            return Exists(
                headline_figures(metric, basis, first_dim).filter(
                    REPORTING, request=OuterRef("request"), period=period
                )
            )

        rows = {
            r["period_id"]: r
            for r in headline.filter(period__in=[before.period, after.period])
            .filter(reporting_in(before.period), reporting_in(after.period))
            .values("period_id")
            .annotate(
                total=Coalesce(Sum("value", filter=REPORTED), 0),
                forces=Count("request", distinct=True),
            )
            .order_by()
        }
        lfl = LikeForLike(
            forces=rows.get(before.period.pk, {}).get("forces", 0),
            from_total=rows.get(before.period.pk, {}).get("total", 0),
            to_total=rows.get(after.period.pk, {}).get("total", 0),
        )
        changes.append(Change(before, after, lfl))

    # Per force: one GROUP BY (request, period) for the basis, one for the kinds of all figures
    # (to say why a force has no figure), one for the requests.
    requests = list(
        campaign.requests.select_related("force", "figure_review").order_by("force__name")
    )
    cells: dict[int, dict[int, ForceCell]] = defaultdict(dict)
    for row in (
        headline.values("request_id", "period_id")
        .annotate(**sums(), reported_cells=Count("pk", filter=REPORTED))
        .order_by()
    ):
        cells[row["request_id"]][row["period_id"]] = ForceCell(
            value=row["total"] if row["reported_cells"] else None,
            suppressed_cells=row["suppressed_cells"],
            upper=row["total"] + row["upper_extra"],
        )
    all_kinds: dict[tuple[int, int], list[tuple[str, str]]] = defaultdict(list)
    # Why a force has no figure: look at every cell it gave (a breakdown-only answer can say
    # "not held" in its category rows), not just the total row.
    for row in (
        Figure.objects.filter(metric=metric)
        .values_list("request_id", "period_id", "kind", "exemption")
        .order_by()
    ):
        all_kinds[(row[0], row[1])].append((row[2], row[3]))
    any_figures = set(
        Figure.objects.filter(metric=metric)
        .values_list("request_id", flat=True)
        .distinct()
        .order_by()
    )
    force_rows = []
    for foi in requests:
        force_cells = cells.get(foi.pk, {})
        row = ForceRow(foi=foi, cells=force_cells)
        if len(periods) >= 2:
            row.change_pct = change_pct(row.value(periods[-2]), row.value(periods[-1]))
        for period in periods:
            cell = force_cells.get(period.pk)
            reporting = cell is not None and (cell.value is not None or cell.suppressed_cells)
            if not reporting:
                row.reasons[period.pk] = missing_reason(
                    foi, all_kinds.get((foi.pk, period.pk), []), foi.pk in any_figures, basis, today
                )
        force_rows.append(row)

    # What was entered, by review state (from the rows already read: no query).
    entered: dict[int, Entered] = defaultdict(Entered)
    entered_any = Entered()
    for foi in requests:
        state = getattr(figure_review_of(foi), "state", ReviewState.PENDING)
        in_any = 0
        for period in periods:
            n = len(all_kinds.get((foi.pk, period.pk), []))
            if n:
                entered[period.pk].add(state, n)
                in_any += n
        if in_any:
            entered_any.add(state, in_any)

    breakdown, summaries = metric_breakdown(metric, basis, periods, dimensions)
    pending = sum(
        1
        for foi in requests
        if foi.pk in any_figures
        and getattr(figure_review_of(foi), "state", None) != ReviewState.APPROVED
    )
    return Totals(
        campaign=campaign,
        metric=metric,
        basis=basis,
        periods=periods,
        forces_asked=len(requests),
        period_totals=period_totals,
        changes=changes,
        forces=force_rows,
        breakdown=breakdown,
        summaries=summaries,
        pending_requests=pending,
        today=today,
        entered=dict(entered),
        entered_any=entered_any,
    )
