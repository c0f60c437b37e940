"""What a total counts: the basis (approved figures only, or all), the figures that make a
force's headline number, and the sums every total uses. Shared by the totals and the breakdown.
"""

from __future__ import annotations

from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce

from figures_app.models import REPORTING_KINDS, Kind, ReviewState

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


REPORTED = Q(kind=Kind.REPORTED)
SUPPRESSED = Q(kind=Kind.SUPPRESSED)
REPORTING = Q(kind__in=REPORTING_KINDS)


def sums() -> dict:
    return {
        "total": Coalesce(Sum("value", filter=REPORTED), 0),
        "upper_extra": Coalesce(Sum("upper", filter=SUPPRESSED), 0),
        "suppressed_cells": Count("pk", filter=SUPPRESSED),
    }
