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

from django.db.models import (
    Aggregate,
    CharField,
    Count,
    FilteredRelation,
    Q,
    Sum,
    TextField,
    Value,
)
from django.db.models.functions import Cast, Concat

from figures_app.models import Dimension, Kind, Metric, ReviewState
from figures_app.selectors.basis import ALL, APPROVED, BASES, basis_filter, change_pct
from figures_app.selectors.breakdown import BreakdownRow, DimensionSummary, metric_breakdown
from figures_app.selectors.reasons import figure_review_of, missing_reason_of
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
    # The metric's dimensions as read for these totals (None: read them from the metric).
    dimensions: list[Dimension] | None = None

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
    """Everything the totals page, the JSON API, the exports and the headlines say about one
    metric.

    Four queries however many forces, figures or campaigns (fewer when the campaign's periods
    and the metric's dimensions are prefetched): the periods, the dimensions, the campaign's
    requests with every per-period sum pivoted onto them (read_force_periods), and the
    breakdown's GROUP BY (metric_breakdown). The period totals, like-for-like and coverage are
    added up from the per-force rows in Python: a few hundred numbers at most."""
    campaign = metric.campaign
    periods = list(campaign.periods.all())
    dimensions = list(metric.dimensions.all())
    first_dim = dimensions[0] if dimensions else None
    requests = read_force_periods(campaign, metric, periods, dimensions)

    force_rows: list[ForceRow] = []
    entered: dict[int, Entered] = defaultdict(Entered)
    entered_any = Entered()
    reporting: dict[int, set[int]] = {p.pk: set() for p in periods}  # period id -> request ids
    breakdown_forces: dict[tuple[int, int], int] = defaultdict(int)
    counted_ids: list[int] = []  # requests whose figures count on this basis
    pending = 0
    for foi in requests:
        state = getattr(figure_review_of(foi), "state", ReviewState.PENDING)
        counts = basis != APPROVED or state == ReviewState.APPROVED
        has_figures = bool(foi.totals_any_figures)
        if counts:
            counted_ids.append(foi.pk)
        if has_figures and state != ReviewState.APPROVED:
            pending += 1
        row = ForceRow(foi=foi, cells={})
        in_any = 0
        for i, period in enumerate(periods):
            cell_sums = _headline_sums(foi, i, first_dim)
            if counts and cell_sums.figures:
                row.cells[period.pk] = ForceCell(
                    value=cell_sums.total if cell_sums.reported_cells else None,
                    suppressed_cells=cell_sums.suppressed_cells,
                    upper=cell_sums.total + cell_sums.upper_extra,
                )
                if cell_sums.reported_cells or cell_sums.suppressed_cells:
                    reporting[period.pk].add(foi.pk)
            if counts:
                for j, dim in enumerate(dimensions):
                    if _col(foi, i, f"dim{j}_reporting"):
                        breakdown_forces[(period.pk, dim.pk)] += 1
            n = _col(foi, i, "figures")
            if n:
                entered[period.pk].add(state, n)
                in_any += n
        if in_any:
            entered_any.add(state, in_any)
        if len(periods) >= 2:
            row.change_pct = change_pct(row.value(periods[-2]), row.value(periods[-1]))
        for i, period in enumerate(periods):
            if foi.pk not in reporting[period.pk]:
                row.reasons[period.pk] = missing_reason_of(
                    foi,
                    _kind_set(foi, i),
                    _refused_codes(_col(foi, i, "refused_codes")),
                    has_figures,
                    basis,
                    today,
                )
        force_rows.append(row)

    period_totals = []
    for period in periods:
        cells = [r.cells[period.pk] for r in force_rows if period.pk in r.cells]
        total = sum(c.value or 0 for c in cells)
        period_totals.append(
            PeriodTotal(
                period=period,
                total=total,
                total_upper=sum(c.upper for c in cells),
                suppressed_cells=sum(c.suppressed_cells for c in cells),
                forces_reporting=len(reporting[period.pk]),
            )
        )

    # Consecutive pairs: raw change, and like-for-like over the forces reporting in both.
    changes = []
    for before, after in zip(period_totals, period_totals[1:], strict=False):
        both = reporting[before.period.pk] & reporting[after.period.pk]
        lfl = LikeForLike(
            forces=len(both),
            from_total=sum(r.value(before.period) or 0 for r in force_rows if r.foi.pk in both),
            to_total=sum(r.value(after.period) or 0 for r in force_rows if r.foi.pk in both),
        )
        changes.append(Change(before, after, lfl))

    breakdown, summaries = metric_breakdown(
        metric,
        basis,
        periods,
        dimensions,
        request_ids=counted_ids,
        forces=dict(breakdown_forces),
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
        dimensions=dimensions,
    )


# --- the one query over the campaign's requests and the metric's figures ------------------

# Separates "figure id:exemption" pairs in the text aggregate of refused figures' exemptions
# (an ASCII unit separator: exemption codes are short printable strings, see values.py).
_SEP = "\x1f"


