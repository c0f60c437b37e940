"""A release's data: the frozen payload of one metric, built once when a version is published,
from the same Totals and totals_json as the totals page and API, with the words frozen into it
(each force's press line, the headlines in the release's words) and the regional totals.

Everything shown from a frozen payload (pages, downloads, charts) is
figures_app/views/release_presentation.py's, and reads only the payload, so what a release shows
cannot move.
"""

from __future__ import annotations

from collections.abc import Callable

from figures_app.bound_words import between_words
from figures_app.metric_words import counted_noun, singular_noun
from figures_app.presentation import round_by_rule
from figures_app.selectors.headline import change_pct
from figures_app.selectors.totals import ForceRow, Totals
from figures_app.totals_output import totals_json
from requests_app.body_words import POLICE_NOUNS, BodyNouns
from requests_app.models import Period

ONS_REGIONS = "ONS police regions"
# Other bodies' regions are what the registry holds for them (a body list's nation by default).
REGIONS = "Nations and regions"
NO_AREA = "Not in an area"


# Reasons that name a state inside the organisation (a reviewer has not approved yet, a figure
# went back for correction, nobody has typed it in) read on a public page as one plain fact.
_INTERNAL_REASONS = {
    "figures awaiting review",
    "figures sent back for correction",
    "figures not yet entered",
}
NOT_IN_RELEASE = "received, not yet checked for this release"


def public_reason(reason: str) -> str:
    """A totals reason as a release shows it: the force's own answer is said as it is (not held,
    refused under s.12, no reply), the organisation's workflow is not."""
    return NOT_IN_RELEASE if reason in _INTERNAL_REASONS else reason


def _public_headline(headline: str) -> str:
    """A headline's list of forces missing ("Kent Police (figures awaiting review)") in the
    release's words."""
    for reason in _INTERNAL_REASONS:
        headline = headline.replace(f"({reason})", f"({NOT_IN_RELEASE})")
    return headline


_NOUN_FIELDS = ("singular", "plural", "adjective", "police")


def bodies_entry(nouns: BodyNouns, laws: set[str]) -> dict:
    """What the release's bodies are called and the laws they answered under, frozen with it
    (issue 30): its pages, press lines and downloads word a council campaign by these, as the
    totals page does."""
    return {field: getattr(nouns, field) for field in _NOUN_FIELDS} | {"laws": sorted(laws)}


def release_nouns(payload: dict) -> BodyNouns:
    """The nouns a release was frozen with; a release frozen before issue 30 asked police
    forces only, and reads as it always has."""
    bodies = payload.get("bodies")
    if not bodies:
        return POLICE_NOUNS
    return BodyNouns(**{field: bodies[field] for field in _NOUN_FIELDS})


def standard_grouping(nouns: BodyNouns) -> str:
    """The grouping every release totals by: the ONS police regions, or the bodies' regions."""
    return ONS_REGIONS if nouns.police else REGIONS


def force_code(force) -> str:
    """A force's code in release addresses: its ONS code, or its slug for the forces without one
    (British Transport Police, the MOD and Civil Nuclear police)."""
    return force.ons_code or force.slug


# --- building the payload (once, at publication) ----------------------------------------------


def metric_payload(
    totals: Totals,
    *,
    period_labels: list[str],
    caveats: dict[str, list[str]],
    groupings: dict[str, dict[int, str]],
    nouns: BodyNouns = POLICE_NOUNS,
) -> dict:
    """One metric of a release: the totals API's fields for the periods chosen (periods,
    changes between two chosen periods, breakdown, headlines), plus each force with its values,
    rank, caveats and press line, and the regional totals of every grouping.

    `groupings`: grouping name -> {force id: area}; the ONS police regions (or the bodies'
    regions) come first. `nouns`: what the bodies are called (the regions' coverage)."""
    api = totals_json(totals)
    chosen = set(period_labels)
    periods = [p for p in totals.periods if p.label in chosen]
    labels = [p.label for p in periods]
    dropped = [p.label for p in totals.periods if p.label not in chosen]
    noun = counted_noun(totals.metric.label)
    forces = [_force_entry(row, periods, caveats, groupings) for row in totals.forces]
    _rank(forces, labels[-1] if labels else None)
    payload = {
        "metric": api["metric"],
        "label": totals.metric.label,
        "noun": noun,
        "unit": totals.metric.unit,
        "definition": totals.metric.notes,
        "status": api["status"],
        "message": api["message"],
        "forces_asked": api["forces_asked"],
        "periods": [p for p in api["periods"] if p["period"] in chosen],
        "changes": [c for c in api["changes"] if c["from"] in chosen and c["to"] in chosen],
        "breakdown": [
            {
                **entry,
                "dimension_label": b.dimension.label,
                "category_label": b.category.label or b.category.value,
                "unknown": b.category.is_unknown,
                "suppressed_cells": b.suppressed_cells,
            }
            for entry, b in zip(api["breakdown"], totals.breakdown, strict=True)
            if entry["period"] in chosen
        ],
        # A headline about a period the release leaves out is left out with it.
        "headlines": [
            _public_headline(h)
            for h in api["headlines"]
            if not any(label in h for label in dropped)
        ],
        "forces": forces,
    }
    rule = totals.campaign.rounding_rule
    for force in forces:
        force["press_line"] = press_line(force, payload, rule)
    payload["regions"] = regions(payload, list(groupings), nouns)
    return payload


