"""What a total counts: the basis (approved figures only, or all), and the sums the breakdown
uses (the headline-figure rule is selectors/headline.py's).
"""

from __future__ import annotations

from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce

from figures_app.models import Kind, ReviewState

APPROVED = "approved"
ALL = "all"
BASES = (APPROVED, ALL)


def basis_filter(basis: str) -> Q:
    if basis == APPROVED:
        return Q(request__figure_review__state=ReviewState.APPROVED)
    return Q()


REPORTED = Q(kind=Kind.REPORTED)
SUPPRESSED = Q(kind=Kind.SUPPRESSED)


def sums() -> dict:
    return {
        "total": Coalesce(Sum("value", filter=REPORTED), 0),
        "upper_extra": Coalesce(Sum("upper", filter=SUPPRESSED), 0),
        "lower_extra": Coalesce(Sum("lower", filter=SUPPRESSED), 0),
        "suppressed_cells": Count("pk", filter=SUPPRESSED),
    }


def basis_words(basis: str) -> str:
    """Which figures a table or export holds, in words for its file name, sheet or column."""
    return "approved only" if basis == APPROVED else "all, including not yet approved"
