"""A series over the years (issue 14): the list of series, a series' page, its tidy CSV/XLSX and
the JSON API, all from one SeriesTotals turned into output by figures_app/series_output.py (API,
files) and views/series_presentation.py (the page)."""

from __future__ import annotations

import json

from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone

from figures_app.selectors.basis import APPROVED, BASES
from figures_app.selectors.series import (
    AS_REPORTED,
    LATEST,
    SeriesTotals,
    series_metric_slugs,
    series_totals,
)
from figures_app.series_output import series_json, series_sheets
from figures_app.views.series_presentation import series_page_context
from requests_app.access import view_required
from requests_app.models import Series
from requests_app.tabular import write_csv, write_xlsx
from requests_app.views.api import api_view

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _choose(request: HttpRequest, series: Series) -> tuple[str | None, str, str, list[str]]:
    """(metric slug, as, error, every metric slug) from ?metric=, ?as= and ?basis=; the metric
    may be left out (the latest campaign's first)."""
    slugs = series_metric_slugs(series)
    as_reported = request.GET.get("as", LATEST)
    if as_reported not in AS_REPORTED:
        return None, as_reported, f"as must be one of {', '.join(AS_REPORTED)}.", slugs
    if request.GET.get("basis", APPROVED) not in BASES:
        return None, as_reported, f"basis must be one of {', '.join(BASES)}.", slugs
    slug = request.GET.get("metric")
    if not slug:
        if not slugs:
            return None, as_reported, "No campaign in this series asks for figures yet.", slugs
        return slugs[0], as_reported, "", slugs
    if slug not in slugs:
        return (
            None,
            as_reported,
            f"Unknown metric '{slug}'; metrics are {', '.join(slugs) or 'none'}.",
            slugs,
        )
    return slug, as_reported, "", slugs


def _totals(request: HttpRequest, series: Series, slug: str, as_reported: str) -> SeriesTotals:
    return series_totals(
        series=series,
        metric_slug=slug,
        as_reported=as_reported,
        basis=request.GET.get("basis", APPROVED),
        today=timezone.localdate(),
    )


@view_required
def series_list(request: HttpRequest) -> HttpResponse:
    series = Series.objects.annotate(n_campaigns=Count("campaigns")).order_by("title", "slug")
    page = Paginator(series, 25).get_page(request.GET.get("page"))
    return render(request, "figures_app/series_list.html", {"page": page})


@view_required
def series_page(request: HttpRequest, slug: str) -> HttpResponse:
    series = get_object_or_404(Series, slug=slug)
    metric_slug, as_reported, error, slugs = _choose(request, series)
    context = {
        "series": series,
        "metric_slugs": slugs,
        "metric_slug": metric_slug,
        "as_reported": as_reported,
        "error": error,
        "campaigns": list(series.campaigns.order_by("created_at")),
    }
    if metric_slug is None:
        status = 400 if request.GET.get("metric") or request.GET.get("as") else 200
        return render(request, "figures_app/series.html", context, status=status)
    totals = _totals(request, series, metric_slug, as_reported)
    labels = {p.label: p for p in totals.periods}
    reported = [p for p in totals.periods if p.forces_reporting] or totals.periods
    before = labels.get(request.GET.get("from", "")) or (
        reported[-2] if len(reported) >= 2 else None
    )
    after = labels.get(request.GET.get("to", "")) or (reported[-1] if reported else None)
    query = f"?metric={metric_slug}&as={as_reported}&basis={totals.basis}"
    context |= {
        "before": before,
        "after": after,
        "json_url": reverse("figures_series_json", args=[series.slug]) + query,
        "csv_url": reverse("figures_series_csv", args=[series.slug]) + query,
        "xlsx_url": reverse("figures_series_xlsx", args=[series.slug]) + query,
        "api_url": reverse("figures_series_api", args=[series.slug]) + query,
        **series_page_context(totals, before, after),
    }
    return render(request, "figures_app/series.html", context)


def _file_response(request: HttpRequest, slug: str, kind: str) -> HttpResponse:
    series = get_object_or_404(Series, slug=slug)
    metric_slug, as_reported, error, _ = _choose(request, series)
    if metric_slug is None:
        return HttpResponse(error, status=400, content_type="text/plain")
    totals = _totals(request, series, metric_slug, as_reported)
    name = f"{series.slug}-{metric_slug}-{as_reported}"
    if kind == "csv":
        response = HttpResponse(
            write_csv(series_sheets(totals)["figures"]), content_type="text/csv; charset=utf-8"
        )
    elif kind == "xlsx":
        response = HttpResponse(
            write_xlsx(series_sheets(totals), title=f"{series.title}: {metric_slug}"),
            content_type=XLSX,
        )
    else:
        response = HttpResponse(
            json.dumps(series_json(totals), indent=1), content_type="application/json"
        )
    response["Content-Disposition"] = f'attachment; filename="{name}.{kind}"'
    return response


@view_required
def series_csv(request: HttpRequest, slug: str) -> HttpResponse:
    return _file_response(request, slug, "csv")


@view_required
def series_xlsx(request: HttpRequest, slug: str) -> HttpResponse:
    return _file_response(request, slug, "xlsx")


@view_required
def series_json_file(request: HttpRequest, slug: str) -> HttpResponse:
    return _file_response(request, slug, "json")


@api_view
def series_api(request: HttpRequest, slug: str) -> JsonResponse:
    """GET /api/series/<slug>/totals/?metric=...[&as=latest|first]: 401 / 403 JSON as the rest
    of the API."""
    series = Series.objects.filter(slug=slug).first()
    if series is None:
        return JsonResponse({"error": f"No series '{slug}'."}, status=404)
    metric_slug, as_reported, error, _ = _choose(request, series)
    if metric_slug is None:
        return JsonResponse({"error": error}, status=404 if "Unknown metric" in error else 400)
    return JsonResponse(series_json(_totals(request, series, metric_slug, as_reported)))
