"""The breakdown of a metric by its dimensions (e.g. victim age), per period, and what can be
said of it: the most common category, the lowest with any, how many were not recorded.

A dimension with bands (Dimension.bands) is reported in them, by the rule in
selectors/bands.py; without bands its categories are reported as given."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection
from django.db.models import Count, Q

from figures_app.models import REPORTING_KINDS, Category, Dimension, Figure, Kind, Metric
from figures_app.selectors.bands import (
    CellSums,
    band_category,
    count_in_bands,
    dimension_bands,
    is_range,
)
from figures_app.selectors.basis import basis_filter, sums
from requests_app.models import Period

# The category's own fields, read with the sums (functionally dependent on category_id, so
# grouping by them adds no groups) instead of a second query over the metric's categories.
_CATEGORY_ATTRS = (
    "dimension_id",
    "value",
    "label",
    "numeric_value",
    "is_unknown",
    "position",
    "low",
    "high",
)
_CATEGORY_FIELDS = tuple(f"category__{name}" for name in _CATEGORY_ATTRS)


# Sums per period, request and category over the given requests' figures, grouped on the ids
# alone (narrow rows to sort or hash), the category's fields joined to the result rows after.
# Per request, so that a band can say how many forces' answers fitted inside it.
_BREAKDOWN_SQL = """
SELECT s.period_id, s.request_id, s.category_id, c.dimension_id, c.value, c.label,
       c.numeric_value, c.is_unknown, c.position, c.low, c.high,
       s.total, s.upper_extra, s.lower_extra, s.suppressed_cells, s.reporting_cells