class _JoinedText(Aggregate):
    """The values of a group joined by a separator (GROUP_CONCAT on SQLite, STRING_AGG on
    PostgreSQL), for the few refused figures' exemptions."""

    function = "GROUP_CONCAT"
    output_field = TextField()

    def __init__(self, expression, **extra):
        super().__init__(expression, Value(_SEP), **extra)

    def as_postgresql(self, compiler, connection, **extra_context):
        return super().as_sql(compiler, connection, function="STRING_AGG", **extra_context)


def _col(foi: FoiRequest, period_index: int, name: str):
    return getattr(foi, f"totals_p{period_index}_{name}")


@dataclass
class _Sums:
    figures: int  # cells of the force's headline for the period, of any kind
    total: int
    reported_cells: int
    upper_extra: int
    suppressed_cells: int


def _headline_sums(foi: FoiRequest, i: int, first_dim: Dimension | None) -> _Sums:
    """The sums of the figures that make the force's headline number (basis.headline_figures):
    its total figure, or, where it gave none, its breakdown by the first dimension added up."""
    part = "total" if first_dim is None or _col(foi, i, "total_figures") else "dim0"
    return _Sums(
        figures=_col(foi, i, f"{part}_figures"),
        total=_col(foi, i, f"{part}_reported_sum") or 0,
        reported_cells=_col(foi, i, f"{part}_reported"),
        upper_extra=_col(foi, i, f"{part}_suppressed_upper") or 0,
        suppressed_cells=_col(foi, i, f"{part}_suppressed"),
    )


def _kind_set(foi: FoiRequest, i: int) -> set[str]:
    return {
        kind
        for kind, name in (
            (Kind.REPORTED, "reporting"),
            (Kind.NOT_HELD, "not_held"),
            (Kind.REFUSED, "refused"),
            (Kind.NOT_PROVIDED, "not_provided"),
        )
        if _col(foi, i, name)
    }


def _refused_codes(joined: str | None) -> list[str]:
    """The exemptions of a force's refused figures for a period, in the order the figures were
    entered (by id: the aggregate's own order is not defined)."""
    if not joined:
        return []
    pairs = [item.split(":", 1) for item in joined.split(_SEP)]
    return [code for _, code in sorted(pairs, key=lambda pair: int(pair[0]))]


def read_force_periods(
    campaign: Campaign, metric: Metric, periods: list[Period], dimensions: list[Dimension]
) -> list[FoiRequest]:
    """The campaign's requests by force name, with their force and review, each carrying, per
    period (index i), every count and sum the totals need as attributes totals_p<i>_<name>:
    one GROUP BY request over the metric's figures joined once (conditional aggregation; the
    join is restricted to the metric in its ON clause, so other metrics' figures are never
    read). No EXISTS: whether a force gave a total is a count in the same row."""
    fig = "metric_figure"
    kind = f"{fig}__kind"
    reported, suppressed = Q(**{kind: Kind.REPORTED}), Q(**{kind: Kind.SUPPRESSED})
    aggregates = {"totals_any_figures": Count(f"{fig}__id")}
    for i, period in enumerate(periods):
        here = Q(**{f"{fig}__period_id": period.pk})
        parts = {"total": here & Q(**{f"{fig}__category_key": ""})}
        for j, dim in enumerate(dimensions):
            parts[f"dim{j}"] = here & Q(**{f"{fig}__category__dimension_id": dim.pk})
        cols = {
            "figures": Count(f"{fig}__id", filter=here),
            "reporting": Count(f"{fig}__id", filter=here & (reported | suppressed)),
            "not_held": Count(f"{fig}__id", filter=here & Q(**{kind: Kind.NOT_HELD})),
            "refused": Count(f"{fig}__id", filter=here & Q(**{kind: Kind.REFUSED})),
            "not_provided": Count(f"{fig}__id", filter=here & Q(**{kind: Kind.NOT_PROVIDED})),
            "refused_codes": _JoinedText(
                Concat(Cast(f"{fig}__id", CharField()), Value(":"), f"{fig}__exemption"),
                filter=here & Q(**{kind: Kind.REFUSED}) & ~Q(**{f"{fig}__exemption": ""}),
            ),
        }
        for name, where in parts.items():
            if name in ("total", "dim0"):
                cols |= {
                    f"{name}_figures": Count(f"{fig}__id", filter=where),
                    f"{name}_reported": Count(f"{fig}__id", filter=where & reported),
                    f"{name}_reported_sum": Sum(f"{fig}__value", filter=where & reported),
                    f"{name}_suppressed": Count(f"{fig}__id", filter=where & suppressed),
                    f"{name}_suppressed_upper": Sum(f"{fig}__upper", filter=where & suppressed),
                }
            if name != "total":
                cols[f"{name}_reporting"] = Count(
                    f"{fig}__id", filter=where & (reported | suppressed)
                )
        aggregates |= {f"totals_p{i}_{name}": agg for name, agg in cols.items()}
    return list(
        FoiRequest.objects.filter(campaign=campaign)
        .annotate(**{fig: FilteredRelation("figures", condition=Q(figures__metric=metric))})
        .select_related("force", "figure_review")
        .annotate(**aggregates)
        .order_by("force__name")
    )
