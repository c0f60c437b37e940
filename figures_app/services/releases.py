"""Writes for releases: publish a version (the first, or the next with a changelog of what was
corrected), embargoed until a time or public now, and a campaign's own groupings of forces.

Only a reviewer may publish: checked here, not only by the page or the command. A version is
frozen when it is written and never updated; its row (who, when, why) is the audit record.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from figures_app.models import Metric
from figures_app.models_releases import ForceGroup, Release, ReleaseVersion
from figures_app.selectors.release_data import NO_AREA, force_code, release_nouns
from figures_app.selectors.releases import (
    build_payload,
    campaign_force_codes,
    correction_dates,
    custom_groupings,
)
from requests_app import roles
from requests_app.force_names import ForceNameError, ForceResolver
from requests_app.models import Campaign
from requests_app.text import long_date

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


class ReleaseError(ValueError):
    """Bad input for a release, with a message naming the field."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        super().__init__(message)


@dataclass(frozen=True)
class ReleaseSpec:
    """What a version covers. None keeps what the previous version had (defaults for the
    first: every metric and period, no methodology or caveats, no answering table)."""

    title: str | None = None
    metric_slugs: list[str] | None = None
    period_labels: list[str] | None = None
    methodology: str | None = None
    caveats: dict[str, list[str]] | None = None
    include_answering: bool | None = None
    regions_grouping: str | None = None


def parse_caveats(*, campaign: Campaign, text: str) -> dict[str, list[str]]:
    """'Force: caveat' one a line (a force named as anywhere: 'Norfolk', 'the Met', an ONS code)
    -> {force code: [caveats]}. Errors name the line."""
    resolver = ForceResolver([foi.force for foi in campaign.requests.select_related("force")])
    caveats: dict[str, list[str]] = {}
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        name, sep, caveat = line.partition(":")
        if not sep or not caveat.strip():
            raise ReleaseError(
                "caveats", f"Caveats, line {number}: write 'Force: caveat' (got {line.strip()!r})."
            )
        try:
            force = resolver.resolve(name)
        except ForceNameError as error:
            raise ReleaseError(
                "caveats", f"Caveats, line {number}: {error} (only forces this campaign asked)."
            ) from error
        caveats.setdefault(force_code(force), []).append(caveat.strip())
    return caveats


def caveats_text(*, campaign: Campaign, caveats: dict[str, list[str]]) -> str:
    """The inverse of parse_caveats, to fill the form for the next version."""
    names = campaign_force_codes(campaign)
    return "\n".join(
        f"{names.get(code, code)}: {text}" for code, texts in caveats.items() for text in texts
    )


def _when(value: datetime) -> str:
    day = timezone.localtime(value).date() if isinstance(value, datetime) else value
    return long_date(day)


def _amount(force: dict, label: str) -> str:
    value = force["values"].get(label)
    if force["suppressed_cells"].get(label):
        upper = force["upper"].get(label)
        return f"{value or 0:,}-{upper:,} (suppressed cells)"
    return "no figure" if value is None else f"{value:,}"


def changelog_lines(
    *,
    previous: dict,
    payload: dict,
    note: str,
    metric_ids: dict[str, int],
    since: datetime,
    now: datetime,
) -> list[str]:
    """What changed since the previous version, one line each: "2016/17 Kent corrected from
    361 to 316, 3 July 2017, reason ..." (the day the figure was last changed), national totals
    revised, methodology or caveats revised. The note is the reason."""
    reason = f", reason {note}" if note else ""
    nouns = release_nouns(payload)

    def bodies(n: int) -> str:
        # Police releases keep their words ("(4 forces)", "1 forces" included).
        return f"{n} forces" if nouns.police else nouns.count(n)

    dates = correction_dates(list(metric_ids.values()), since)
    lines = []
    old_metrics = {m["metric"]: m for m in previous["metrics"]}
    for metric in payload["metrics"]:
        old = old_metrics.get(metric["metric"])
        if old is None:
            lines.append(f"Added {metric['label']}{reason}.")
            continue
        old_periods = {p["period"]: p for p in old["periods"]}
        for p in metric["periods"]:
            was = old_periods.get(p["period"])
            if was and (was["total"], was["forces_reporting"]) != (
                p["total"],
                p["forces_reporting"],
            ):
                lines.append(
                    f"{p['period']} national total revised from {was['total']:,} "
                    f"({bodies(was['forces_reporting'])}) to {p['total']:,} "
                    f"({bodies(p['forces_reporting'])}), {_when(now)}{reason}."
                )
        old_forces = {f["force_code"]: f for f in old["forces"]}
        for force in metric["forces"]:
            was = old_forces.get(force["force_code"])
            if was is None:
                continue
            for p in metric["periods"]:
                label = p["period"]
                before, after = _amount(was, label), _amount(force, label)
                if label in old_periods and before != after:
                    day = dates.get((metric_ids[metric["metric"]], force["force_code"], label), now)
                    lines.append(
                        f"{label} {force['short_name']} corrected from {before} to {after}, "
                        f"{_when(day)}{reason}."
                    )
            if was["caveats"] != force["caveats"]:
                lines.append(f"Caveats for {force['force']} revised{reason}.")
    for slug, old in old_metrics.items():
        if slug not in {m["metric"] for m in payload["metrics"]}:
            lines.append(f"Removed {old['label']}{reason}.")
    if previous["methodology"] != payload["methodology"]:
        lines.append(f"Methodology revised{reason}.")
    if previous["title"] != payload["title"]:
        lines.append(f"Title changed from '{previous['title']}'{reason}.")
    if bool(previous.get("answering")) != bool(payload.get("answering")):
        shown = "added" if payload.get("answering") else "removed"
        lines.append(f"How each {nouns.singular} answered {shown}{reason}.")
    if not lines:
        lines.append(f"Republished with no change to the figures{reason}.")
    return lines