def _force_entry(
    row: ForceRow,
    periods: list[Period],
    caveats: dict[str, list[str]],
    groupings: dict[str, dict[int, str]],
) -> dict:
    """One force in a metric of the release: its values for the periods chosen, with bounds
    where cells were suppressed, why any is missing (in public words), change and caveats."""
    force = row.foi.force
    cells = {p.label: row.cells.get(p.pk) for p in periods}
    return {
        "force": force.name,
        "short_name": force.short_name,
        "force_code": force_code(force),
        "ons_code": force.ons_code or None,
        "kind": force.kind,
        "nation": force.country,
        "region": force.region,
        "areas": {name: areas.get(force.pk, NO_AREA) for name, areas in groupings.items()},
        "values": {label: cell.value if cell else None for label, cell in cells.items()},
        "upper": {
            label: cell.upper if cell and cell.suppressed_cells else None
            for label, cell in cells.items()
        },
        # By the campaign's rule (figures_app/bound_words.py); releases frozen before issue 27
        # have no "lower".
        "lower": {
            label: cell.lower if cell and cell.suppressed_cells else None
            for label, cell in cells.items()
        },
        "suppressed_cells": {
            label: cell.suppressed_cells if cell else 0 for label, cell in cells.items()
        },
        "reasons": {
            p.label: public_reason(row.reasons[p.pk]) for p in periods if p.pk in row.reasons
        },
        "change_pct": _force_change(cells, [p.label for p in periods]),
        "caveats": list(caveats.get(force_code(force), [])),
    }


def _force_change(cells: dict, labels: list[str]) -> float | None:
    """The change between the last two periods chosen, on exact figures only: a suppressed cell
    makes the value a range, and a range has no single percentage."""
    if len(labels) < 2:
        return None
    before, after = cells.get(labels[-2]), cells.get(labels[-1])
    if not before or not after or before.value is None or after.value is None:
        return None
    if before.suppressed_cells or after.suppressed_cells:
        return None
    return change_pct(before.value, after.value)


def _rank(forces: list[dict], latest: str | None) -> None:
    """Rank by the latest period's figure, largest first; ties share a rank (1, 2, 2, 4).
    Forces without an exact figure there are not ranked."""
    ranked = [
        f
        for f in forces
        if latest and f["values"].get(latest) is not None and not f["suppressed_cells"].get(latest)
    ]
    ranked.sort(key=lambda f: -f["values"][latest])
    previous, rank = None, 0
    for position, force in enumerate(ranked, start=1):
        if force["values"][latest] != previous:
            rank, previous = position, force["values"][latest]
        force["rank"] = rank
    for force in forces:
        force.setdefault("rank", None)


# --- words frozen into the payload ---------------------------------------------------------------


def amount_words(
    force: dict, label: str, *, write: Callable[[int, int], str] = between_words
) -> str | None:
    """'361', 'between 1 and 4', 'between 13 and 15' (bounds by the campaign's rule, written by
    `write`: words for a sentence, bounds_text for a table's cell), or None when the force gave
    no number for the period."""
    value = force["values"].get(label)
    cells = force["suppressed_cells"].get(label, 0)
    upper = force["upper"].get(label)
    if not cells:
        return None if value is None else f"{value:,}"
    lower = force.get("lower", {}).get(label)
    if lower is not None:
        return write(lower, upper)
    # Frozen before issue 27, when no lower bound was kept: the words it was published with.
    if value is None:
        return f"fewer than {upper + 1:,}" if cells == 1 else f"up to {upper:,}"
    return f"between {value:,} and {upper:,}"


