"""Totals into output: the totals page's tables and charts, the API's JSON, the CSV/XLSX rows
and the headlines all come from here, from one Totals (figures_app/selectors/totals.py), so the
page, the API and the exports cannot disagree. Wording and rounding live in presentation.py.
"""

from __future__ import annotations

from collections.abc import Iterator

from figures_app import charts
from figures_app.models import Metric
from figures_app.presentation import REPORTED, fmt_pct, round_by_rule, rule_words, total_status
from figures_app.presentation import headlines as headline_sentences
from figures_app.selectors.totals import Totals


def totals_json(totals: Totals, headlines: list[str] | None = None) -> dict:
    """The totals API's body (README, "Figures and totals"). Unrounded numbers.

    `status` ("reported", "awaiting_review", "no_figures") and `message`, for the metric and for
    each period, say when a total has nothing in it: its 0 then means "nothing counted yet",
    never "police recorded 0"."""
    periods = totals.periods
    if headlines is None:
        headlines = headline_sentences(totals)
    status, message = total_status(totals)
    return {
        "campaign": totals.campaign.slug,
        "metric": totals.metric.slug,
        "basis": totals.basis,
        "status": status,
        "message": message,
        "forces_asked": totals.forces_asked,
        "periods": [
            {
                "period": t.period.label,
                "total": t.total,
                "total_upper": t.total_upper,
                "suppressed_cells": t.suppressed_cells,
                "forces_reporting": t.forces_reporting,
                "per_day": t.per_day,
                **dict(zip(("status", "message"), total_status(totals, t.period), strict=True)),
            }
            for t in totals.period_totals
        ],
        "changes": [
            {
                "from": c.from_period.period.label,
                "to": c.to_period.period.label,
                "change_pct": c.change_pct,
                "like_for_like": {
                    "forces": c.like_for_like.forces,
                    "from_total": c.like_for_like.from_total,
                    "to_total": c.like_for_like.to_total,
                    "change_pct": c.like_for_like.change_pct,
                },
            }
            for c in totals.changes
        ],
        "forces": [
            {
                "force": row.foi.force.name,
                "force_code": row.foi.force.ons_code,
                "values": {p.label: row.value(p) for p in periods},
                "change_pct": row.change_pct,
            }
            for row in totals.forces
        ],
        "breakdown": [
            {
                "period": b.period.label,
                "dimension": b.dimension.slug,
                "category": b.category.value,
                "total": b.total,
                "total_upper": b.total_upper,
            }
            for b in totals.breakdown
        ],
        "headlines": headlines,
    }


# --- a request's figures -------------------------------------------------------------------


def totals_rows(totals: Totals) -> Iterator[list]:
    """The totals as a flat table (for CSV / the XLSX 'totals' sheet). Unrounded, numbers as
    numbers. A period no force reported in has its total, upper bound and per day left empty
    (not 0, which a spreadsheet would show and add up as a count) and says why in `message`."""
    yield [
        "section",
        "period",
        "force",
        "force_code",
        "dimension",
        "category",
        "total",
        "total_upper",
        "suppressed_cells",
        "forces_reporting",
        "forces_asked",
        "per_day",
        "change_pct",
        "like_for_like_forces",
        "like_for_like_from",
        "like_for_like_to",
        "like_for_like_change_pct",
        "basis",
        "message",
    ]
    basis = "approved only" if totals.basis == "approved" else "all, including not yet approved"
    for t in totals.period_totals:
        status, message = total_status(totals, t.period)
        some = status == REPORTED
        yield [
            "period",
            t.period.label,
            "",
            "",
            "",
            "",
            t.total if some else None,
            t.total_upper if some else None,
            t.suppressed_cells,
            t.forces_reporting,
            totals.forces_asked,
            t.per_day if some else None,
            "",
            "",
            "",
            "",
            "",
            basis,
            message,
        ]
    for c in totals.changes:
        lfl = c.like_for_like
        yield [
            "change",
            f"{c.from_period.period.label} to {c.to_period.period.label}",
            "",
            "",
            "",
            "",
            c.to_period.total if c.to_period.forces_reporting else None,
            "",
            "",
            "",
            "",
            "",
            c.change_pct,
            lfl.forces,
            lfl.from_total if lfl.forces else None,
            lfl.to_total if lfl.forces else None,
            lfl.change_pct,
            basis,
            "",
        ]
    for row in totals.forces:
        for p in totals.periods:
            yield [
                "force",
                p.label,
                row.foi.force.name,
                row.foi.force.ons_code,
                "",
                "",
                row.value(p),
                "",
                "",
                "",
                "",
                "",
                row.change_pct if p == totals.periods[-1] else "",
                "",
                "",
                "",
                "",
                basis,
                row.reasons.get(p.pk, ""),
            ]
    for b in totals.breakdown:
        yield [
            "breakdown",
            b.period.label,
            "",
            "",
            b.dimension.slug,
            b.category.value,
            b.total,
            b.total_upper,
            b.suppressed_cells,
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            basis,
            "",
        ]