FROM (
    SELECT f.period_id, f.request_id, f.category_id,
           COALESCE(SUM(CASE WHEN f.kind = %s THEN f.value END), 0) AS total,
           COALESCE(SUM(CASE WHEN f.kind = %s THEN f.upper END), 0) AS upper_extra,
           COALESCE(SUM(CASE WHEN f.kind = %s THEN f.lower END), 0) AS lower_extra,
           SUM(CASE WHEN f.kind = %s THEN 1 ELSE 0 END) AS suppressed_cells,
           SUM(CASE WHEN f.kind IN (%s, %s) THEN 1 ELSE 0 END) AS reporting_cells
    FROM {figure} f
    WHERE f.metric_id = %s AND f.category_id IS NOT NULL AND f.request_id IN ({request_ids})
    GROUP BY f.period_id, f.request_id, f.category_id
) s
JOIN {category} c ON c.id = s.category_id
"""
_SUMS = ("total", "upper_extra", "lower_extra", "suppressed_cells", "reporting_cells")
_BREAKDOWN_COLUMNS = ("period_id", "request_id", "category_id", *_CATEGORY_FIELDS, *_SUMS)


def _breakdown_sums(metric: Metric, request_ids: list[int]) -> list[dict]:
    if not request_ids:
        return []
    sql = _BREAKDOWN_SQL.format(
        figure=Figure._meta.db_table,
        category=Category._meta.db_table,
        request_ids=", ".join(["%s"] * len(request_ids)),
    )
    reported, suppressed = Kind.REPORTED.value, Kind.SUPPRESSED.value
    params = [reported, suppressed, suppressed, suppressed, reported, suppressed, metric.pk]
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *request_ids])
        rows = [dict(zip(_BREAKDOWN_COLUMNS, row, strict=True)) for row in cursor.fetchall()]
    for row in rows:  # SQLite gives booleans as 0 / 1
        row["category__is_unknown"] = bool(row["category__is_unknown"])
    return rows


@dataclass
class BreakdownRow:
    period: Period
    dimension: Dimension
    category: Category  # for a band, an unsaved Category named by the band's label
    total: int  # exact cells only
    total_upper: int
    suppressed_cells: int
    forces: int = 0  # forces that gave a figure here
    forces_exact: int = 0  # of them, those whose answer fitted inside (all, without bands)
    # The lower bound: exact cells plus each suppressed cell's own lower bound (the campaign's
    # rule), so a '*' reads "1–4" here as on the request page (figures_app/bound_words.py).
    total_lower: int = 0

    @property
    def exact(self) -> bool:
        return self.total == self.total_upper


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
    # Forces whose answer was in single values throughout (the most common and the lowest are
    # read from theirs alone), and forces that answered in ranges.
    single_forces: int = 0
    ranged_forces: int = 0


def metric_breakdown(
    metric: Metric,
    basis: str,
    periods: list[Period],
    dimensions: list[Dimension],
    *,
    request_ids: list[int] | None = None,
    forces: dict[tuple[int, int], int] | None = None,
) -> tuple[list[BreakdownRow], list[DimensionSummary]]:
    """The breakdown rows and what can be said of them.

    metric_totals passes what it has already read: `request_ids`, the requests whose figures
    count on this basis (so the sums need no join to the reviews), and `forces`, the number of
    forces that gave each (period id, dimension id) breakdown. Then this is one GROUP BY over
    the metric's own breakdown figures, reading each category's fields in the same pass; called
    without them it works them out (two more queries)."""
    if not dimensions:
        return [], []
    if request_ids is None:
        figures = Figure.objects.filter(metric=metric, category__isnull=False)
        figures = figures.filter(basis_filter(basis))
        rows = (
            figures.values("period_id", "request_id", "category_id", *_CATEGORY_FIELDS)
            .annotate(**sums(), reporting_cells=Count("pk", filter=Q(kind__in=REPORTING_KINDS)))
            .order_by()
        )
    else:
        rows = _breakdown_sums(metric, request_ids)
    if forces is None:
        forces = _forces_giving(metric, basis, request_ids)
    cells = _cells(rows, periods, dimensions)
    breakdown = _breakdown_rows(cells, periods, dimensions)
    return breakdown, _summaries(cells, periods, dimensions, forces)


def _forces_giving(
    metric: Metric, basis: str, request_ids: list[int] | None
) -> dict[tuple[int, int], int]:
    """(period id, dimension id) -> the number of forces that gave the breakdown: a not-held or
    refused cell is not a figure."""
    figures = Figure.objects.filter(metric=metric, category__isnull=False)
    if request_ids is not None:
        figures = figures.filter(request_id__in=request_ids)
    else:
        figures = figures.filter(basis_filter(basis))
    return {
        (r["period_id"], r["category__dimension_id"]): r["n"]
        for r in figures.filter(kind__in=REPORTING_KINDS)
        .values("period_id", "category__dimension_id")
        .annotate(n=Count("request", distinct=True))
        .order_by()
    }


Cells = dict[tuple[int, int], list[tuple[Category, CellSums]]]


def _cells(rows: Iterable[dict], periods: list[Period], dimensions: list[Dimension]) -> Cells:
    """(period id, dimension id) -> each request's sums per category, each category built once
    from its fields."""
    dims = {d.pk: d for d in dimensions}
    categories: dict[int, Category] = {}
    out: Cells = defaultdict(list)
    for r in rows:
        cat = categories.get(r["category_id"])
        if cat is None:
            cat = categories[r["category_id"]] = Category(
                pk=r["category_id"],
                **{name: r[f"category__{name}"] for name in _CATEGORY_ATTRS},
            )
            cat.dimension = dims[cat.dimension_id]
        cell = CellSums(
            request_id=r["request_id"],
            total=r["total"] or 0,
            upper_extra=r["upper_extra"] or 0,
            lower_extra=r["lower_extra"] or 0,
            suppressed_cells=r["suppressed_cells"] or 0,
            reporting=bool(r["reporting_cells"]),
        )
        out[(r["period_id"], cat.dimension_id)].append((cat, cell))
    return out


def _category_key(category: Category) -> tuple:
    numeric = category.numeric_value if category.numeric_value is not None else category.low
    return (category.position, numeric if numeric is not None else -1, category.value)


def _by_category(
    cells: Iterable[tuple[Category, CellSums]], period: Period, dim: Dimension
) -> list[BreakdownRow]:
    """The cells added up per category, in the category order."""
    rows: dict[int, BreakdownRow] = {}
    givers: dict[int, set[int]] = defaultdict(set)
    for cat, cell in cells:
        row = rows.get(cat.pk)
        if row is None:
            row = rows[cat.pk] = BreakdownRow(period, dim, cat, 0, 0, 0)
        row.total += cell.total
        row.total_lower += cell.total + cell.lower_extra
        row.total_upper += cell.total + cell.upper_extra
        row.suppressed_cells += cell.suppressed_cells
        if cell.reporting:
            givers[cat.pk].add(cell.request_id)
    for pk, row in rows.items():
        row.forces = row.forces_exact = len(givers[pk])
    return sorted(rows.values(), key=lambda b: _category_key(b.category))


def _in_bands(
    cells: list[tuple[Category, CellSums]], period: Period, dim: Dimension
) -> list[BreakdownRow]:
    """A banded dimension's rows: each band any cell touched, then what no band takes."""
    bands = dimension_bands(dim)
    counts, left = count_in_bands(cells, bands, dim.maximum)
    rows = [
        BreakdownRow(
            period=period,
            dimension=dim,
            category=band_category(dim, band, i),
            total=count.lower,
            total_lower=count.floor,
            total_upper=count.upper,
            suppressed_cells=count.suppressed_cells,
            forces=len(count.forces),
            forces_exact=count.forces_exact,
        )
        for i, (band, count) in enumerate(zip(bands, counts, strict=True))
        if count.forces is not None
    ]
    return rows + _by_category(left, period, dim)


