"""A campaign's metrics: the list, and a form (staff) to add or change one."""

from __future__ import annotations

import json

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from figures_app.forms import MetricForm
from figures_app.services.metrics import MetricSpec, metric_save
from requests_app import roles
from requests_app.access import get_campaign_for_user, view_required

EXAMPLE = json.dumps(
    {
        "metrics": [
            {
                "slug": "online-child-sex-offences",
                "label": "Online-flagged child sex offences",
                "unit": "offences",
                "dimensions": ["victim_age"],
            }
        ]
    },
    indent=2,
)


@view_required
def metrics(request: HttpRequest, slug: str) -> HttpResponse:
    campaign = get_campaign_for_user(request, slug)
    form = None
    if roles.can_edit(request.user):
        form = MetricForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            metric_save(
                campaign=campaign,
                spec=MetricSpec(
                    data["slug"], data["label"], data["unit"], data["notes"], data["dimensions"]
                ),
            )
            messages.success(request, f"Metric '{data['slug']}' saved.")
            return redirect("figures_metrics", slug=campaign.slug)
    elif request.method == "POST":
        roles.require_edit(request.user)
    return render(
        request,
        "figures_app/metrics.html",
        {
            "campaign": campaign,
            "form": form,
            "metrics": campaign.metrics.prefetch_related("dimensions__categories"),
            "example": EXAMPLE,
        },
        status=400 if form is not None and form.errors else 200,
    )
