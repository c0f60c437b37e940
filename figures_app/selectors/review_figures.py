"""A page of requests' figures as a reviewer sees them, and the warnings to check before
approving them: what the review queue shows and the approve services check again.

The figures are read as plain rows (FigureRow), only the columns the queue shows or the
warnings compare, not as Figure model objects: a queue page at scale 100 holds some 1,400
figures, and building a model object for each (with its deferred fields and four related
objects cached on it) was most of the page's time. The few dozen metrics, periods, categories
and files the rows share are read once each and set on every row that names them."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db.models import Max, Q

from figures_app.models import (
    REPORTING_KINDS,
    Category,
    Dimension,
    Figure,
    FigureChange,
    Kind,
    Metric,
)
from requests_app.models import Period, RequestAttachment

if TYPE_CHECKING:
    from figures_app.categories import CategoryIndex

FIGURE_ORDER = (
    "metric__position",
    "metric_id",
    "period__position",
    "period__start",
    "category_key",
)
# The columns a FigureRow holds, in its fields' order.
ROW_COLUMNS = (
    "request_id",
    "metric_id",
    "period_id",
    "category_id",
    "category_key",
    "kind",
    "value",
    "lower",
    "upper",
    "raw_text",
    "exemption",
    "note",
    "attachment_id",
    "location",
    "source",
)


@dataclass(slots=True)
class FigureRow:
    """One figure as the review queue shows it and the warnings compare it: the attributes of
    a Figure those read, under the same names, with its metric, period, category (its
    dimension read with it) and file shared between rows."""

    request_id: int
    metric_id: int
    period_id: int
    category_id: int | None
    category_key: str
    kind: str
    value: int | None
    lower: int | None
    upper: int | None
    raw_text: str
    exemption: str
    note: str
    attachment_id: int | None
    location: str
    source: str
    metric: Metric | None = None
    period: Period | None = None
    category: Category | None = None
    attachment: RequestAttachment | None = None


@dataclass
class RequestFigures:
    """One request's figures, the warnings a reviewer must check before approving them, and
    the version the reviewer saw (see selectors.review.ReviewStanding.version)."""

    figures: list[FigureRow] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    version: int = 0


def _read_rows(ids: list[int]) -> tuple[list[FigureRow], list[Period], list[Dimension]]:
    """The figures of requests `ids` in the queue's order, each with what it shares set (four
    queries, one per shared table, after the figures). Returns the rows, the periods read:
    every period of the figures' campaigns in order (the warnings compare them) and any other
    a figure names, and the dimensions of the figures' categories."""
    raw = list(
        Figure.objects.filter(request_id__in=ids)
        .order_by("request_id", *FIGURE_ORDER)
        .values_list(*ROW_COLUMNS)
    )
    if not raw:
        return [], [], []
    metrics = Metric.objects.in_bulk({r[1] for r in raw})
    campaign_ids = {m.campaign_id for m in metrics.values()}
    periods = list(
        Period.objects.filter(
            Q(campaign_id__in=campaign_ids) | Q(pk__in={r[2] for r in raw})
        ).order_by("campaign", "position", "start")
    )
    period_of = {p.pk: p for p in periods}
    category_ids = {r[3] for r in raw} - {None}
    categories = (
        Category.objects.select_related("dimension").in_bulk(category_ids) if category_ids else {}
    )
    attachment_ids = {r[12] for r in raw} - {None}
    attachments = (
        RequestAttachment.objects.only("original_name").in_bulk(attachment_ids)
        if attachment_ids
        else {}
    )
    rows = [
        FigureRow(
            *r,
            metric=metrics[r[1]],
            period=period_of[r[2]],
            category=categories.get(r[3]),
            attachment=attachments.get(r[12]),
        )
        for r in raw
    ]
    # From the few categories, not the rows: hashing a model object per row cost more than
    # building the rows.
    dimensions = list({c.dimension_id: c.dimension for c in categories.values()}.values())
    return rows, periods, dimensions


def figures_and_warnings(
    request_ids: Iterable[int], *, versions: Mapping[int, int] | None = None
) -> dict[int, RequestFigures]:
    """Each request's figures, warnings and version (requests without figures are left out).
    At most six queries however many requests and figures: the figures, then what they share
    (metrics, periods, categories with their dimensions, files), then the latest changes,
    unless the caller has read the `versions` already (the review queue, with its page of
    reviews). The review queue shows this; the approve services check it."""
    ids = sorted(set(request_ids))
    if not ids:
        return {}
    rows, periods_read, found = _read_rows(ids)
    if not rows:
        return {}
    out: dict[int, RequestFigures] = {}
    for row in rows:
        out.setdefault(row.request_id, RequestFigures()).figures.append(row)
    periods: dict[int, list[Period]] = defaultdict(list)
    for period in periods_read:
        periods[period.campaign_id].append(period)
    # A dimension none of the figures falls in yields no warning, so the dimensions the
    # figures' categories name are all the warnings need, in the metric's order.
    dimensions: dict[int, list[Dimension]] = defaultdict(list)
    for dim in sorted(found, key=lambda d: (d.metric_id, d.position, d.pk)):
        dimensions[dim.metric_id].append(dim)
    if versions is None:
        versions = {
            row["request_id"]: row["last"]
            for row in FigureChange.objects.filter(request_id__in=ids)
            .order_by()
            .values("request_id")
            .annotate(last=Max("pk"))
        }
    for request_id, version in versions.items():
        if request_id in out and version:
            out[request_id].version = version
    for rf in out.values():
        rf.warnings = figure_warnings(
            rf.figures, periods[rf.figures[0].metric.campaign_id], dimensions
        )
    return out


def request_warnings(
    figures: list[Figure], periods: list[Period], index: CategoryIndex
) -> list[str]:
    """Warnings, not errors: a breakdown that does not add up to its total, and a value more
    than 5x or less than 1/5 of the same force's previous period."""
    return figure_warnings(figures, periods, index.dimensions)


def figure_warnings(
    figures: Sequence[Figure | FigureRow],
    periods: Sequence[Period],
    dimensions: Mapping[int, Sequence[Dimension]],
) -> list[str]:
    warnings = []
    by_cell = {(f.metric_id, f.period_id, f.category_key): f for f in figures}
    metrics = {f.metric_id: f.metric for f in figures}
    # The one-way breakdowns' figures by (metric, period, dimension), gathered in one pass.
    breakdowns: dict[tuple[int, int, int], list[Figure]] = defaultdict(list)
    for f in figures:
        if f.category_id:
            breakdowns[f.metric_id, f.period_id, f.category.dimension_id].append(f)
    for (metric_id, period_id, key), total in by_cell.items():
        if key != "" or total.kind != Kind.REPORTED:
            continue
        for dim in dimensions.get(metric_id, []):
            parts = breakdowns.get((metric_id, period_id, dim.pk), [])
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