@transaction.atomic
def release_publish(
    *,
    campaign: Campaign,
    actor,
    slug: str,
    spec: ReleaseSpec,
    publish_at: datetime | None = None,
    note: str = "",
    now: datetime | None = None,
) -> ReleaseVersion:
    """Freeze the campaign's approved figures as the next version of release `slug` (creating
    the release on its first version), public from `publish_at` (now when not given: an embargo
    when in the future)."""
    roles.require_review(actor)
    now = now or timezone.now()
    slug = (slug or "").strip()
    if not SLUG_RE.match(slug) or len(slug) > 80:
        raise ReleaseError(
            "slug", "Slug: lower-case letters, digits and single hyphens, at most 80 characters."
        )
    release = Release.objects.select_for_update().filter(slug=slug).first()
    if release is not None and release.campaign_id != campaign.pk:
        raise ReleaseError("slug", f"Slug '{slug}' is already used by another campaign's release.")
    previous = release.versions.order_by("-number").first() if release else None
    covers = _covers(campaign, spec, previous)
    publish_at = publish_at or now
    number = (previous.number + 1) if previous else 1
    payload = build_payload(
        campaign=campaign,
        slug=slug,
        title=covers.title,
        version=number,
        publish_at=publish_at,
        metrics=covers.metrics,
        period_labels=covers.period_labels,
        methodology=covers.methodology,
        caveats=covers.caveats,
        include_answering=covers.include_answering,
        regions_grouping=covers.grouping,
        changelog=[],
        today=timezone.localdate(now),
    )
    if not any(m["status"] == "reported" for m in payload["metrics"]):
        raise ReleaseError(
            "metrics",
            "Nothing to publish: no approved figure gives a number for these metrics yet.",
        )
    if previous is not None:
        payload["changelog"] = changelog_lines(
            previous=previous.payload,
            payload=payload,
            note=note.strip(),
            metric_ids={m.slug: m.pk for m in covers.metrics},
            since=previous.published_at,
            now=now,
        )
    release = _release_saved(release, campaign=campaign, slug=slug, title=covers.title, actor=actor)
    return ReleaseVersion.objects.create(
        release=release,
        number=number,
        payload=payload,
        metrics=[m.slug for m in covers.metrics],
        periods=covers.period_labels,
        methodology=covers.methodology,
        caveats=covers.caveats,
        include_answering=covers.include_answering,
        regions_grouping=covers.grouping,
        published_by=actor,
        published_at=now,
        publish_at=publish_at,
        changelog=payload["changelog"],
        note=note.strip(),
    )


@dataclass(frozen=True)
class _Covers:
    """What a version covers, checked, with the spec's gaps filled from the previous version."""

    title: str
    metrics: list[Metric]
    period_labels: list[str]
    methodology: str
    caveats: dict[str, list[str]]
    include_answering: bool
    grouping: str


def _kept(value, previous: ReleaseVersion | None, previous_value, default):
    """The spec's value; None keeps the previous version's (`default` for a first version)."""
    if value is not None:
        return value
    return previous_value if previous is not None else default