def pct_words(pct: float, rule: str) -> str:
    return f"{round_by_rule(abs(pct), rule):,}%"


def press_line(force: dict, metric: dict, rule: str) -> str:
    """A ready-to-paste sentence for the force's local paper, e.g. "Kent Police recorded 361
    online child sex offences in 2016/17, up from 63 in 2015/16, a rise of 473%." Rounded by the
    campaign's rule; a suppressed cell gives a range and no percentage; a missing figure says
    why, never 0."""
    labels = [p["period"] for p in metric["periods"]]
    if not labels:
        return ""
    name, noun = force["force"], metric["noun"]
    latest = labels[-1]
    now = amount_words(force, latest)
    # "1 offence", not "1 offences" (the noun after the latest period's amount).
    noun_now = singular_noun(noun) if now == "1" else noun
    why_now = force["reasons"].get(latest, "no figure")
    if len(labels) == 1:
        if now is None:
            return f"{name} gave no figure for {latest} ({why_now})."
        return f"{name} recorded {now} {noun_now} in {latest}."
    before_label = labels[-2]
    before = amount_words(force, before_label)
    why_before = force["reasons"].get(before_label, "no figure")
    if now is None and before is None:
        return f"{name} gave no figure for {latest} ({why_now}) or {before_label} ({why_before})."
    if now is None:
        return (
            f"{name} gave no figure for {latest} ({why_now}); it recorded {before} "
            f"{singular_noun(noun) if before == '1' else noun} in "
            f"{before_label}."
        )
    if before is None:
        return (
            f"{name} recorded {now} {noun_now} in {latest}; it gave no figure for {before_label} "
            f"({why_before}), so there is no change to give."
        )
    if force["suppressed_cells"].get(latest) or force["suppressed_cells"].get(before_label):
        return (
            f"{name} recorded {now} {noun_now} in {latest}, against {before} in {before_label} "
            "(small numbers were withheld, so no percentage change is given)."
        )
    new, old = force["values"][latest], force["values"][before_label]
    if new == old:
        return (
            f"{name} recorded {now} {noun_now} in {latest}, the same number as in {before_label}."
        )
    direction = "up" if new > old else "down"
    sentence = (
        f"{name} recorded {now} {noun_now} in {latest}, {direction} from {before} in {before_label}"
    )
    if old == 0:
        return sentence + "."
    pct = (new - old) / old * 100
    if round_by_rule(abs(pct), rule) == 0:
        return sentence + ", a change of less than 1%."
    return sentence + f", a {'rise' if new > old else 'fall'} of {pct_words(pct, rule)}."


def regions(metric: dict, grouping_names: list[str], nouns: BodyNouns = POLICE_NOUNS) -> list[dict]:
    """Regional totals of every grouping, each area stating its own coverage ("from 3 of 5
    forces asked", "from 3 of 5 councils asked")."""
    labels = [p["period"] for p in metric["periods"]]
    out = []
    for grouping in grouping_names:
        areas: dict[str, list[dict]] = {}
        for force in metric["forces"]:
            areas.setdefault(force["areas"][grouping], []).append(force)
        rows = []
        for area in sorted(areas, key=lambda a: (a == NO_AREA, a)):
            members = areas[area]
            area_periods = []
            for label in labels:
                reporting = [
                    f
                    for f in members
                    if f["values"].get(label) is not None or f["suppressed_cells"].get(label)
                ]
                total = sum(f["values"].get(label) or 0 for f in reporting)
                upper = sum(
                    f["upper"][label] if f["upper"].get(label) is not None else f["values"][label]
                    for f in reporting
                )
                lower = sum(
                    f["lower"][label] if f["lower"].get(label) is not None else f["values"][label]
                    for f in reporting
                )
                area_periods.append(
                    {
                        "period": label,
                        "total": total if reporting else None,
                        "total_lower": lower if reporting else None,
                        "total_upper": upper if reporting else None,
                        "suppressed_cells": sum(
                            f["suppressed_cells"].get(label, 0) for f in members
                        ),
                        "forces_reporting": len(reporting),
                        "coverage": f"from {len(reporting)} of {nouns.count(len(members))} asked",
                    }
                )
            rows.append(
                {
                    "area": area,
                    "forces_asked": len(members),
                    "forces": [f["force"] for f in members],
                    "periods": area_periods,
                }
            )
        out.append({"grouping": grouping, "areas": rows})
    return out
