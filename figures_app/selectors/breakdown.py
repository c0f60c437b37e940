"""The breakdown of a metric by its dimensions (e.g. victim age), per period, and what can be
said of it: the most common category, the lowest with any, how many were not recorded."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count

from figures_app.models import REPORTING_KINDS, Category, Dimension, Figure, Metric
from figures_app.selectors.basis import basis_filter, sums
from requests_app.models import Period


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
    metric: Metric, basis: str, periods: list[Period], dimensions: list[Dimension]
) -> tuple[list[BreakdownRow], list[DimensionSummary]]:
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
        .annotate(**sums())
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