def totals_sheet_rows(totals: Totals) -> list[list]:
    """The XLSX export's totals sheet for one metric: the table, then the headlines."""
    return (
        list(totals_rows(totals)) + [[], ["headlines"]] + [[h] for h in headline_sentences(totals)]
    )


def _breakdown_tables(totals: Totals, metric: Metric) -> list[dict]:
    tables = []
    dimensions = totals.dimensions if totals.dimensions is not None else metric.dimensions.all()
    for dim in dimensions:
        cats, seen = [], set()
        for b in totals.breakdown:
            if b.dimension.pk == dim.pk and b.category.pk not in seen:
                seen.add(b.category.pk)
                cats.append(b.category)
        cell = {
            (b.category.pk, b.period.pk): b for b in totals.breakdown if b.dimension.pk == dim.pk
        }
        rows = [
            {"category": c, "cells": [cell.get((c.pk, p.pk)) for p in totals.periods]} for c in cats
        ]
        # 'Unknown' stays in the table but not the chart, where it would dwarf the rest.
        known = [c for c in cats if not c.is_unknown]
        chart = (
            charts.grouped_columns(
                f"{metric.label} by {dim.label.lower()}, where recorded",
                [c.label or c.value for c in known],
                [
                    (
                        p.label,
                        [cell[(c.pk, p.pk)].total if (c.pk, p.pk) in cell else 0 for c in known],
                    )
                    for p in totals.periods
                ],
            )
            if known
            else ""
        )
        tables.append({"dimension": dim, "rows": rows, "chart": chart})
    return tables


def totals_page_context(totals: Totals) -> dict:
    """What the totals page shows of one metric: headlines, per-period and change tables (rounded
    by the campaign's rule, exact values beside), each force's row, breakdowns and charts."""
    metric, rule = totals.metric, totals.campaign.rounding_rule
    latest = totals.periods[-1] if totals.periods else None
    ranked = sorted(
        [r for r in totals.forces if latest and r.value(latest) is not None],
        key=lambda r: (-r.value(latest), r.foi.force.name),
    )
    force_rows = [
        {
            "name": r.foi.force.name,
            "code": r.foi.force.ons_code,
            "pk": r.foi.pk,
            "values": [(r.cells.get(p.pk), r.reasons.get(p.pk, "")) for p in totals.periods],
            "change": fmt_pct(r.change_pct, rule),
            "change_exact": r.change_pct,
        }
        for r in totals.forces
    ]
    status, message = total_status(totals)
    return {
        "totals": totals,
        "headlines": headline_sentences(totals),
        "rule_words": rule_words(rule),
        "status": status,
        "status_message": message,
        "period_rows": [
            {
                "t": t,
                "per_day": round_by_rule(t.per_day, rule, 1),
                "message": total_status(totals, t.period)[1],
            }
            for t in totals.period_totals
        ],
        "change_rows": [
            {
                "c": c,
                "pct": fmt_pct(c.change_pct, rule),
                "lfl_pct": fmt_pct(c.like_for_like.change_pct, rule),
            }
            for c in totals.changes
        ],
        "force_rows": force_rows,
        "breakdown_tables": _breakdown_tables(totals, metric),
        "chart_ranked": charts.hbar(
            f"{metric.label}, {latest.label if latest else ''}, by force",
            [(r.foi.force.short_name, r.value(latest)) for r in ranked],
        )
        if ranked
        else "",
        "chart_periods": charts.grouped_columns(
            f"{metric.label} by period",
            [t.period.label for t in totals.period_totals],
            [
                ("Total (reported)", [t.total for t in totals.period_totals]),
                ("Upper bound", [t.total_upper for t in totals.period_totals]),
            ],
        )
        if totals.reported
        else "",
    }