def _covers(campaign: Campaign, spec: ReleaseSpec, previous: ReleaseVersion | None) -> _Covers:
    """Check the spec field by field (title, metrics, periods, caveats, regions: the first
    problem found is the one reported)."""
    before = previous.payload if previous else None
    title = (_kept(spec.title, previous, before and before["title"], "") or "").strip()
    if not title:
        raise ReleaseError("title", "Title: required for a release's first version.")
    if len(title) > 200:
        raise ReleaseError("title", "Title: at most 200 characters.")
    metrics = _metrics(
        campaign, _kept(spec.metric_slugs, previous, previous and previous.metrics, None)
    )
    period_labels = _period_labels(
        campaign, _kept(spec.period_labels, previous, previous and previous.periods, None)
    )
    caveats = _kept(spec.caveats, previous, previous and previous.caveats, {})
    asked = campaign_force_codes(campaign)
    stray = [code for code in caveats if code not in asked]
    if stray:
        raise ReleaseError("caveats", f"Caveats: {', '.join(stray)} not asked in this campaign.")
    grouping = _kept(spec.regions_grouping, previous, previous and previous.regions_grouping, "")
    if grouping and grouping not in custom_groupings(campaign):
        raise ReleaseError(
            "regions_grouping", f"Regions: the campaign has no grouping '{grouping}'."
        )
    return _Covers(
        title=title,
        metrics=metrics,
        period_labels=period_labels,
        methodology=_kept(spec.methodology, previous, previous and previous.methodology, ""),
        caveats=caveats,
        include_answering=_kept(
            spec.include_answering, previous, previous and previous.include_answering, False
        ),
        grouping=grouping,
    )


def _metrics(campaign: Campaign, slugs: list[str] | None) -> list[Metric]:
    """The metrics named (all of the campaign's when none are), in the order named."""
    by_slug = {m.slug: m for m in campaign.metrics.prefetch_related("dimensions")}
    slugs = slugs or list(by_slug)
    unknown = [s for s in slugs if s not in by_slug]
    if unknown:
        raise ReleaseError(
            "metrics",
            f"Metrics: unknown {', '.join(unknown)}; this campaign has "
            f"{', '.join(by_slug) or 'none'}.",
        )
    if not slugs:
        raise ReleaseError("metrics", "Metrics: this campaign has no metrics to publish.")
    return [by_slug[s] for s in slugs]


def _period_labels(campaign: Campaign, labels: list[str] | None) -> list[str]:
    """The periods named (all when none are), in the campaign's order."""
    labels_all = list(campaign.periods.values_list("label", flat=True))
    labels = labels or labels_all
    unknown = [p for p in labels if p not in labels_all]
    if unknown:
        raise ReleaseError(
            "periods",
            f"Periods: unknown {', '.join(unknown)}; this campaign has {', '.join(labels_all)}.",
        )
    return [p for p in labels_all if p in labels]


def _release_saved(
    release: Release | None, *, campaign: Campaign, slug: str, title: str, actor
) -> Release:
    """The release, created on its first version, its title kept up to date."""
    if release is None:
        try:
            with transaction.atomic():
                return Release.objects.create(
                    campaign=campaign, slug=slug, title=title, created_by=actor
                )
        except IntegrityError as error:  # the same slug published at the same moment
            raise ReleaseError("slug", f"Slug '{slug}' was taken meanwhile: try again.") from error
    if release.title != title:
        release.title = title
        release.save(update_fields=["title"])
    return release


@transaction.atomic
def force_grouping_set(*, campaign: Campaign, actor, grouping: str, text: str) -> int:
    """Replace one of the campaign's own groupings from 'Area: force, force, ...' lines (forces
    named as anywhere). A force in two areas, or not asked by the campaign, is refused with its
    line. An empty text removes the grouping. Returns the number of forces placed."""
    roles.require_edit(actor)
    grouping = (grouping or "").strip()
    if not grouping:
        raise ReleaseError("grouping", "Grouping name: required.")
    if grouping == NO_AREA or len(grouping) > 120:
        raise ReleaseError(
            "grouping", "Grouping name: choose another name (at most 120 characters)."
        )
    resolver = ForceResolver([foi.force for foi in campaign.requests.select_related("force")])
    placed: dict[int, tuple[str, int]] = {}
    rows = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        area, sep, names = line.partition(":")
        if not sep or not area.strip():
            raise ReleaseError("areas", f"Areas, line {number}: write 'Area: force, force, ...'.")
        for name in [n for n in names.split(",") if n.strip()]:
            try:
                force = resolver.resolve(name)
            except ForceNameError as error:
                raise ReleaseError(
                    "areas", f"Areas, line {number}: {error} (only forces this campaign asked)."
                ) from error
            if force.pk in placed:
                raise ReleaseError(
                    "areas",
                    f"Areas, line {number}: {force.name} is already in "
                    f"'{placed[force.pk][0]}' (line {placed[force.pk][1]}).",
                )
            placed[force.pk] = (area.strip()[:120], number)
            rows.append(
                ForceGroup(
                    campaign=campaign, grouping=grouping, area=area.strip()[:120], force=force
                )
            )
    ForceGroup.objects.filter(campaign=campaign, grouping=grouping).delete()
    ForceGroup.objects.bulk_create(rows)
    return len(rows)
