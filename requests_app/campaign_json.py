"""Reading a campaign definition from JSON (the `load_campaign` command; foi_tracker/campaign_json.py
adds the figures' "metrics" key and holds the transaction).

Everything is checked before anything is written; every error names the key (and the line of the
file where it can be found) so the person fixing the file knows where to look.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model

from requests_app.force_names import ForceNameError, ForceResolver
from requests_app.models import Campaign, Force, ForceList
from requests_app.models.forces import BodyKind, Country
from requests_app.periods import PeriodSpec
from requests_app.services.campaigns import campaign_create, campaign_slug_problem, campaign_update
from requests_app.services.errors import ServiceError
from requests_app.services.series import series_get_or_create, series_slug_problem

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser

CORE_KEYS = {
    "slug",
    "title",
    "request_text",
    "owner",
    "forces",
    "periods",
    "sent_on",
    "notes",
    "chase_forces",
    "chase_again_after",
    "rounding",
    "suppressed_bounds",
    "series",
    "bodies",
}
# "bodies" (issue 30) may stand in for "forces": any kind of public body.
REQUIRED_KEYS = {"slug", "title", "request_text", "forces", "periods"}
BUILTIN_LISTS = {"england-and-wales", "uk-territorial", "all"}


class CampaignJsonError(ValueError):
    pass


@dataclass
class CampaignDefinition:
    slug: str
    fields: dict[str, Any]
    forces: list[Force] | None
    force_list: ForceList | None
    periods: list[PeriodSpec] | None
    sent_on: date | None
    # The keys other apps read (the caller's extra_keys), as the file gives them, unchecked.
    extra: dict[str, Any] = field(default_factory=dict)
    series: str | None = None  # a series slug, created on first use


def _line_of(text: str, key: str) -> str:
    """' (line N)' where "key" first appears in the file, to point the reader at it."""
    match = re.search(rf'"{re.escape(key)}"\s*:', text)
    if not match:
        return ""
    return f" (line {text.count(chr(10), 0, match.start()) + 1})"


def _date(value: Any, where: str) -> date:
    if not isinstance(value, str):
        raise CampaignJsonError(f"{where}: expected a date as YYYY-MM-DD, got {value!r}.")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CampaignJsonError(f"{where}: '{value}' is not a valid date (YYYY-MM-DD).") from None


def key_error(text: str, key: str, message: str) -> CampaignJsonError:
    """An error about `key`, pointing at its line in the file."""
    return CampaignJsonError(f"'{key}'{_line_of(text, key)}: {message}")


def _json_object(text: str) -> dict:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CampaignJsonError(
            f"Not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})."
        ) from None
    if not isinstance(data, dict):
        raise CampaignJsonError("The file must hold one JSON object.")
    return data


def _check_keys(text: str, data: dict, *, allowed: set[str], update: bool) -> None:
    unknown = sorted(set(data) - allowed)
    if unknown:
        where = _line_of(text, unknown[0])
        raise CampaignJsonError(
            f"Unknown key '{unknown[0]}'{where}. Allowed keys: {', '.join(sorted(allowed))}."
        )
    if "forces" in data and "bodies" in data:
        raise key_error(text, "bodies", "give 'forces' or 'bodies', not both.")
    required = {"slug"} if update else REQUIRED_KEYS
    missing = sorted(required - set(data))
    if missing == ["forces"] and "bodies" in data:
        missing = []
    if missing:
        raise CampaignJsonError(f"Missing key '{missing[0]}'.")


def _texts(text: str, data: dict) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for key in ("title", "request_text", "notes"):
        if key in data:
            if not isinstance(data[key], str) or (key != "notes" and not data[key].strip()):
                raise key_error(text, key, "expected non-empty text.")
            fields[key] = data[key]
    if "owner" in data:
        owner = get_user_model().objects.filter(username=data["owner"]).first()
        if owner is None:
            raise key_error(text, "owner", f"no user called '{data['owner']}'.")
        fields["owner"] = owner
    return fields


def _chasing(text: str, data: dict) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    if "chase_forces" in data:
        if not isinstance(data["chase_forces"], bool):
            raise key_error(text, "chase_forces", "expected true or false.")
        fields["chase_forces"] = data["chase_forces"]
    if "chase_again_after" in data:
        value = data["chase_again_after"]
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise key_error(
                text, "chase_again_after", "expected a whole number of working days, 1 or more."
            )
        fields["chase_again_after"] = value
    return fields


def _whole_bounds(bounds: Any) -> bool:
    return (
        isinstance(bounds, list)
        and len(bounds) == 2
        and all(isinstance(b, int) and not isinstance(b, bool) for b in bounds)
        and 0 <= bounds[0] <= bounds[1]
    )


def _rounding(text: str, data: dict) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    if "rounding" in data:
        if data["rounding"] not in ("half_up", "down"):
            raise key_error(text, "rounding", "expected 'half_up' or 'down'.")
        fields["rounding_rule"] = data["rounding"]
    if "suppressed_bounds" in data:
        bounds = data["suppressed_bounds"]
        if not _whole_bounds(bounds):
            raise key_error(
                text, "suppressed_bounds", "expected [lower, upper] whole numbers, lower <= upper."
            )
        fields["suppressed_lower"], fields["suppressed_upper"] = bounds
    return fields


def _named_forces(text: str, value: list, key: str = "forces") -> list[Force]:
    # "forces" names police forces only, as it always has: a council called "Kent" cannot make
    # "Kent" ambiguous there. "bodies" names any body.
    registry = Force.objects.prefetch_related("aliases")
    if key == "forces":
        registry = registry.filter(kind=BodyKind.POLICE)
    resolver = ForceResolver(registry)
    forces: list[Force] = []
    for i, name in enumerate(value, start=1):
        if not isinstance(name, str):
            raise key_error(text, key, f"item {i}: expected a name, got {name!r}.")
        try:
            force = resolver.resolve(name)
        except ForceNameError as exc:
            raise key_error(text, key, f"item {i}: {exc}") from None
        if force in forces:
            raise key_error(text, key, f"item {i}: '{name}' names {force.name} a second time.")
        forces.append(force)
    return forces


def _bodies_by_kind(text: str, value: dict) -> tuple[list[Force], ForceList | None]:
    unknown = sorted(set(value) - {"kind", "nation"})
    if unknown or value.get("kind") not in BodyKind.values:
        raise key_error(
            text,
            "bodies",
            f'expected {{"kind": one of {", ".join(BodyKind.values)}, "nation": optional}}.',
        )
    nation = value.get("nation", "")
    if nation and nation not in Country.values:
        raise key_error(text, "bodies", f"nation: expected one of {', '.join(Country.values)}.")
    # The built-in list of that kind and nation, if there is one, so running the campaign again
    # asks the list as it stands then.
    force_list = ForceList.objects.filter(kind=value["kind"], nation=nation).first()
    bodies = force_list or ForceList(kind=value["kind"], nation=nation)
    found = list(bodies.members())
    if not found:
        raise key_error(text, "bodies", "no active body of that kind (and nation) is known.")
    return found, force_list


def _bodies(text: str, data: dict) -> tuple[list[Force] | None, ForceList | None]:
    """'bodies': {"kind": ..., "nation": ...}, a list of names, or a saved list's slug."""
    value = data["bodies"]
    if isinstance(value, dict):
        return _bodies_by_kind(text, value)
    if isinstance(value, str):
        force_list = ForceList.objects.filter(slug=value).first()
        if force_list is None:
            raise key_error(text, "bodies", f"no saved list with the slug '{value}'.")
        found = list(force_list.members())
        if not found:
            raise key_error(text, "bodies", f"the list '{value}' has no active body in it.")
        return found, force_list
    if isinstance(value, list) and value:
        return _named_forces(text, value, "bodies"), None
    raise key_error(
        text, "bodies", "expected a kind and nation, a saved list's slug or a list of names."
    )


