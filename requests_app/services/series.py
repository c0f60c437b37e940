"""Series: running a campaign again for the next period (issue 14).

The next campaign asks the same forces (the list as it is now, with forces that merged or were
renamed followed to the force they are now), with the same letter and settings, about the same
number of periods slid on by one (2015/16 and 2016/17 -> 2016/17 and 2017/18: the earlier year
is asked again because forces revise it), nothing sent. What other apps copy (the figures'
metrics) comes in as `copy_more`, run in the same transaction (foi_tracker/series.py).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction

from requests_app.models import Campaign, Force, Period, Series
from requests_app.periods import PeriodSpec, next_period
from requests_app.selectors.force_successors import FollowedForces, follow_forces
from requests_app.series_names import next_name, series_title
from requests_app.services.campaigns import SLUG_MAX_LENGTH, campaign_create, campaign_slug_problem
from requests_app.services.errors import ServiceError
from requests_app.text import long_date

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from django.contrib.auth.base_user import AbstractBaseUser

_SLUG_RE = re.compile(r"^[-a-z0-9_]+\Z")


# --- periods ---------------------------------------------------------------------------------


def next_periods(periods: Iterable[Period | PeriodSpec]) -> list[PeriodSpec]:
    """The same number of periods slid on by one: the earlier ones kept as they were (label and
    dates, so the series matches them), the next one after the last added."""
    ordered = sorted(periods, key=lambda p: (p.start, p.end))
    if not ordered:
        raise ServiceError("The campaign asks about no period, so there is no next one.", "periods")
    last = ordered[-1]
    following = next_period(last.label, last.start, last.end)
    taken = {p.label for p in ordered}
    if following.label in taken:
        following = PeriodSpec(
            f"{following.label} ({long_date(following.start)})", following.start, following.end
        )
    kept = [PeriodSpec(p.label, p.start, p.end) for p in ordered[1:]]
    return [*kept, following]


# --- names -----------------------------------------------------------------------------------


def _free_slug(base: str, taken: Callable[[str], bool]) -> str:
    base = base[:SLUG_MAX_LENGTH].strip("-") or "campaign"
    candidate, n = base, 2
    while taken(candidate):
        suffix = f"-{n}"
        candidate = base[: SLUG_MAX_LENGTH - len(suffix)] + suffix
        n += 1
    return candidate


def series_slug_problem(slug: object) -> str | None:
    if not isinstance(slug, str) or not _SLUG_RE.match(slug) or len(slug) > SLUG_MAX_LENGTH:
        return f"Use lower-case letters, digits, '-' and '_' (at most {SLUG_MAX_LENGTH})."
    return None


def series_get_or_create(*, slug: str, title: str = "") -> Series:
    """The series called `slug`, created on first use (title: `title` without its years, else
    from the slug)."""
    problem = series_slug_problem(slug)
    if problem:
        raise ServiceError(problem, "series")
    series = Series.objects.filter(slug=slug).first()
    if series is not None:
        return series
    try:
        with transaction.atomic():
            return Series.objects.create(
                slug=slug,
                title=(series_title(title) if title else slug.replace("-", " ").capitalize())[:200],
            )
    except IntegrityError:
        # Created by a concurrent load between the lookup and the insert.
        return Series.objects.get(slug=slug)


def _series_for(campaign: Campaign) -> Series:
    """The campaign's series; on first use one named after the campaign without its years."""
    if campaign.series_id:
        return campaign.series
    base = re.sub(r"[-_]?(19|20)\d\d([-_]\d\d)?", "", campaign.slug).strip("-_") or campaign.slug
    slug = _free_slug(base, lambda s: Series.objects.filter(slug=s).exists())
    series = Series.objects.create(slug=slug, title=series_title(campaign.title)[:200])
    Campaign.objects.filter(pk=campaign.pk).update(series=series)
    campaign.series = series
    return series


# --- the service -----------------------------------------------------------------------------


@dataclass
class RunAgain:
    campaign: Campaign
    source: Campaign
    series: Series
    followed: list[tuple[Force, Force]]
    dropped: list[Force]
    periods: list[PeriodSpec]


def run_again_plan(campaign: Campaign) -> tuple[FollowedForces, list[PeriodSpec], str, str]:
    """What running `campaign` again would create: (forces, periods, slug, title). No writes."""
    if campaign.force_list_id:
        # The list as it is now: a force added to (or removed from) it since is asked (or not).
        forces = list(campaign.force_list.members())
    else:
        forces = list(Force.objects.filter(requests__campaign=campaign))
    followed = follow_forces(forces)
    old_periods = list(campaign.periods.all())
    periods = next_periods(old_periods)
    last_old = max(old_periods, key=lambda p: (p.start, p.end))
    years = periods[-1].start.year - last_old.start.year
    # The periods slide on by one: the i-th old period's place is taken by the i-th new one.
    old_labels = [p.label for p in sorted(old_periods, key=lambda p: (p.start, p.end))]
    new_labels = [p.label for p in periods]
    slug = _free_slug(
        next_name(campaign.slug, old_labels, new_labels, years, slug=True),
        lambda s: Campaign.objects.filter(slug=s).exists(),
    )
    title = next_name(campaign.title, old_labels, new_labels, years, slug=False)
    return followed, periods, slug, title[:200]


@transaction.atomic
def campaign_run_again(
    *,
    campaign_id: int,
    actor: AbstractBaseUser | None,
    slug: str | None = None,
    title: str | None = None,
    copy_more: Callable[..., None] | None = None,
) -> RunAgain:
    """Create the next campaign of `campaign`'s series (creating the series on first use): same
    forces as they are now, letter, settings, the next period(s), every request a draft; then
    copy_more(source=, campaign=, actor=) copies what other apps keep about it (the metrics).
    One transaction: nothing is created on any error."""
    source = (
        Campaign.objects.select_for_update(of=("self",))
        .select_related("series", "force_list", "owner")
        .get(pk=campaign_id)
    )
    followed, periods, default_slug, default_title = run_again_plan(source)
    slug = (slug or "").strip() or default_slug
    problem = campaign_slug_problem(slug)
    if problem:
        raise ServiceError(problem, "slug")
    if not followed.forces:
        raise ServiceError("None of the campaign's forces is still active.", "forces")
    series = _series_for(source)
    campaign = campaign_create(
        actor=actor,
        slug=slug,
        title=(title or "").strip() or default_title,
        request_text=source.request_text,
        forces=followed.forces,
        periods=periods,
        owner=source.owner or actor,
        notes=source.notes,
        force_list=source.force_list,
        chase_forces=source.chase_forces,
        chase_again_after=source.chase_again_after,
        rounding_rule=source.rounding_rule,
        suppressed_lower=source.suppressed_lower,
        suppressed_upper=source.suppressed_upper,
    )
    Campaign.objects.filter(pk=campaign.pk).update(series=series)
    campaign.series = series
    if copy_more is not None:
        copy_more(source=source, campaign=campaign, actor=actor)
    return RunAgain(
        campaign=campaign,
        source=source,
        series=series,
        followed=followed.followed,
        dropped=followed.dropped,
        periods=periods,
    )
