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

from django.db.models import Count, Exists, Max, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import Coalesce

from figures_app.models import (
    REPORTING_KINDS,
    Category,
    Dimension,
    Figure,
    FigureChange,
    FigureReview,
    Kind,
    Metric,
    ReviewEvent,
    ReviewState,
)
from requests_app.exemptions import exemption_label
from requests_app.models import Campaign, FoiRequest, Period
from requests_app.workflow import ANSWERED_STATES, Outcome, Status

APPROVED = "approved"
ALL = "all"
BASES = (APPROVED, ALL)


def change_pct(old, new) -> float | None:
    if old is None or new is None or old == 0:
        return None
    return (new - old) / old * 100


def basis_filter(basis: str) -> Q:
    if basis == APPROVED:
        return Q(request__figure_review__state=ReviewState.APPROVED)
    return Q()


def headline_figures(
    metric: Metric, basis: str, first_dimension: Dimension | None
) -> QuerySet[Figure]:
    """The figures that make each force's headline number for a period: its total figure, or,
    where it gave no total, its breakdown by the metric's first dimension, added up. A total is
    never split, and a missing cell is never worked out by subtraction."""
    qs = Figure.objects.filter(metric=metric).filter(basis_filter(basis))
    if first_dimension is None:
        return qs.filter(category_key="")
    has_total = Figure.objects.filter(
        request=OuterRef("request"), metric=metric, period=OuterRef("period"), category_key=""
    )
    return qs.filter(
        Q(category_key="") | (Q(category__dimension=first_dimension) & ~Exists(has_total))
    )


_REPORTED = Q(kind=Kind.REPORTED)
_SUPPRESSED = Q(kind=Kind.SUPPRESSED)
_REPORTING = Q(kind__in=REPORTING_KINDS)


def _sums() -> dict:
    return {
        "total": Coalesce(Sum("value", filter=_REPORTED), 0),
        "upper_extra": Coalesce(Sum("upper", filter=_SUPPRESSED), 0),
        "suppressed_cells": Count("pk", filter=_SUPPRESSED),
    }


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
class BreakdownRow:
    period: Period
    dimension: Dimension
    category: Category
    total: int
    total_upper: int
    suppressed_cells: int