def _forces(text: str, data: dict) -> tuple[list[Force] | None, ForceList | None]:
    if "bodies" in data:
        return _bodies(text, data)
    if "forces" not in data:
        return None, None
    value = data["forces"]
    if isinstance(value, str):
        if value not in BUILTIN_LISTS:
            raise key_error(
                text,
                "forces",
                f"'{value}' is not a list; use one of {sorted(BUILTIN_LISTS)} or a list of names.",
            )
        force_list = ForceList.objects.get(slug=value)
        return list(force_list.members()), force_list
    if isinstance(value, list) and value:
        return _named_forces(text, value), None
    raise key_error(text, "forces", "expected a list name or a non-empty list of force names.")


def _period(item: Any, where: str) -> PeriodSpec:
    if not isinstance(item, dict):
        raise CampaignJsonError(f"{where}: expected an object with label, start, end.")
    extra = sorted(set(item) - {"label", "start", "end"})
    if extra:
        raise CampaignJsonError(f"{where}: unknown key '{extra[0]}'.")
    for key in ("label", "start", "end"):
        if key not in item:
            raise CampaignJsonError(f"{where}: missing '{key}'.")
    if not isinstance(item["label"], str) or not item["label"].strip():
        raise CampaignJsonError(f"{where}: the label must be text.")
    start, end = _date(item["start"], f"{where} start"), _date(item["end"], f"{where} end")
    if end < start:
        raise CampaignJsonError(f"{where}: end {end} is before start {start}.")
    return PeriodSpec(item["label"].strip(), start, end)


