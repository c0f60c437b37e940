"""The breakdown of a metric by its dimensions (e.g. victim age), per period, and what can be
said of it: the most common category, the lowest with any, how many were not recorded."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection
from django.db.models import Count

from figures_app.models import REPORTING_KINDS, Category, Dimension, Figure, Kind, Metric
from figures_app.selectors.basis import basis_filter, sums
from requests_app.models import Period

# The category's own fields, read with the sums (functionally dependent on category_id, so
# grouping by them adds no groups) instead of a second query over the metric's categories.
_CATEGORY_ATTRS = ("dimension_id", "value", "label", "numeric_value", "is_unknown", "position")
_CATEGORY_FIELDS = tuple(f"category__{name}" for name in _CATEGORY_ATTRS)


# Sums per period and category over the given requests' figures, grouped on the two ids alone
# (narrow rows to sort or hash), the category's fields joined to the few result rows after.
_BREAKDOWN_SQL = """
SELECT s.period_id, s.category_id, c.dimension_id, c.value, c.label, c.numeric_value,
       c.is_unknown, c.position, s.total, s.upper_extra, s.suppressed_cells
FROM (
    SELECT f.period_id, f.category_id,
           COALESCE(SUM(CASE WHEN f.kind = %s THEN f.value END), 0) AS total,
           COALESCE(SUM(CASE WHEN f.kind = %s THEN f.upper END), 0) AS upper_extra,
           SUM(CASE WHEN f.kind = %s THEN 1 ELSE 0 END) AS suppressed_cells
    FROM {figure} f
    WHERE f.metric_id = %s AND f.category_id IS NOT NULL AND f.request_id IN ({request_ids})
    GROUP BY f.period_id, f.category_id
) s
JOIN {category} c ON c.id = s.category_id
"""
_BREAKDOWN_COLUMNS = ("period_id", "category_id", *_CATEGORY_FIELDS, *sums())


def _breakdown_sums(metric: Metric, request_ids: list[int]) -> list[dict]:
    if not request_ids:
        return []
    sql = _BREAKDOWN_SQL.format(
        figure=Figure._meta.db_table,
        category=Category._meta.db_table,
        request_ids=", ".join(["%s"] * len(request_ids)),
    )
    params = [Kind.REPORTED.value, Kind.SUPPRESSED.value, Kind.SUPPRESSED.value, metric.pk]
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
            figures.values("period_id", "category_id", *_CATEGORY_FIELDS)
            .annotate(**sums())
            .order_by()
        )
    else:
        rows = _breakdown_sums(metric, request_ids)
    if forces is None:
        forces = _forces_giving(metric, basis, request_ids)
    breakdown = _breakdown_rows(rows, periods, dimensions)
    return breakdown, _summaries(breakdown, periods, dimensions, forces)


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


def _breakdown_rows(
    rows: Iterable[dict], periods: list[Period], dimensions: list[Dimension]
) -> list[BreakdownRow]:
    """The sums as rows, in the tables' order, each category built once from its fields."""
    dims = {d.pk: d for d in dimensions}
    period_by_id = {p.pk: p for p in periods}
    categories: dict[int, Category] = {}
    breakdown = []
    for r in rows:
        cat = categories.get(r["category_id"])
        if cat is None:
            cat = categories[r["category_id"]] = Category(
                pk=r["category_id"],
                **{name: r[f"category__{name}"] for name in _CATEGORY_ATTRS},
            )
            cat.dimension = dims[cat.dimension_id]
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
    return breakdown


def _summaries(
    breakdown: list[BreakdownRow],
    periods: list[Period],
    dimensions: list[Dimension],
    forces: dict[tuple[int, int], int],
) -> list[DimensionSummary]:
    summaries = []
    for dim in dimensions:
        for period in periods:
            rows_here = [
                b for b in breakdown if b.dimension.pk == dim.pk and b.period.pk == period.pk
            ]
            if rows_here:
                summaries.append(
                    _summary(dim, period, rows_here, forces.get((period.pk, dim.pk), 0))
                )
    return summaries


def _summary(
    dim: Dimension, period: Period, rows_here: list[BreakdownRow], forces: int
) -> DimensionSummary:
    """What can be said of one dimension's breakdown in one period: the most common category,
    the lowest with any (numeric categories only), and how many were not recorded."""
    known = [b for b in rows_here if not b.category.is_unknown]
    numeric = bool(known) and all(b.category.numeric_value is not None for b in known)
    top = max((b.total for b in known), default=0)
    modal = [b for b in known if b.total == top and top > 0]
    nonzero = [b for b in known if b.total > 0 or b.suppressed_cells]
    lowest = min(nonzero, key=lambda b: b.category.numeric_value) if numeric and nonzero else None
    return DimensionSummary(
        dimension=dim,
        period=period,
        numeric=numeric,
        modal=modal,
        lowest=lowest,
        recorded_total=sum(b.total for b in known),
        unknown_total=sum(b.total for b in rows_here if b.category.is_unknown),
        forces=forces,
    )
