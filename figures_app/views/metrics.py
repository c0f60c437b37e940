"""A campaign's metrics, read only: they are set in the campaign form ("Figures asked for")."""

from __future__ import annotations

from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from requests_app.access import get_campaign_for_user, view_required


@view_required
def metrics(request: HttpRequest, slug: str) -> HttpResponse:
    campaign = get_campaign_for_user(request, slug)
    return render(
        request,
        "figures_app/metrics.html",
        {
            "campaign": campaign,
            "metrics": campaign.metrics.annotate(n_figures=Count("figures")).prefetch_related(
                "dimensions__categories"
            ),
        },
    )