def _periods(text: str, data: dict) -> list[PeriodSpec] | None:
    if "periods" not in data:
        return None
    value = data["periods"]
    if not isinstance(value, list) or not value:
        raise key_error(text, "periods", 'expected a non-empty list of {"label", "start", "end"}.')
    periods = [
        _period(item, f"'periods'{_line_of(text, 'periods')} item {i}")
        for i, item in enumerate(value, start=1)
    ]
    labels = [p.label for p in periods]
    duplicate = next((label for label in labels if labels.count(label) > 1), None)
    if duplicate:
        raise key_error(text, "periods", f"the label '{duplicate}' is used twice.")
    return periods


def _series(text: str, data: dict) -> str | None:
    if "series" not in data:
        return None
    problem = series_slug_problem(data["series"])
    if problem:
        raise key_error(text, "series", f"expected a series slug. {problem}")
    return data["series"]


def parse_campaign(
    text: str, *, update: bool = False, extra_keys: frozenset[str] = frozenset()
) -> CampaignDefinition:
    """The campaign in `text`, checked. `extra_keys` are allowed beside the campaign's own and
    returned unchecked in `extra`, for the caller to check (foi_tracker: "metrics")."""
    data = _json_object(text)
    _check_keys(text, data, allowed=CORE_KEYS | set(extra_keys), update=update)
    slug = data["slug"]
    # Whether the slug is taken decides create or update (load_campaign), so not checked here.
    problem = campaign_slug_problem(slug, new=False)
    if problem:
        raise key_error(text, "slug", problem)
    fields = _texts(text, data) | _chasing(text, data) | _rounding(text, data)
    forces, force_list = _forces(text, data)
    periods = _periods(text, data)
    sent_on = (
        _date(data["sent_on"], f"'sent_on'{_line_of(text, 'sent_on')}")
        if "sent_on" in data
        else None
    )
    return CampaignDefinition(
        slug=slug,
        fields=fields,
        forces=forces,
        force_list=force_list,
        periods=periods,
        sent_on=sent_on,
        extra={key: data[key] for key in extra_keys if key in data},
        series=_series(text, data),
    )


def _create(definition: CampaignDefinition, *, actor, update: bool) -> Campaign:
    missing = [k for k in ("title", "request_text") if k not in definition.fields]
    missing += [
        key
        for key, value in (("forces", definition.forces), ("periods", definition.periods))
        if value is None
    ]
    if missing and update:
        raise CampaignJsonError(
            f"No campaign with slug '{definition.slug}' to update; to create it, give "
            + ", ".join(sorted(REQUIRED_KEYS))
            + "."
        )
    if missing:
        raise CampaignJsonError(f"Missing key '{missing[0]}'.")
    return campaign_create(
        actor=actor,
        slug=definition.slug,
        forces=definition.forces,
        force_list=definition.force_list,
        periods=definition.periods,
        sent_on=definition.sent_on,
        **definition.fields,
    )


def _update(existing: Campaign, definition: CampaignDefinition, *, actor) -> Campaign:
    kwargs = dict(definition.fields)
    if definition.forces is not None:
        kwargs["forces"] = definition.forces
        kwargs["force_list"] = definition.force_list
    return campaign_update(
        campaign_id=existing.pk,
        actor=actor,
        periods=definition.periods,
        sent_on=definition.sent_on,
        **kwargs,
    )


def campaign_save_definition(
    definition: CampaignDefinition, *, actor: AbstractBaseUser | None = None, update: bool = False
) -> tuple[Campaign, bool]:
    """Create (or with update=True, update) the campaign. Returns (campaign, created). Call it
    inside a transaction (foi_tracker/campaign_json.py), so that an error writes nothing.

    `actor` is recorded on the events; None (no --user given) records none. A service's refusal
    is raised as CampaignJsonError, naming its field."""
    existing = Campaign.objects.filter(slug=definition.slug).first()
    if existing and not update:
        raise CampaignJsonError(
            f"A campaign with slug '{definition.slug}' already exists; use --update to change it."
        )
    try:
        if existing:
            campaign = _update(existing, definition, actor=actor)
        else:
            campaign = _create(definition, actor=actor, update=update)
        if definition.series is not None:
            series = series_get_or_create(
                slug=definition.series, title=definition.fields.get("title", "")
            )
            Campaign.objects.filter(pk=campaign.pk).update(series=series)
            campaign.series = series
    except ServiceError as exc:
        raise service_error(exc) from None
    return campaign, existing is None


def service_error(exc: ServiceError) -> CampaignJsonError:
    return CampaignJsonError(f"'{exc.field}': {exc}" if exc.field else str(exc))