def _breakdown_rows(
    cells: Cells, periods: list[Period], dimensions: list[Dimension]
) -> list[BreakdownRow]:
    """The rows in the tables' order: by dimension, period, then category (or band)."""
    breakdown = []
    ordered_dims = sorted(dimensions, key=lambda d: (d.position, d.pk))
    ordered_periods = sorted(periods, key=lambda p: (p.position, p.start))
    for dim in ordered_dims:
        banded = bool(dimension_bands(dim))
        for period in ordered_periods:
            here = cells.get((period.pk, dim.pk), [])
            if here:
                rows = _in_bands(here, period, dim) if banded else _by_category(here, period, dim)
                breakdown.extend(rows)
    return breakdown


def _summaries(
    cells: Cells,
    periods: list[Period],
    dimensions: list[Dimension],
    forces: dict[tuple[int, int], int],
) -> list[DimensionSummary]:
    summaries = []
    for dim in dimensions:
        for period in periods:
            here = cells.get((period.pk, dim.pk), [])
            if here:
                summaries.append(_summary(dim, period, here, forces.get((period.pk, dim.pk), 0)))
    return summaries


def _single_forces(known: list[tuple[Category, CellSums]]) -> tuple[set[int], set[int]]:
    """The forces that gave figures in single values (or words) only, and those that gave a
    range."""
    giving = {cell.request_id for _, cell in known if cell.reporting}
    ranged = {cell.request_id for cat, cell in known if cell.reporting and is_range(cat)}
    return giving - ranged, ranged


def _modal_and_lowest(
    rows: list[BreakdownRow], *, numeric: bool
) -> tuple[list[BreakdownRow], BreakdownRow | None]:
    """The most common categories (ties all given), and the lowest with any (single values)."""
    top = max((b.total for b in rows), default=0)
    modal = [b for b in rows if b.total == top and top > 0]
    nonzero = [b for b in rows if b.total > 0 or b.suppressed_cells]
    if numeric and nonzero and all(b.category.numeric_value is not None for b in nonzero):
        return modal, min(nonzero, key=lambda b: b.category.numeric_value)
    return modal, None


def _summary(
    dim: Dimension, period: Period, here: list[tuple[Category, CellSums]], forces: int
) -> DimensionSummary:
    """What can be said of one dimension's breakdown in one period: the most common category,
    the lowest with any (numeric categories only), and how many were not recorded. The most
    common and the lowest are read from the forces that answered in single values alone: a
    range ("0-10") says nothing of which age in it was the most common, or the youngest."""
    known = [(cat, cell) for cat, cell in here if not cat.is_unknown]
    single, ranged = _single_forces(known)
    numeric = bool(known) and all(
        cat.numeric_value is not None or cat.low is not None for cat, _ in known
    )
    singles = _by_category(
        [(cat, cell) for cat, cell in known if cell.request_id in single and not is_range(cat)],
        period,
        dim,
    )
    if not ranged:  # every force in single values: as before, the not-held ones included
        singles = _by_category(known, period, dim)
    modal, lowest = _modal_and_lowest(singles, numeric=numeric)
    return DimensionSummary(
        dimension=dim,
        period=period,
        numeric=numeric,
        modal=modal,
        lowest=lowest,
        recorded_total=sum(cell.total for _, cell in known),
        unknown_total=sum(cell.total for cat, cell in here if cat.is_unknown),
        forces=forces,
        single_forces=len(single),
        ranged_forces=len(ranged),
    )
