"""Creating and changing campaigns, and the one request per force they hold."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from types import EllipsisType
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.utils.text import slugify

from requests_app.calendars import calendars
from requests_app.models import Campaign, FoiRequest, Force, ForceList, Period, RequestEvent
from requests_app.models.campaigns import PLACEHOLDER_RE, PLACEHOLDERS, RoundingRule
from requests_app.periods import PeriodSpec
from requests_app.services.data_versions import campaigns_data_changed
from requests_app.services.deadlines import apply_deadlines
from requests_app.services.errors import ServiceError
from requests_app.services.lifecycle import request_mark_sent
from requests_app.workflow import Status

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser

# /campaigns/new/ is the create form, so a campaign cannot be called "new".
RESERVED_SLUGS = frozenset({"new"})
SLUG_MAX_LENGTH = 80
# Lower case only: a slug is part of addresses and file names, where "Kent" and "kent" would be
# two campaigns that look like one (and one file on a case-insensitive disk).
_SLUG_RE = re.compile(r"^[-a-z0-9_]+\Z")


def campaign_slug_problem(slug: object, *, new: bool = True) -> str | None:
    """What is wrong with `slug` as a campaign's slug, or None. The one slug rule.

    The create form, campaign_create and the campaign JSON reader all ask here. With new=True
    the slug must not be taken yet (the JSON reader passes False: an existing slug means update).
    """
    if not isinstance(slug, str) or not _SLUG_RE.match(slug) or len(slug) > SLUG_MAX_LENGTH:
        return f"Use lower-case letters, digits, '-' and '_' (at most {SLUG_MAX_LENGTH})."
    if slug in RESERVED_SLUGS:
        return f"'{slug}' is reserved (it is part of the site's addresses)."
    if new and Campaign.objects.filter(slug=slug).exists():
        return f"A campaign with the slug '{slug}' already exists."
    return None


def _check_periods(periods: Sequence[PeriodSpec]) -> None:
    if not periods:
        raise ServiceError("A campaign asks about at least one period.", "periods")
    labels = set()
    for i, p in enumerate(periods, start=1):
        if not p.label.strip():
            raise ServiceError(f"Period {i}: the label is empty.", "periods")
        if p.label in labels:
            raise ServiceError(f"Period {i}: the label '{p.label}' is used twice.", "periods")
        labels.add(p.label)
        if p.end < p.start:
            raise ServiceError(f"Period {p.label}: the end is before the start.", "periods")


def _check_text(request_text: str) -> None:
    if not request_text.strip():
        raise ServiceError("The request text is empty.", "request_text")
    unknown = sorted({m for m in PLACEHOLDER_RE.findall(request_text) if m not in PLACEHOLDERS})
    if unknown:
        known = ", ".join(f"{{{p}}}" for p in PLACEHOLDERS)
        raise ServiceError(
            f"Unknown placeholder {', '.join(f'{{{u}}}' for u in unknown)}; use {known}.",
            "request_text",
        )


def _check_settings(settings: dict[str, Any]) -> None:
    if "rounding_rule" in settings and settings["rounding_rule"] not in RoundingRule.values:
        raise ServiceError("Rounding must be half_up or down.", "rounding_rule")
    if settings.get("chase_again_after", 1) < 1:
        raise ServiceError("Chase again after at least 1 working day.", "chase_again_after")
    lower = settings.get("suppressed_lower", 1)
    upper = settings.get("suppressed_upper", 4)
    if lower < 0 or upper < lower:
        raise ServiceError(
            "Suppressed bounds must satisfy 0 <= lower <= upper.", "suppressed_upper"
        )


def _create_requests(
    campaign: Campaign, forces: Sequence[Force], actor: AbstractBaseUser | None
) -> list[FoiRequest]:
    cals = calendars()
    new = []
    for force in forces:
        foi = FoiRequest(campaign=campaign, force=force, status=Status.DRAFT)
        apply_deadlines(foi, cal=cals[force.law])
        new.append(foi)
    FoiRequest.objects.bulk_create(new)
    # bulk_create sets primary keys on PostgreSQL and SQLite 3.35+; fetch to be safe elsewhere.
    created = list(
        FoiRequest.objects.filter(campaign=campaign, force__in=forces).select_related("force")
    )
    RequestEvent.objects.bulk_create(
        RequestEvent(
            request=foi, kind=RequestEvent.Kind.CREATED, actor=actor, to_status=Status.DRAFT
        )
        for foi in created
    )
    return created


def _save_periods(campaign: Campaign, periods: Sequence[PeriodSpec]) -> None:
    existing = {p.label: p for p in campaign.periods.all()}
    wanted = {p.label for p in periods}
    for label, period in existing.items():
        if label not in wanted:
            try:
                period.delete()
            except ProtectedError:
                raise ServiceError(
                    f"Period {label} has figures recorded against it and cannot be removed.",
                    "periods",
                ) from None
    for position, spec in enumerate(periods):
        period = existing.get(spec.label) or Period(campaign=campaign, label=spec.label)
        period.start, period.end, period.position = spec.start, spec.end, position
        period.save()


def _mark_drafts_sent(campaign: Campaign, sent_on: date, actor: AbstractBaseUser | None) -> int:
    cals = calendars()
    count = 0
    for foi in campaign.requests.filter(status=Status.DRAFT).select_related("force"):
        request_mark_sent(
            request_id=foi.pk,
            actor=actor,
            sent_on=sent_on,
            cal=cals[foi.force.law],
            note="Recorded as sent when the campaign was loaded.",
        )
        count += 1
    return count


@transaction.atomic
def campaign_create(
    *,
    actor: AbstractBaseUser | None,
    slug: str,
    title: str,
    request_text: str,
    forces: Sequence[Force],
    periods: Sequence[PeriodSpec],
    owner: AbstractBaseUser | None = None,
    notes: str = "",
    force_list: ForceList | None = None,
    sent_on: date | None = None,
    **settings: Any,
) -> Campaign:
    """Create a campaign with one draft request per force (all sent on `sent_on` when given).

    `actor` (recorded on the events) is None when a campaign file is loaded without a user;
    `settings` are Campaign fields such as chase_forces, rounding_rule, suppressed_lower/upper.
    """
    if not title.strip():
        raise ServiceError("The title is empty.", "title")
    if not forces:
        raise ServiceError("Choose at least one force.", "forces")
    _check_text(request_text)
    _check_periods(periods)
    _check_settings(settings)
    problem = campaign_slug_problem(slug)
    if problem:
        raise ServiceError(problem, "slug")
    try:
        with transaction.atomic():
            campaign = Campaign.objects.create(
                slug=slug,
                title=title.strip(),
                request_text=request_text,
                owner=owner,
                notes=notes,
                force_list=force_list,
                **settings,
            )
    except IntegrityError:
        # Taken by a concurrent create between the check above and this insert.
        raise ServiceError(f"A campaign with the slug '{slug}' already exists.", "slug") from None
    _save_periods(campaign, periods)
    _create_requests(campaign, list(dict.fromkeys(forces)), actor)
    if sent_on:
        _mark_drafts_sent(campaign, sent_on, actor)
    # Its settings, periods and requests are all in its totals, its requests in the
    # dashboard's counts: after every change above (issue 28).
    campaigns_data_changed(campaign_ids=[campaign.pk])
    return campaign


@transaction.atomic
def campaign_update(
    *,
    campaign_id: int,
    actor: AbstractBaseUser | None,
    title: str | None = None,
    request_text: str | None = None,
    forces: Sequence[Force] | None = None,
    periods: Sequence[PeriodSpec] | None = None,
    notes: str | None = None,
    owner: AbstractBaseUser | None | EllipsisType = ...,
    force_list: ForceList | None | EllipsisType = ...,
    sent_on: date | None = None,
    **settings: Any,
) -> Campaign:
    """Change a campaign. Forces added get a draft request; only draft requests can be dropped.

    None leaves a field as it is, except owner and force_list where None clears it and the
    default (...) leaves it.
    """
    campaign = Campaign.objects.select_for_update().get(pk=campaign_id)
    if title is not None:
        if not title.strip():
            raise ServiceError("The title is empty.", "title")
        campaign.title = title.strip()
    if request_text is not None:
        _check_text(request_text)
        campaign.request_text = request_text
    if notes is not None:
        campaign.notes = notes
    if owner is not ...:
        campaign.owner = owner
    if force_list is not ...:
        campaign.force_list = force_list
    # Check against the stored values: changing one bound alone must not compare it with defaults.
    _check_settings(
        {
            "suppressed_lower": campaign.suppressed_lower,
            "suppressed_upper": campaign.suppressed_upper,
            **settings,
        }
    )
    for field, value in settings.items():
        setattr(campaign, field, value)
    campaign.save()
    if periods is not None:
        _check_periods(periods)
        _save_periods(campaign, periods)
    if forces is not None:
        if not forces:
            raise ServiceError("Choose at least one force.", "forces")
        current = {foi.force_id: foi for foi in campaign.requests.select_related("force")}
        wanted = {f.pk: f for f in forces}
        dropped = [foi for force_id, foi in current.items() if force_id not in wanted]
        not_draft = sorted(foi.force.name for foi in dropped if foi.status != Status.DRAFT)
        if not_draft:
            raise ServiceError(
                "Only requests not yet sent can be removed; already sent: " + ", ".join(not_draft),
                "forces",
            )
        FoiRequest.objects.filter(pk__in=[foi.pk for foi in dropped]).delete()
        _create_requests(campaign, [f for pk, f in wanted.items() if pk not in current], actor)
    if sent_on:
        _mark_drafts_sent(campaign, sent_on, actor)
    # Its settings, periods and requests are all in its totals, its requests in the
    # dashboard's counts: after every change above (issue 28).
    campaigns_data_changed(campaign_ids=[campaign.pk])
    return campaign


@transaction.atomic
def force_list_save(
    *,
    actor: AbstractBaseUser,
    name: str,
    forces: Sequence[Force],
    list_id: int | None = None,
    kind: str = "",
    nation: str = "",
) -> ForceList:
    """Create a list owned by `actor`, or (list_id) change one; built-in lists cannot change.
    With a `kind` the list is computed (every active body of the kind, and `nation` if given)
    and keeps no ticked bodies."""
    if not name.strip():
        raise ServiceError("The list needs a name.", "name")
    if nation and not kind:
        raise ServiceError("Choose a kind of body to go with the nation.", "kind")
    if not forces and not kind:
        raise ServiceError("Choose at least one body, or a kind of body.", "forces")
    if list_id:
        force_list = ForceList.objects.get(pk=list_id)
        if force_list.builtin:
            raise ServiceError("Built-in lists cannot be changed; save a copy instead.", "name")
    else:
        force_list = ForceList(owner=actor)
    force_list.name = name.strip()
    force_list.slug = slugify(name)[:80] or "list"
    force_list.kind, force_list.nation = kind, nation
    if ForceList.objects.exclude(pk=force_list.pk).filter(slug=force_list.slug).exists():
        raise ServiceError(f"A list called '{name}' already exists.", "name")
    force_list.save()
    force_list.forces.set([] if kind else forces)
    return force_list