@dataclass
class DimensionSummary:
    dimension: Dimension
    period: Period
    numeric: bool
    modal: list[BreakdownRow]
    lowest: BreakdownRow | None
    recorded_total: int
    unknown_total: int
    forces: int


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
        .annotate(**_sums(), forces_reporting=Count("request", distinct=True, filter=_REPORTING))
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
                    _REPORTING, request=OuterRef("request"), period=period
                )
            )

        rows = {
            r["period_id"]: r
            for r in headline.filter(period__in=[before.period, after.period])
            .filter(reporting_in(before.period), reporting_in(after.period))
            .values("period_id")
            .annotate(
                total=Coalesce(Sum("value", filter=_REPORTED), 0),
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
        .annotate(**_sums(), reported_cells=Count("pk", filter=_REPORTED))
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
                row.reasons[period.pk] = _reason(
                    foi, all_kinds.get((foi.pk, period.pk), []), foi.pk in any_figures, basis, today
                )
        force_rows.append(row)

    breakdown, summaries = _breakdown(metric, basis, periods, dimensions)
    pending = sum(
        1
        for foi in requests
        if foi.pk in any_figures and getattr(_review(foi), "state", None) != ReviewState.APPROVED
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
    )


def _review(foi: FoiRequest) -> FigureReview | None:
    try:
        return foi.figure_review
    except FigureReview.DoesNotExist:
        return None


def _exemptions_text(codes) -> str:
    return ", ".join(exemption_label(c) for c in codes if c)


def _reason(
    foi: FoiRequest, kinds: list[tuple[str, str]], has_figures: bool, basis: str, today: date
) -> str:
    """Why a force has no figure for a period, in words."""
    kind_set = {k for k, _ in kinds}
    review = _review(foi)
    if (
        basis == APPROVED
        and (kind_set & set(REPORTING_KINDS) or has_figures)
        and (review is None or review.state != ReviewState.APPROVED)
    ):
        if review is not None and review.state == ReviewState.SENT_BACK:
            return "figures sent back for correction"
        if kind_set & set(REPORTING_KINDS):
            return "figures awaiting review"
    if Kind.NOT_HELD in kind_set:
        return "information not held"
    if Kind.REFUSED in kind_set:
        codes = [e for k, e in kinds if k == Kind.REFUSED and e] or list(foi.exemptions)
        text = _exemptions_text(codes)
        return f"refused: {text}" if text else "refused"
    if Kind.NOT_PROVIDED in kind_set:
        if foi.outcome == Outcome.PART:
            return "answered in part, without this figure"
        return "figure not provided"
    if foi.status in ANSWERED_STATES:
        if foi.outcome == Outcome.NOT_HELD:
            return "information not held"
        if foi.outcome == Outcome.REFUSED:
            text = _exemptions_text(foi.exemptions)
            return f"refused: {text}" if text else "refused"
        if foi.outcome == Outcome.PART:
            return "answered in part, without this figure"
        return "figures not yet entered"
    if foi.status == Status.WITHDRAWN:
        return "request withdrawn"
    if foi.status == Status.DRAFT:
        return "request not yet sent"
    if foi.is_overdue(today):
        return "no reply yet, overdue"
    return "no reply yet"


def _breakdown(metric: Metric, basis: str, periods: list[Period], dimensions: list[Dimension]):
    if not dimensions:
        return [], []
    categories = {
        c.pk: c
        for c in Category.objects.filter(dimension__metric=metric).select_related("dimension")
    }
    dims = {d.pk: d for d in dimensions}
    period_by_id = {p.pk: p for p in periods}
    rows = (
        Figure.objects.filter(metric=metric, category__isnull=False)
        .filter(basis_filter(basis))
        .values("period_id", "category_id")
        .annotate(**_sums())
        .order_by()
    )
    forces = {
        (r["period_id"], r["category__dimension_id"]): r["n"]
        # Forces that gave the breakdown: a not-held or refused cell is not a figure.
        for r in Figure.objects.filter(
            metric=metric,
            category__isnull=False,
            kind__in=REPORTING_KINDS,
        )
        .filter(basis_filter(basis))
        .values("period_id", "category__dimension_id")
        .annotate(n=Count("request", distinct=True))
        .order_by()
    }
    breakdown = []
    for r in rows:
        cat = categories[r["category_id"]]
        breakdown.append(
            BreakdownRow(
                period=period_by_id[r["period_id"]],
                dimension=dims[cat.dimension_id],
                category=cat,
                total=r["total"],
                total_upper=r["total"] + r["upper_extra"],
                suppressed_cells=r["suppressed_cells"],
            )
        )
    breakdown.sort(
        key=lambda b: (
            b.dimension.position,
            b.dimension.pk,
            b.period.position,
            b.period.start,
            b.category.position,
            b.category.numeric_value if b.category.numeric_value is not None else -1,
            b.category.value,
        )
    )
    summaries = []
    for dim in dimensions:
        for period in periods:
            rows_here = [
                b for b in breakdown if b.dimension.pk == dim.pk and b.period.pk == period.pk
            ]
            if not rows_here:
                continue
            known = [b for b in rows_here if not b.category.is_unknown]
            numeric = bool(known) and all(b.category.numeric_value is not None for b in known)
            top = max((b.total for b in known), default=0)
            modal = [b for b in known if b.total == top and top > 0]
            nonzero = [b for b in known if b.total > 0 or b.suppressed_cells]
            lowest = (
                min(nonzero, key=lambda b: b.category.numeric_value)
                if numeric and nonzero
                else None
            )
            summaries.append(
                DimensionSummary(
                    dimension=dim,
                    period=period,
                    numeric=numeric,
                    modal=modal,
                    lowest=lowest,
                    recorded_total=sum(b.total for b in known),
                    unknown_total=sum(b.total for b in rows_here if b.category.is_unknown),
                    forces=forces.get((period.pk, dim.pk), 0),
                )
            )
    return breakdown, summaries


def totals_json(totals: Totals, headlines: list[str]) -> dict:
    """The API shape of issue 3, section 4. Unrounded numbers."""
    periods = totals.periods
    return {
        "campaign": totals.campaign.slug,
        "metric": totals.metric.slug,
        "basis": totals.basis,
        "forces_asked": totals.forces_asked,
        "periods": [
            {
                "period": t.period.label,
                "total": t.total,
                "total_upper": t.total_upper,
                "suppressed_cells": t.suppressed_cells,
                "forces_reporting": t.forces_reporting,
                "per_day": t.per_day,
            }
            for t in totals.period_totals
        ],
        "changes": [
            {
                "from": c.from_period.period.label,
                "to": c.to_period.period.label,
                "change_pct": c.change_pct,
                "like_for_like": {
                    "forces": c.like_for_like.forces,
                    "from_total": c.like_for_like.from_total,
                    "to_total": c.like_for_like.to_total,
                    "change_pct": c.like_for_like.change_pct,
                },
            }
            for c in totals.changes
        ],
        "forces": [
            {
                "force": row.foi.force.name,
                "force_code": row.foi.force.ons_code,
                "values": {p.label: row.value(p) for p in periods},
                "change_pct": row.change_pct,
            }
            for row in totals.forces
        ],
        "breakdown": [
            {
                "period": b.period.label,
                "dimension": b.dimension.slug,
                "category": b.category.value,
                "total": b.total,
                "total_upper": b.total_upper,
            }
            for b in totals.breakdown
        ],
        "headlines": headlines,
    }


# --- a request's figures -------------------------------------------------------------------


def request_figures(foi: FoiRequest) -> list[Figure]:
    return list(
        foi.figures.select_related(
            "metric", "period", "category__dimension", "attachment", "entered_by", "updated_by"
        ).order_by(
            "metric__position", "metric_id", "period__position", "period__start", "category_key"
        )
    )


def request_history(foi: FoiRequest, limit: int = 200) -> list[FigureChange]:
    return list(foi.figure_changes.select_related("actor")[:limit])


def request_review_events(foi: FoiRequest) -> list[ReviewEvent]:
    return list(foi.figure_review_events.select_related("actor")[:50])


def review_queue(*, user=None) -> QuerySet[FigureReview]:
    """Pending reviews, oldest first, with what a reviewer needs to pick one (constant queries)."""
    qs = (
        FigureReview.objects.filter(state=ReviewState.PENDING)
        .select_related("request__force", "request__campaign", "submitted_by")
        .annotate(
            n_figures=Count("request__figures", distinct=True),
            last_change=Max("request__figures__updated_at"),
        )
        .order_by("submitted_at", "pk")
    )
    return qs


def sent_back(*, user=None) -> QuerySet[FigureReview]:
    return (
        FigureReview.objects.filter(state=ReviewState.SENT_BACK)
        .select_related("request__force", "request__campaign", "reviewed_by")
        .order_by("reviewed_at")
    )


def reviews_awaiting(user) -> QuerySet[FigureReview]:
    """Pending reviews this user may approve (not the ones they entered themselves)."""
    from django.conf import settings

    qs = review_queue()
    if not settings.FIGURES_ALLOW_SELF_APPROVAL:
        own = Figure.objects.filter(request=OuterRef("request")).filter(
            Q(entered_by=user) | Q(updated_by=user)
        )
        qs = qs.exclude(Exists(own))
    return qs


def request_warnings(figures: list[Figure], periods: list[Period], index) -> list[str]:
    """Warnings, not errors: a breakdown that does not add up to its total, and a value more
    than 5x or less than 1/5 of the same force's previous period."""
    warnings = []
    by_cell = {(f.metric_id, f.period_id, f.category_key): f for f in figures}
    metrics = {f.metric_id: f.metric for f in figures}
    for (metric_id, period_id, key), total in by_cell.items():
        if key != "" or total.kind != Kind.REPORTED:
            continue
        for dim in index.dimensions.get(metric_id, []):
            parts = [
                f
                for f in figures
                if f.metric_id == metric_id
                and f.period_id == period_id
                and f.category_id
                and f.category.dimension_id == dim.pk
            ]
            if not parts or any(p.kind not in REPORTING_KINDS for p in parts):
                continue
            low = sum(p.value if p.kind == Kind.REPORTED else p.lower for p in parts)
            high = sum(p.value if p.kind == Kind.REPORTED else p.upper for p in parts)
            if not low <= total.value <= high:
                said = f"{low:,}" if low == high else f"between {low:,} and {high:,}"
                warnings.append(
                    f"{metrics[metric_id].label}, {total.period.label}: the breakdown by "
                    f"{dim.label.lower()} adds up to {said}, but the total is {total.value:,}."
                )
    order = {p.pk: i for i, p in enumerate(periods)}
    for (metric_id, period_id, key), fig in by_cell.items():
        i = order.get(period_id)
        if not i or fig.kind != Kind.REPORTED:
            continue
        prev = by_cell.get((metric_id, periods[i - 1].pk, key))
        if prev is None or prev.kind != Kind.REPORTED:
            continue
        if prev.value and (fig.value > 5 * prev.value or fig.value * 5 < prev.value):
            what = fig.metric.label
            if fig.category_id:
                what += f", {fig.category.dimension.label.lower()} {fig.category.label or fig.category.value}"
            warnings.append(
                f"{what}: {fig.value:,} in {fig.period.label} against {prev.value:,} in "
                f"{periods[i - 1].label} (x{fig.value / prev.value:.2f}); check it is not a typing slip."
            )
    return warnings
