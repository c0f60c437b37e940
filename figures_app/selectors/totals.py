"""Reads: national totals (computed in the database), a request's figures, the review queue.

Totals follow DOMAIN.md section 5, by the rule in figures_app/selectors/headline.py (a force's
headline figure, bounds for suppressed cells, raw and like-for-like change, per-day figures over
the real number of days); a total carries its coverage; nothing is rounded here (rounding is
presentation).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.db import connection

from figures_app.models import (
    Category,
    Dimension,
    Figure,
    FigureSource,
    Kind,
    Metric,
    ReviewState,
)
from figures_app.selectors.basis import APPROVED
from figures_app.selectors.breakdown import BreakdownRow, DimensionSummary, metric_breakdown
from figures_app.selectors.headline import (
    Change,
    LikeForLike,
    PeriodSum,
    change_pct,
    headline_cells,
    period_partial,
)
from figures_app.selectors.reasons import figure_review_of, missing_reason_of
from requests_app.models import Campaign, FoiRequest, Period


@dataclass
class PeriodTotal(PeriodSum):
    period: Period

    @property
    def days(self) -> int:
        return self.period.days


@dataclass
class ForceCell:
    value: int | None  # sum of reported values; None when nothing was reported
    suppressed_cells: int = 0
    upper: int | None = None
    # What it can be at least: the exact values plus each suppressed cell's lower bound (the
    # campaign's rule: 1 for "1-4", 0 for "0-4"), not the exact values alone.
    lower: int | None = None
    # Where the figure was read (issue 13): the file all its figures came from, and the cell
    # when it is one figure. The totals page links them to the file's view.
    attachment_id: int | None = None
    location: str = ""


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
    changes: list[Change[PeriodTotal]]
    forces: list[ForceRow]
    breakdown: list[BreakdownRow]
    summaries: list[DimensionSummary]
    pending_requests: int
    today: date
    entered: dict[int, Entered] = field(default_factory=dict)  # period id -> figures entered
    entered_any: Entered = field(default_factory=Entered)  # over all periods
    # The metric's dimensions as read for these totals (None: read them from the metric).
    dimensions: list[Dimension] | None = None
    # Requests with any figure of the metric loaded from what was published (issue 14), on any
    # basis: the totals page marks them.
    published_requests: set[int] = field(default_factory=set)

    @property
    def reported(self) -> bool:
        """Whether any force gave a figure (exact or suppressed) on this basis, in any period."""
        return any(t.forces_reporting for t in self.period_totals)

    def entered_in(self, period: Period) -> Entered:
        return self.entered.get(period.pk, Entered())

    def period_total(self, period: Period) -> PeriodTotal:
        return next(t for t in self.period_totals if t.period.pk == period.pk)


def metric_totals(*, metric: Metric, basis: str = APPROVED, today: date) -> Totals:
    """Everything the totals page, the JSON API, the exports and the headlines say about one
    metric.

    Five queries however many forces, figures or campaigns (three when the campaign's periods
    and the metric's dimensions are prefetched): the periods, the dimensions, the campaign's
    requests (with force and review), one GROUP BY over the metric's figures by request, period
    and kind of cell (read_figure_sums: conditional aggregation, no EXISTS, no join to the
    reviews: the basis is applied per request), and the breakdown's GROUP BY restricted to the
    requests that count (metric_breakdown). The period totals, like-for-like and coverage are
    added up from those per-force rows in Python: a few hundred numbers at most."""
    campaign = metric.campaign
    periods = list(campaign.periods.all())
    dimensions = list(metric.dimensions.all())
    requests = list(
        campaign.requests.select_related("force", "figure_review").order_by("force__name")
    )
    figure_sums = read_figure_sums(metric)
    reading = _ForcesReading(periods=periods, dimensions=dimensions, basis=basis, today=today)
    with_figures = {request_id for (request_id, _), here in figure_sums.items() if here.figures}
    nothing = _RequestPeriod()
    for foi in requests:
        by_period = {p.pk: figure_sums.get((foi.pk, p.pk), nothing) for p in periods}
        reading.add(foi, by_period, has_figures=foi.pk in with_figures)

    period_totals = _period_totals(periods, reading)
    breakdown, summaries = metric_breakdown(
        metric,
        basis,
        periods,
        dimensions,
        request_ids=reading.counted_ids,
        forces=dict(reading.breakdown_forces),
    )
    return Totals(
        campaign=campaign,
        metric=metric,
        basis=basis,
        periods=periods,
        forces_asked=len(requests),
        period_totals=period_totals,
        changes=_changes(period_totals, reading),
        forces=reading.rows,
        breakdown=breakdown,
        summaries=summaries,
        pending_requests=reading.pending,
        today=today,
        entered=dict(reading.entered),
        entered_any=reading.entered_any,
        dimensions=dimensions,
        published_requests={
            request_id
            for (request_id, _), here in figure_sums.items()
            if any(part.published for part in here.parts())
        },
    )


@dataclass
class _ForcesReading:
    """The forces' rows of metric_totals, read one request at a time, and what the totals are
    added up from: which forces report in each period, who gave each breakdown, what was
    entered by review state."""

    periods: list[Period]
    dimensions: list[Dimension]
    basis: str
    today: date
    rows: list[ForceRow] = field(default_factory=list)
    entered: dict[int, Entered] = field(default_factory=lambda: defaultdict(Entered))
    entered_any: Entered = field(default_factory=Entered)
    reporting: dict[int, set[int]] = field(default_factory=lambda: defaultdict(set))
    breakdown_forces: dict[tuple[int, int], int] = field(default_factory=lambda: defaultdict(int))
    counted_ids: list[int] = field(default_factory=list)  # requests that count on this basis
    pending: int = 0

    def add(self, foi: FoiRequest, by_period: dict[int, _RequestPeriod], *, has_figures: bool):
        state = getattr(figure_review_of(foi), "state", ReviewState.PENDING)
        counts = self.basis != APPROVED or state == ReviewState.APPROVED
        if counts:
            self.counted_ids.append(foi.pk)
        if has_figures and state != ReviewState.APPROVED:
            self.pending += 1
        row = ForceRow(foi=foi, cells={})
        in_any = 0
        for period in self.periods:
            here = by_period[period.pk]
            if counts:
                self._count(row, period, here)
            if here.figures:
                self.entered[period.pk].add(state, here.figures)
                in_any += here.figures
        if in_any:
            self.entered_any.add(state, in_any)
        if len(self.periods) >= 2:
            row.change_pct = change_pct(row.value(self.periods[-2]), row.value(self.periods[-1]))
        for period in self.periods:
            if foi.pk not in self.reporting[period.pk]:
                here = by_period[period.pk]
                row.reasons[period.pk] = missing_reason_of(
                    foi, here.kind_set(), here.refused_codes(), has_figures, self.basis, self.today
                )
        self.rows.append(row)

    def _count(self, row: ForceRow, period: Period, here: _RequestPeriod) -> None:
        """A counted force's headline cell for the period, and the breakdowns it gave."""
        first_dim = self.dimensions[0] if self.dimensions else None
        headline = here.headline(first_dim)
        if headline is not None:
            row.cells[period.pk] = ForceCell(
                value=headline.total if headline.reported_cells else None,
                suppressed_cells=headline.suppressed_cells,
                upper=headline.total + headline.upper_extra,
                lower=headline.total + headline.lower_extra,
                attachment_id=headline.attachment_id,
                location=headline.location if headline.figures == 1 else "",
            )
            if headline.reporting:
                self.reporting[period.pk].add(row.foi.pk)
        for dim in self.dimensions:
            if dim.pk in here.dims and here.dims[dim.pk].reporting:
                self.breakdown_forces[(period.pk, dim.pk)] += 1


def _period_totals(periods: list[Period], reading: _ForcesReading) -> list[PeriodTotal]:
    period_totals = []
    for period in periods:
        cells = [r.cells[period.pk] for r in reading.rows if period.pk in r.cells]
        partial = period_partial(end=period.end, today=reading.today)
        period_totals.append(
            PeriodTotal(
                period=period,
                total=sum(c.value or 0 for c in cells),
                total_lower=sum(c.lower for c in cells),
                total_upper=sum(c.upper for c in cells),
                suppressed_cells=sum(c.suppressed_cells for c in cells),
                forces_reporting=len(reading.reporting[period.pk]),
                partial=partial,
            )
        )
    return period_totals


def _changes(
    period_totals: list[PeriodTotal], reading: _ForcesReading
) -> list[Change[PeriodTotal]]:
    """Consecutive pairs: raw change, and like-for-like over the forces reporting in both."""
    changes = []
    for before, after in zip(period_totals, period_totals[1:], strict=False):
        both = reading.reporting[before.period.pk] & reading.reporting[after.period.pk]
        lfl = LikeForLike(
            forces=len(both),
            from_total=sum(r.value(before.period) or 0 for r in reading.rows if r.foi.pk in both),
            to_total=sum(r.value(after.period) or 0 for r in reading.rows if r.foi.pk in both),
        )
        changes.append(Change(before, after, lfl))
    return changes


# --- reading the figures: one GROUP BY over the metric's figures ---------------------------

# Separates "figure id:exemption" pairs in the text aggregate of refused figures' exemptions
# (an ASCII unit separator: exemption codes are short printable strings, see values.py).
_SEP = "\x1f"

# One row per request, period and kind of cell: the total (category_key ''), a one-way
# breakdown cell of dimension D (dimension_id D), or a cell of a combination (neither). Plain
# SQL that SQLite and PostgreSQL both run: the ORM's conditional aggregates cost more to build
# than this costs to run. Only the metric's own categories are joined (a few dozen rows).
_FIGURE_SUMS_SQL = """
SELECT f.request_id, f.period_id, c.dimension_id,
       CASE WHEN f.category_key = '' THEN 1 ELSE 0 END AS is_total,
       COUNT(*),
       SUM(CASE WHEN f.kind = %(reported)s THEN 1 ELSE 0 END),
       SUM(CASE WHEN f.kind = %(reported)s THEN f.value END),
       SUM(CASE WHEN f.kind = %(suppressed)s THEN 1 ELSE 0 END),
       SUM(CASE WHEN f.kind = %(suppressed)s THEN f.upper END),
       SUM(CASE WHEN f.kind = %(suppressed)s THEN f.lower END),
       SUM(CASE WHEN f.kind = %(not_held)s THEN 1 ELSE 0 END),
       SUM(CASE WHEN f.kind = %(refused)s THEN 1 ELSE 0 END),
       SUM(CASE WHEN f.kind = %(not_provided)s THEN 1 ELSE 0 END),
       SUM(CASE WHEN f.source = %(published)s THEN 1 ELSE 0 END),
       MIN(f.attachment_id), MAX(f.attachment_id), MAX(f.location),
       {joined}(CASE WHEN f.kind = %(refused)s AND f.exemption <> ''
                THEN CAST(f.id AS TEXT) || ':' || f.exemption END, %(sep)s)
FROM {figure} f
LEFT JOIN (
    SELECT c.id, c.dimension_id FROM {category} c JOIN {dimension} d ON d.id = c.dimension_id
    WHERE d.metric_id = %(metric)s
) c ON c.id = f.category_id
WHERE f.metric_id = %(metric)s
GROUP BY f.request_id, f.period_id, c.dimension_id, CASE WHEN f.category_key = '' THEN 1 ELSE 0 END
"""


@dataclass
class _Sums:
    """The figures of one request and period in one kind of cell (see _FIGURE_SUMS_SQL)."""

    figures: int = 0
    reported_cells: int = 0
    total: int = 0  # sum of reported values
    suppressed_cells: int = 0
    upper_extra: int = 0  # sum of suppressed cells' upper bounds
    # Sum of their lower bounds: each figure's own, as the campaign's rule set it (never 0 for
    # a '*' the campaign says is at least 1).
    lower_extra: int = 0
    not_held: int = 0
    refused: int = 0
    not_provided: int = 0
    published: int = 0  # figures loaded from what was published (Figure.source)
    first_attachment: int = 0  # the smallest and largest attachment id the figures name
    last_attachment: int = 0
    location: str = ""  # the largest location (the location, when there is one figure)
    refused_codes: str = ""

    @property
    def attachment_id(self) -> int | None:
        """The file every figure here came from, if they name one and the same."""
        if self.first_attachment and self.first_attachment == self.last_attachment:
            return self.first_attachment
        return None

    @property
    def reporting(self) -> bool:
        return bool(self.reported_cells or self.suppressed_cells)


@dataclass
class _RequestPeriod:
    """Everything metric_totals needs of one request's figures for one period."""

    total: _Sums | None = None  # the total cell
    dims: dict[int, _Sums] = field(default_factory=dict)  # dimension id -> one-way cells
    other: list[_Sums] = field(default_factory=list)  # cells of combinations

    def parts(self) -> list[_Sums]:
        return [s for s in (self.total, *self.dims.values(), *self.other) if s is not None]

    @property
    def figures(self) -> int:
        return sum(s.figures for s in self.parts())

    def kind_set(self) -> set[str]:
        parts = self.parts()
        kinds = set()
        if any(s.reporting for s in parts):
            kinds.add(Kind.REPORTED)  # stands for both reporting kinds (REPORTING_KINDS)
        for kind, name in (
            (Kind.NOT_HELD, "not_held"),
            (Kind.REFUSED, "refused"),
            (Kind.NOT_PROVIDED, "not_provided"),
        ):
            if any(getattr(s, name) for s in parts):
                kinds.add(kind)
        return kinds

    def refused_codes(self) -> list[str]:
        """The exemptions of the refused figures, in the order they were entered (by id: the
        aggregate's own order is not defined)."""
        pairs = [
            item.split(":", 1)
            for s in self.parts()
            if s.refused_codes
            for item in s.refused_codes.split(_SEP)
        ]
        return [code for _, code in sorted(pairs, key=lambda pair: int(pair[0]))]

    def headline(self, first_dim: Dimension | None) -> _Sums | None:
        """The sums of the figures that make the force's headline number (headline_cells)."""
        return headline_cells(self.total, self.dims.get(first_dim.pk) if first_dim else None)


def read_figure_sums(metric: Metric) -> dict[tuple[int, int], _RequestPeriod]:
    """(request id, period id) -> the sums of the metric's figures there. One query."""
    sql = _FIGURE_SUMS_SQL.format(
        joined="STRING_AGG" if connection.vendor == "postgresql" else "GROUP_CONCAT",
        figure=Figure._meta.db_table,
        category=Category._meta.db_table,
        dimension=Dimension._meta.db_table,
    )
    params = {
        "metric": metric.pk,
        "sep": _SEP,
        "published": FigureSource.PUBLISHED.value,
        **{kind: kind.value for kind in Kind},
    }
    out: dict[tuple[int, int], _RequestPeriod] = defaultdict(_RequestPeriod)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for request_id, period_id, dim_id, is_total, *values in cursor.fetchall():
            *numbers, location, codes = values
            sums = _Sums(
                *(v or 0 for v in numbers), location=location or "", refused_codes=codes or ""
            )
            here = out[(request_id, period_id)]
            if is_total:
                here.total = sums
            elif dim_id is not None:
                here.dims[dim_id] = sums
            else:
                here.other.append(sums)
    return out
