"""Releases into output: the frozen payload of one metric (built once, from the same Totals and
totals_json as the totals page and API), and everything shown from a frozen payload: press
lines, the national context sentence, regional totals, the downloads' rows, charts and the
methodology's sanitised HTML.

The payload is built from approved figures when a version is published and never recomputed;
everything after that reads only the payload, so what a release shows cannot move.
"""

from __future__ import annotations

from collections.abc import Iterator

import nh3
from django.utils.safestring import SafeString, mark_safe

from figures_app import charts
from figures_app.presentation import fmt_pct, round_by_rule, rule_words
from figures_app.selectors.headline import change_pct
from figures_app.selectors.totals import Totals
from figures_app.totals_output import totals_json
from requests_app.text import plural

ONS_REGIONS = "ONS police regions"
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
) -> dict:
    """One metric of a release: the totals API's fields for the periods chosen (periods,
    changes between two chosen periods, breakdown, headlines), plus each force with its values,
    rank, caveats and press line, and the regional totals of every grouping.

    `groupings`: grouping name -> {force id: area}; the ONS police regions come first."""
    api = totals_json(totals)
    chosen = set(period_labels)
    periods = [p for p in totals.periods if p.label in chosen]
    labels = [p.label for p in periods]
    dropped = [p.label for p in totals.periods if p.label not in chosen]
    noun = totals.metric.label[:1].lower() + totals.metric.label[1:]
    forces = []
    for row in totals.forces:
        force = row.foi.force
        cells = {p.label: row.cells.get(p.pk) for p in periods}
        forces.append(
            {
                "force": force.name,
                "short_name": force.short_name,
                "force_code": force_code(force),
                "ons_code": force.ons_code or None,
                "region": force.region,
                "areas": {name: areas.get(force.pk, NO_AREA) for name, areas in groupings.items()},
                "values": {label: cell.value if cell else None for label, cell in cells.items()},
                "upper": {
                    label: cell.upper if cell and cell.suppressed_cells else None
                    for label, cell in cells.items()
                },
                "suppressed_cells": {
                    label: cell.suppressed_cells if cell else 0 for label, cell in cells.items()
                },
                "reasons": {
                    p.label: public_reason(row.reasons[p.pk])
                    for p in periods
                    if p.pk in row.reasons
                },
                "change_pct": _force_change(cells, labels),
                "caveats": list(caveats.get(force_code(force), [])),
            }
        )
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
    payload["regions"] = regions(payload, list(groupings))
    return payload


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


# --- words from a frozen payload ---------------------------------------------------------------


def _amount(force: dict, label: str) -> str | None:
    """'361', 'between 12 and 15', 'fewer than 5' (one suppressed cell, nothing exact), or None
    when the force gave no number for the period."""
    value = force["values"].get(label)
    cells = force["suppressed_cells"].get(label, 0)
    upper = force["upper"].get(label)
    if not cells:
        return None if value is None else f"{value:,}"
    if value is None:
        return f"fewer than {upper + 1:,}" if cells == 1 else f"up to {upper:,}"
    return f"between {value:,} and {upper:,}"


def _pct_words(pct: float, rule: str) -> str:
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
    now = _amount(force, latest)
    why_now = force["reasons"].get(latest, "no figure")
    if len(labels) == 1:
        if now is None:
            return f"{name} gave no figure for {latest} ({why_now})."
        return f"{name} recorded {now} {noun} in {latest}."
    before_label = labels[-2]
    before = _amount(force, before_label)
    why_before = force["reasons"].get(before_label, "no figure")
    if now is None and before is None:
        return f"{name} gave no figure for {latest} ({why_now}) or {before_label} ({why_before})."
    if now is None:
        return (
            f"{name} gave no figure for {latest} ({why_now}); it recorded {before} {noun} in "
            f"{before_label}."
        )
    if before is None:
        return (
            f"{name} recorded {now} {noun} in {latest}; it gave no figure for {before_label} "
            f"({why_before}), so there is no change to give."
        )
    if force["suppressed_cells"].get(latest) or force["suppressed_cells"].get(before_label):
        return (
            f"{name} recorded {now} {noun} in {latest}, against {before} in {before_label} "
            "(small numbers were withheld, so no percentage change is given)."
        )
    new, old = force["values"][latest], force["values"][before_label]
    if new == old:
        return f"{name} recorded {now} {noun} in {latest}, the same number as in {before_label}."
    direction = "up" if new > old else "down"
    sentence = (
        f"{name} recorded {now} {noun} in {latest}, {direction} from {before} in {before_label}"
    )
    if old == 0:
        return sentence + "."
    pct = (new - old) / old * 100
    if round_by_rule(abs(pct), rule) == 0:
        return sentence + ", a change of less than 1%."
    return sentence + f", a {'rise' if new > old else 'fall'} of {_pct_words(pct, rule)}."


