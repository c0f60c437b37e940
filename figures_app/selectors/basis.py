"""What a total counts: the basis (approved figures only, or all), the figures that make a
force's headline number, and the sums every total uses. Shared by the totals and the breakdown.
"""

from __future__ import annotations

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import Coalesce

from figures_app.models import REPORTING_KINDS, Dimension, Figure, Kind, Metric, ReviewState

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


REPORTED = Q(kind=Kind.REPORTED)
SUPPRESSED = Q(kind=Kind.SUPPRESSED)
REPORTING = Q(kind__in=REPORTING_KINDS)


def sums() -> dict:
    return {
        "total": Coalesce(Sum("value", filter=REPORTED), 0),
        "upper_extra": Coalesce(Sum("upper", filter=SUPPRESSED), 0),
        "suppressed_cells": Count("pk", filter=SUPPRESSED),
    }
