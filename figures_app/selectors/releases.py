"""Reads for releases: the payload a version would freeze (built from the totals selector on
approved figures), the version the public may see, and the changelog of corrected figures."""

from __future__ import annotations

from datetime import date, datetime

from django.db.models import Max, QuerySet
from django.utils import timezone

from figures_app.models import FigureChange, Metric
from figures_app.models_releases import ForceGroup, Release, ReleaseVersion
from figures_app.selectors.basis import APPROVED
from figures_app.selectors.release_data import (
    bodies_entry,
    force_code,
    metric_payload,
    standard_grouping,
)
from figures_app.selectors.totals_cache import cached_metric_totals
from requests_app.body_words import body_nouns
from requests_app.models import Campaign
from requests_app.selectors.answering import campaign_answering


def custom_groupings(campaign: Campaign) -> list[str]:
    return list(
        ForceGroup.objects.filter(campaign=campaign)
        .order_by("grouping")
        .values_list("grouping", flat=True)
        .distinct()
    )


def grouping_areas(campaign: Campaign, grouping: str) -> dict[int, str]:
    """force id -> area, for one of the campaign's own groupings."""
    return dict(
        ForceGroup.objects.filter(campaign=campaign, grouping=grouping).values_list(
            "force_id", "area"
        )
    )


def build_payload(
    *,
    campaign: Campaign,
    slug: str,
    title: str,
    version: int,
    publish_at: datetime,
    metrics: list[Metric],
    period_labels: list[str],
    methodology: str,
    caveats: dict[str, list[str]],
    include_answering: bool,
    regions_grouping: str,
    changelog: list[str],
    today: date,
) -> dict:
    """The whole frozen release, as the API gives it. Approved figures only."""
    requests = list(campaign.requests.select_related("force"))
    nouns = body_nouns((foi.force.kind, foi.force.country) for foi in requests)
    groupings = {standard_grouping(nouns): {foi.force_id: foi.force.region for foi in requests}}
    if regions_grouping:
        groupings[regions_grouping] = grouping_areas(campaign, regions_grouping)
    payload = {
        "slug": slug,
        "title": title,
        "version": version,
        "published_at": publish_at.isoformat(),
        "campaign": campaign.title,
        "rounding": campaign.rounding_rule,
        "methodology": methodology,
        "changelog": changelog,
        "caveats": caveats,
        # What the bodies are called (issue 30; a payload without it asked police forces).
        "bodies": bodies_entry(nouns, {foi.force.law for foi in requests}),
        "metrics": [],
    }
    for metric in metrics:
        metric.campaign = campaign
        totals = cached_metric_totals(metric=metric, basis=APPROVED, today=today)
        payload["metrics"].append(
            metric_payload(
                totals,
                period_labels=period_labels,
                caveats=caveats,
                groupings=groupings,
                nouns=nouns,
            )
        )
    if include_answering:
        table = campaign_answering(campaign)
        payload["answering"] = {
            "method": table.method,
            "forces": [row.as_dict() for row in table.rows],
        }
    return payload


def campaign_force_codes(campaign: Campaign) -> dict[str, str]:
    """code -> force name, for the forces the campaign asked."""
    return {
        force_code(foi.force): foi.force.name for foi in campaign.requests.select_related("force")
    }


def public_version(slug: str, number: int | None = None, *, now=None) -> ReleaseVersion | None:
    """The version the public may see: the given number if past its embargo, else the latest
    past its embargo. None for a release that does not exist or is not public yet (the page then
    404s the same either way)."""
    now = now or timezone.now()
    versions = ReleaseVersion.objects.select_related("release").filter(
        release__slug=slug, publish_at__lte=now
    )
    if number is not None:
        return versions.filter(number=number).first()
    return versions.order_by("-number").first()


def staff_version(slug: str, number: int | None = None) -> ReleaseVersion | None:
    """Any version, embargoed or not (staff preview)."""
    versions = ReleaseVersion.objects.select_related("release").filter(release__slug=slug)
    if number is not None:
        return versions.filter(number=number).first()
    return versions.order_by("-number").first()


def campaign_releases(campaign: Campaign) -> QuerySet[Release]:
    return (
        Release.objects.filter(campaign=campaign)
        .prefetch_related("versions")
        .order_by("-created_at", "-pk")
    )


def correction_dates(metric_ids: list[int], since: datetime) -> dict[tuple[int, str, str], date]:
    """(metric id, force code, period label) -> the day its figures last changed after `since`,
    for the changelog ("2016/17 Kent corrected from 361 to 316, 3 July 2017")."""
    out: dict[tuple[int, str, str], date] = {}
    rows = (
        FigureChange.objects.filter(metric_id__in=metric_ids, created_at__gt=since)
        .values_list(
            "metric_id", "request__force__ons_code", "request__force__slug", "period__label"
        )
        .annotate(last=Max("created_at"))
        .order_by()
    )
    for metric_id, ons_code, force_slug, label, last in rows:
        out[(metric_id, ons_code or force_slug, label)] = timezone.localtime(last).date()
    return out
