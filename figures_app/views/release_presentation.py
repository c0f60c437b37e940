"""Everything shown from a release's frozen payload (figures_app/selectors/release_data.py):
the national context sentence, the release page's tables, the downloads' rows, the charts (as
specs, drawn as SVG here and as PNG by release_png.py) and the methodology's sanitised HTML.
These read only the payload, never live figures.
"""

from __future__ import annotations

from collections.abc import Iterator

import nh3
from django.utils.safestring import SafeString, mark_safe

from figures_app import charts
from figures_app.bound_words import bounds_text
from figures_app.columns import named_row
from figures_app.presentation import fmt_pct, rate, rule_words
from figures_app.selectors.release_data import amount_words, pct_words, release_nouns
from requests_app.body_words import POLICE_NOUNS, BodyNouns
from requests_app.text import plural


def national_context(force: dict, metric: dict, rule: str, nouns: BodyNouns = POLICE_NOUNS) -> str:
    """The national picture beside a force's line: the latest total with its coverage, the
    change on the previous period, and the force's rank. Worded by the release's nouns
    (release_data.release_nouns): "Nationally, police recorded..." for police forces,
    "Altogether, 2,270 children in 2024/25, recorded by 20 of 22 Welsh councils asked"."""
    periods = [p for p in metric["periods"] if p["forces_reporting"]]
    if not periods:
        return metric["message"]
    latest = periods[-1]
    sentence = (
        f"Nationally, police recorded {latest['total']:,} {metric['noun']} in "
        f"{latest['period']}, from {latest['forces_reporting']} of "
        f"{plural(metric['forces_asked'], 'force')} asked"
        if nouns.police
        else f"Altogether, {latest['total']:,} {metric['noun']} in {latest['period']}, "
        f"recorded by {latest['forces_reporting']} of "
        f"{nouns.count_qualified(metric['forces_asked'])} asked"
    )
    change = next((c for c in metric["changes"] if c["to"] == latest["period"]), None)
    if change and change["change_pct"] is not None:
        before = next(p for p in metric["periods"] if p["period"] == change["from"])
        direction = "up" if change["change_pct"] > 0 else "down"
        sentence += (
            f", {direction} {pct_words(change['change_pct'], rule)} from {before['total']:,} "
            f"({_bodies(before['forces_reporting'], nouns)}) in {before['period']}"
        )
    sentence += "."
    if force.get("rank"):
        ranked = sum(1 for f in metric["forces"] if f.get("rank"))
        sentence += (
            f" {force['force']} ranked {ordinal(force['rank'])} of the "
            f"{_bodies(ranked, nouns)} with an exact figure for {latest['period']}."
        )
    return sentence


def _bodies(n: int, nouns: BodyNouns) -> str:
    # Police releases keep the words they were published with ("1 forces" included).
    return f"{n} forces" if nouns.police else nouns.count(n)


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def methodology_html(markdown: str) -> SafeString:
    """The methodology note: markdown rendered, then sanitised (no script, style, images or
    event handlers: nh3 keeps only safe tags and attributes)."""
    from markdown_it import MarkdownIt

    html = MarkdownIt("commonmark", {"html": False}).render(markdown or "")
    return mark_safe(nh3.clean(html, tags={*nh3.ALLOWED_TAGS} - {"img"}))  # noqa: S308


def force_in(payload: dict, code: str) -> list[tuple[dict, dict]]:
    """(metric, force) for the force with this code in each metric of the release."""
    return [(m, f) for m in payload["metrics"] for f in m["forces"] if f["force_code"] == code]


def page_metric(metric: dict, rule: str, nouns: BodyNouns = POLICE_NOUNS) -> dict:
    """What the release page shows of one metric, rounded by the campaign's rule beside the
    exact values."""
    labels = [p["period"] for p in metric["periods"]]
    per_day = {
        p["period"]: rate(p["per_day"], rule) if p["forces_reporting"] else None
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
        "period_rows": [
            # Releases frozen before issue 27 have no "no_rate".
            {"p": p, "per_day": per_day[p["period"]], "no_rate": p.get("no_rate", "")}
            for p in metric["periods"]
        ],
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
                        "label": label,
                        "amount": amount_words(f, label, write=bounds_text),
                        "reason": f["reasons"].get(label, ""),
                    }
                    for label in labels
                ],
                "change": fmt_pct(f["change_pct"], rule),
            }
            for f in metric["forces"]
        ],
        "breakdowns": breakdowns,
        "charts": [{**c, "svg": chart_svg(c)} for c in chart_specs(metric, nouns)],
        "caveated": [f for f in metric["forces"] if f["caveats"]],
    }


def chart_specs(metric: dict, nouns: BodyNouns = POLICE_NOUNS) -> list[dict]:
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
                    "title": f"{metric['label']}, {latest}, by {nouns.singular}",
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
    nouns = release_nouns(payload)
    for metric in payload["metrics"]:
        if metric["metric"] == metric_slug:
            return next((c for c in chart_specs(metric, nouns) if c["name"] == name), None)
    return None


DOWNLOAD_COLUMNS = [
    "table",
    "metric",
    "period",
    "name",
    "code",
    "grouping",
    "value",
    "value_lower",
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
    return named_row(DOWNLOAD_COLUMNS, cells)


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
                value_lower=p.get("total_lower") if some else None,
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
                    value_lower=f.get("lower", {}).get(label),
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
                value_lower=b.get("total_lower"),
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
                        value_lower=p.get("total_lower"),
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


_ACTS = {"foia": "FOIA 2000", "foisa": "FOISA 2002"}


def footer_sentence(payload: dict) -> str:
    """Whose figures these are and under which law: 'Police recorded figures...' for a police
    release (and one frozen before issue 30); otherwise the bodies asked and their laws."""
    nouns = release_nouns(payload)
    if nouns.police:
        return "Police recorded figures obtained under FOIA 2000 and FOISA 2002."
    laws = payload["bodies"].get("laws") or list(_ACTS)
    acts = " and ".join(_ACTS.get(law, law) for law in laws)
    who = f"{nouns.adjective} {nouns.plural}" if nouns.adjective else nouns.plural
    return f"Figures as recorded by the {who} asked, obtained under {acts}."


def rule_sentence(rule: str) -> str:
    return f"Percentages are {rule_words(rule)} (the campaign's rule); exact values are in the downloads."
