"""Reads for a request's figures and for review: the figures and their history, the review
queue, figures sent back, and warnings a reviewer should see (breakdowns that do not add up,
jumps between periods)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db.models import Count, Exists, Max, OuterRef, Q, QuerySet

from figures_app.categories import CategoryIndex
from figures_app.models import (
    REPORTING_KINDS,
    Figure,
    FigureChange,
    FigureReview,
    Kind,
    ReviewEvent,
    ReviewState,
)
from requests_app.models import FoiRequest, Period

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser


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


def review_queue() -> QuerySet[FigureReview]:
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


def sent_back() -> QuerySet[FigureReview]:
    return (
        FigureReview.objects.filter(state=ReviewState.SENT_BACK)
        .select_related("request__force", "request__campaign", "reviewed_by")
        .order_by("reviewed_at")
    )


def reviews_awaiting(user: AbstractBaseUser) -> QuerySet[FigureReview]:
    """Pending reviews this user may approve (not the ones they entered themselves)."""
    qs = review_queue()
    if not settings.FIGURES_ALLOW_SELF_APPROVAL:
        own = Figure.objects.filter(request=OuterRef("request")).filter(
            Q(entered_by=user) | Q(updated_by=user)
        )
        qs = qs.exclude(Exists(own))
    return qs


def request_warnings(
    figures: list[Figure], periods: list[Period], index: CategoryIndex
) -> list[str]:
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