def national_context(force: dict, metric: dict, rule: str) -> str:
    """The national picture beside a force's line: the latest total with its coverage, the
    change on the previous period, and the force's rank."""
    periods = [p for p in metric["periods"] if p["forces_reporting"]]
    if not periods:
        return metric["message"]
    latest = periods[-1]
    sentence = (
        f"Nationally, police recorded {latest['total']:,} {metric['noun']} in "
        f"{latest['period']}, from {latest['forces_reporting']} of "
        f"{plural(metric['forces_asked'], 'force')} asked"
    )
    change = next((c for c in metric["changes"] if c["to"] == latest["period"]), None)
    if change and change["change_pct"] is not None:
        before = next(p for p in metric["periods"] if p["period"] == change["from"])
        direction = "up" if change["change_pct"] > 0 else "down"
        sentence += (
            f", {direction} {_pct_words(change['change_pct'], rule)} from {before['total']:,} "
            f"({before['forces_reporting']} forces) in {before['period']}"
        )
    sentence += "."
    if force.get("rank"):
        ranked = sum(1 for f in metric["forces"] if f.get("rank"))
        sentence += (
            f" {force['force']} ranked {ordinal(force['rank'])} of the {ranked} forces with an "
            f"exact figure for {latest['period']}."
        )
    return sentence


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def regions(metric: dict, grouping_names: list[str]) -> list[dict]:
    """Regional totals of every grouping, each area stating its own coverage."""
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
                area_periods.append(
                    {
                        "period": label,
                        "total": total if reporting else None,
                        "total_upper": upper if reporting else None,
                        "suppressed_cells": sum(
                            f["suppressed_cells"].get(label, 0) for f in members
                        ),
                        "forces_reporting": len(reporting),
                        "coverage": f"from {len(reporting)} of "
                        f"{plural(len(members), 'force')} asked",
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


# --- pages and downloads from a frozen payload -------------------------------------------------


def methodology_html(markdown: str) -> SafeString:
    """The methodology note: markdown rendered, then sanitised (no script, style, images or
    event handlers: nh3 keeps only safe tags and attributes)."""
    from markdown_it import MarkdownIt

    html = MarkdownIt("commonmark", {"html": False}).render(markdown or "")
    return mark_safe(nh3.clean(html, tags={*nh3.ALLOWED_TAGS} - {"img"}))  # noqa: S308


def force_in(payload: dict, code: str) -> list[tuple[dict, dict]]:
    """(metric, force) for the force with this code in each metric of the release."""
    return [(m, f) for m in payload["metrics"] for f in m["forces"] if f["force_code"] == code]


def page_metric(metric: dict, rule: str) -> dict:
    """What the release page shows of one metric, rounded by the campaign's rule beside the
    exact values."""
    labels = [p["period"] for p in metric["periods"]]
    per_day = {
        p["period"]: round_by_rule(p["per_day"], rule, 1) if p["forces_reporting"] else None
        for p in metric["periods"]
    }
    dimensions: dict[str, dict] = {}
    for b in metric["breakdown"]:
        table = dimensions.setdefault(
            b["dimension"], {"label": b["dimension_label"], "slug": b["dimension"], "rows": {}}
        )
        table["rows"].setdefault(b["category_label"], {})[b["period"]] = b
    breakdowns = [
        {
            "label": t["label"],
            "slug": t["slug"],
            "rows": [
                {"category": cat, "cells": [cells.get(label) for label in labels]}
                for cat, cells in t["rows"].items()
            ],
        }
        for t in dimensions.values()
    ]
    return {
        "m": metric,
        "labels": labels,
        "period_rows": [{"p": p, "per_day": per_day[p["period"]]} for p in metric["periods"]],
        "change_rows": [
            {
                "c": c,
                "pct": fmt_pct(c["change_pct"], rule),
                "lfl_pct": fmt_pct(c["like_for_like"]["change_pct"], rule),
            }
            for c in metric["changes"]
        ],
        "force_rows": [
            {
                "f": f,
                "cells": [
                    {
                        "amount": _amount(f, label),
                        "reason": f["reasons"].get(label, ""),
                    }
                    for label in labels
                ],
                "change": fmt_pct(f["change_pct"], rule),
            }
            for f in metric["forces"]
        ],
        "breakdowns": breakdowns,
        "charts": [{**c, "svg": chart_svg(c)} for c in chart_specs(metric)],
        "caveated": [f for f in metric["forces"] if f["caveats"]],
    }


def chart_specs(metric: dict) -> list[dict]:
    """The charts of one metric, as data (the SVG and the PNG are drawn from the same spec).
    A force with caveats is marked * in the chart, and its caveats are listed under it."""
    labels = [p["period"] for p in metric["periods"]]
    specs = []
    if labels:
        latest = labels[-1]
        ranked = sorted(
            (f for f in metric["forces"] if f["values"].get(latest) is not None),
            key=lambda f: (-f["values"][latest], f["force"]),
        )
        if ranked:
            specs.append(
                {
                    "name": "forces",
                    "kind": "hbar",
                    "title": f"{metric['label']}, {latest}, by force",
                    "items": [
                        (f["short_name"] + (" *" if f["caveats"] else ""), f["values"][latest])
                        for f in ranked
                    ],
                    "footnote": "* caveats apply (see the table)"
                    if any(f["caveats"] for f in ranked)
                    else "",
                }
            )
    reporting = [p for p in metric["periods"] if p["forces_reporting"]]
    if reporting:
        specs.append(
            {
                "name": "periods",
                "kind": "columns",
                "title": f"{metric['label']} by period",
                "groups": [p["period"] for p in metric["periods"]],
                "series": [
                    ("Total (reported)", [p["total"] for p in metric["periods"]]),
                    ("Upper bound", [p["total_upper"] for p in metric["periods"]]),
                ],
                "footnote": "",
            }
        )
    dims: dict[str, list[dict]] = {}
    for b in metric["breakdown"]:
        if not b["unknown"]:
            dims.setdefault(b["dimension"], []).append(b)
    for dim, entries in dims.items():
        cats = list(dict.fromkeys(b["category_label"] for b in entries))
        cell = {(b["category_label"], b["period"]): b["total"] for b in entries}
        specs.append(
            {
                "name": f"breakdown-{dim}",
                "kind": "columns",
                "title": f"{metric['label']} by {entries[0]['dimension_label'].lower()}, "
                "where recorded",
                "groups": cats,
                "series": [(label, [cell.get((c, label), 0) for c in cats]) for label in labels],
                "footnote": "",
            }
        )
    return specs


def chart_svg(spec: dict) -> SafeString:
    if spec["kind"] == "hbar":
        return charts.hbar(spec["title"], spec["items"])
    return charts.grouped_columns(spec["title"], spec["groups"], spec["series"])


def find_chart(payload: dict, metric_slug: str, name: str) -> dict | None:
    for metric in payload["metrics"]:
        if metric["metric"] == metric_slug:
            return next((c for c in chart_specs(metric) if c["name"] == name), None)
    return None


DOWNLOAD_COLUMNS = [
    "table",
    "metric",
    "period",
    "name",
    "code",
    "grouping",
    "value",
    "value_upper",
    "suppressed_cells",
    "forces_reporting",
    "forces_asked",
    "per_day",
    "change_pct",
    "like_for_like_forces",
    "like_for_like_change_pct",
    "rank",
    "text",
]


def _row(**cells) -> list:
    return [cells.get(column) for column in DOWNLOAD_COLUMNS]


def download_rows(payload: dict) -> Iterator[list]:
    """Everything the release page shows, one table: the header, then rows by `table`
    (release, changelog, headline, period, change, force, press_line, breakdown, region,
    answering, methodology). Numbers are unrounded; caveats stay on their force's rows."""
    yield DOWNLOAD_COLUMNS
    yield _row(
        table="release",
        name=payload["title"],
        code=payload["slug"],
        text=f"version {payload['version']}, published {payload['published_at']}",
    )
    for line in payload["changelog"]:
        yield _row(table="changelog", text=line)
    for metric in payload["metrics"]:
        slug = metric["metric"]
        for headline in metric["headlines"]:
            yield _row(table="headline", metric=slug, text=headline)
        for p in metric["periods"]:
            some = bool(p["forces_reporting"])
            yield _row(
                table="period",
                metric=slug,
                period=p["period"],
                value=p["total"] if some else None,
                value_upper=p["total_upper"] if some else None,
                suppressed_cells=p["suppressed_cells"],
                forces_reporting=p["forces_reporting"],
                forces_asked=metric["forces_asked"],
                per_day=p["per_day"] if some else None,
                text=p.get("message", ""),
            )
        for c in metric["changes"]:
            lfl = c["like_for_like"]
            yield _row(
                table="change",
                metric=slug,
                period=f"{c['from']} to {c['to']}",
                change_pct=c["change_pct"],
                like_for_like_forces=lfl["forces"],
                like_for_like_change_pct=lfl["change_pct"],
            )
        for f in metric["forces"]:
            for label in [p["period"] for p in metric["periods"]]:
                yield _row(
                    table="force",
                    metric=slug,
                    period=label,
                    name=f["force"],
                    code=f["force_code"],
                    grouping=f["region"],
                    value=f["values"].get(label),
                    value_upper=f["upper"].get(label),
                    suppressed_cells=f["suppressed_cells"].get(label),
                    change_pct=f["change_pct"]
                    if label == metric["periods"][-1]["period"]
                    else None,
                    rank=f["rank"] if label == metric["periods"][-1]["period"] else None,
                    text="; ".join(
                        [r for r in [f["reasons"].get(label, "")] if r]
                        + [f"caveat: {c}" for c in f["caveats"]]
                    ),
                )
            yield _row(
                table="press_line",
                metric=slug,
                name=f["force"],
                code=f["force_code"],
                text=f["press_line"],
            )
        for b in metric["breakdown"]:
            yield _row(
                table="breakdown",
                metric=slug,
                period=b["period"],
                name=f"{b['dimension_label']}: {b['category_label']}",
                code=b["category"],
                value=b["total"],
                value_upper=b["total_upper"],
                suppressed_cells=b["suppressed_cells"],
            )
        for grouping in metric["regions"]:
            for area in grouping["areas"]:
                for p in area["periods"]:
                    yield _row(
                        table="region",
                        metric=slug,
                        period=p["period"],
                        name=area["area"],
                        grouping=grouping["grouping"],
                        value=p["total"],
                        value_upper=p["total_upper"],
                        suppressed_cells=p["suppressed_cells"],
                        forces_reporting=p["forces_reporting"],
                        forces_asked=area["forces_asked"],
                        text=p["coverage"],
                    )
    answering = payload.get("answering")
    if answering:
        for a in answering["forces"]:
            yield _row(
                table="answering",
                name=a["force_name"],
                code=a["force_code"],
                value=a["working_days"],
                rank=a["rank"],
                text=answering_words(a),
            )
    if payload["methodology"]:
        yield _row(table="methodology", text=payload["methodology"])


def download_sheets(payload: dict) -> dict[str, list[list]]:
    """The same rows, one XLSX sheet per table (each with the header)."""
    rows = download_rows(payload)
    header = next(rows)
    sheets: dict[str, list[list]] = {}
    for row in rows:
        sheets.setdefault(row[0], [header]).append(row)
    return sheets


def answering_words(answer: dict) -> str:
    """'answered, 14 working days, on time', 'refused, 3 working days late', 'awaiting'."""
    parts = [answer["outcome"]]
    if answer["working_days"] is not None:
        parts.append(plural(answer["working_days"], "working day"))
    if answer["on_time"] is True:
        parts.append("on time")
    elif answer["late_by"]:
        parts.append(f"{plural(answer['late_by'], 'working day')} late")
    if answer["internal_review"]:
        parts.append(f"internal review: {answer['internal_review']}")
    return ", ".join(parts)


def rule_sentence(rule: str) -> str:
    return f"Percentages are {rule_words(rule)} (the campaign's rule); exact values are in the downloads."
