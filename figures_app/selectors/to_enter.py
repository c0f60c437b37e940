"""Answered requests whose figures nobody has entered yet: the force said something (in full or
in part) on a campaign that asks for figures, and the request has none."""

from __future__ import annotations

from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import Exists, OuterRef, Q, QuerySet

from figures_app.models import Metric
from requests_app.models import Campaign, FoiRequest
from requests_app.workflow import ANSWERED_STATES, Outcome


def figures_to_enter(user: AbstractBaseUser | None = None) -> QuerySet[FoiRequest]:
    """On the campaigns `user` owns (every campaign when they own none, as the dashboard does),
    longest waiting first."""
    requests = FoiRequest.objects.filter(
        status__in=ANSWERED_STATES,
        outcome__in=[Outcome.FULL, Outcome.PART],
        campaign__in=Campaign.objects.filter(
            Exists(Metric.objects.filter(campaign=OuterRef("pk")))
        ),
        has_figures=False,
    )
    if user is not None:
        # Their own campaigns' when they own any: decided in the same query, not one more.
        owns_none = ~Exists(Campaign.objects.filter(owner=user))
        requests = requests.filter(Q(campaign__owner=user) | owns_none)
    return requests.select_related("force", "campaign").order_by("answered_on", "pk")
