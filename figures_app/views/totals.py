"""Totals of a campaign's metric: the page, the JSON API and the CSV, all from one Totals turned
into output by figures_app/totals_output.py (API, files) and views/totals_presentation.py (the
page)."""

from __future__ import annotations

import json

from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from figures_app.models import Metric
from figures_app.selectors.basis import APPROVED, BASES
from figures_app.selectors.totals_cache import cached_metric_totals, cached_totals_output
from figures_app.totals_output import totals_json, totals_rows
from figures_app.views.totals_presentation import totals_page_context
from requests_app.access import get_campaign_for_user, view_required
from requests_app.models import Campaign
from requests_app.selectors.data_versions import data_version_of
from requests_app.tabular import iter_csv
from requests_app.views.api import api_sign_in_required


def _metrics_by_slug(slug: str) -> list[Metric]:
    """The campaign's metrics with the campaign (and its owner) in the same query, so saving
    reading the campaign on its own; with the campaign's data version, the cached totals' key
    (issue 28), read in the same query and before the totals. Their dimensions are not read
    here: the totals read the one metric's when they are worked out, and a cache hit needs none.
    Empty when the campaign has no metrics or does not exist (the caller tells which)."""
    return list(
        Metric.objects.filter(campaign__slug=slug)
        .select_related("campaign__owner")
        .annotate(data_version=data_version_of())
        .order_by("position", "pk")
    )


def _metric_and_basis(
    request: HttpRequest, metrics: list[Metric]
) -> tuple[Metric | None, str, str]:
    """(metric, basis, error) from ?metric= and ?basis=; the metric may be left out when the
    campaign has only one."""
    basis = request.GET.get("basis", APPROVED)
    if basis not in BASES:
        return None, basis, f"basis must be one of {', '.join(BASES)}."
    slug = request.GET.get("metric")
    if not slug:
        if len(metrics) == 1:
            return metrics[0], basis, ""
        if not metrics:
            return None, basis, "This campaign has no metrics."
        return None, basis, "Say which metric: " + ", ".join(m.slug for m in metrics) + "."
    metric = next((m for m in metrics if m.slug == slug), None)
    if metric is None:
        return (
            None,
            basis,
            f"Unknown metric '{slug}'; metrics are {', '.join(m.slug for m in metrics) or 'none'}.",
        )
    return metric, basis, ""


def _totals(metric: Metric, campaign: Campaign, basis: str):
    # Every metric shares the one campaign object, so its periods are read once.
    metric.campaign = campaign
    return cached_metric_totals(
        metric=metric, basis=basis, today=timezone.localdate(), version=metric.data_version
    )


@api_sign_in_required
def totals_api(request: HttpRequest, slug: str) -> JsonResponse:
    metrics = _metrics_by_slug(slug)
    campaign = metrics[0].campaign if metrics else Campaign.objects.filter(slug=slug).first()
    if campaign is None:
        return JsonResponse({"error": f"No campaign '{slug}'."}, status=404)
    metric, basis, error = _metric_and_basis(request, metrics)
    if metric is None:
        return JsonResponse({"error": error}, status=404 if "Unknown metric" in error else 400)
    metric.campaign = campaign
    # The JSON itself is cached beside the totals (issue 28: the API within 1.5x of the bare
    # GROUP BY behind a signed-in request): a hit writes out what was written before.
    body = cached_totals_output(
        metric=metric,
        basis=basis,
        today=timezone.localdate(),
        version=metric.data_version,
        name="api-json",
        make=lambda totals: json.dumps(totals_json(totals), cls=DjangoJSONEncoder),
    )
    return HttpResponse(body, content_type="application/json")


@view_required
def campaign_totals(request: HttpRequest, slug: str) -> HttpResponse:
    metrics = _metrics_by_slug(slug)
    campaign = metrics[0].campaign if metrics else get_campaign_for_user(request, slug)
    metric, basis, error = _metric_and_basis(request, metrics)
    if metric is None and metrics and not request.GET.get("metric") and basis in BASES:
        metric, error = metrics[0], ""
    if metric is None:
        return render(
            request,
            "figures_app/totals.html",
            {"campaign": campaign, "metrics": metrics, "error": error, "basis": basis},
            status=404 if metrics else 200,
        )
    totals = _totals(metric, campaign, basis)
    context = {
        "campaign": campaign,
        "metrics": metrics,
        "metric": metric,
        "basis": basis,
        "api_url": reverse("figures_totals_api", args=[campaign.slug])
        + f"?metric={metric.slug}&basis={basis}",
        **totals_page_context(totals),
        # Forces whose figures here were loaded from what was published (issue 14), read with
        # the totals' own sums rather than in a query of their own.
        "published_requests": totals.published_requests,
    }
    return render(request, "figures_app/totals.html", context)


@view_required
def totals_csv(request: HttpRequest, slug: str) -> HttpResponse | StreamingHttpResponse:
    metrics = _metrics_by_slug(slug)
    campaign = metrics[0].campaign if metrics else get_campaign_for_user(request, slug)
    metric, basis, error = _metric_and_basis(request, metrics)
    if metric is None:
        return HttpResponse(error, status=400, content_type="text/plain")
    totals = _totals(metric, campaign, basis)
    response = StreamingHttpResponse(
        (piece.encode() for piece in iter_csv(totals_rows(totals))),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = (
        f'attachment; filename="{campaign.slug}-{metric.slug}-totals-{basis}.csv"'
    )
    return response
