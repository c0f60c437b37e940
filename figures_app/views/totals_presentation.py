"""What the totals page shows of one Totals (figures_app/selectors/totals.py): headlines, tables
rounded by the campaign's rule with the exact values beside, each force's row, the breakdowns and
the charts. The API's JSON and the files are figures_app/totals_output.py's, from the same Totals.
"""

from __future__ import annotations

from figures_app import charts
from figures_app.bound_words import bounds_text
from figures_app.models import Metric
from figures_app.presentation import fmt_pct, rate, rule_words, total_status, totals_nouns
from figures_app.presentation import headlines as headline_sentences
from figures_app.selectors.totals import Totals


def _breakdown_tables(totals: Totals, metric: Metric) -> list[dict]:
    tables = []
    dimensions = totals.dimensions if totals.dimensions is not None else metric.dimensions.all()
    for dim in dimensions:
        cats, seen = [], set()
        for b in totals.breakdown:
            if b.dimension.pk == dim.pk and b.category.value not in seen:
                seen.add(b.category.value)
                cats.append(b.category)
        # Keyed by the category's value: a band's row is an unsaved Category (no pk).
        cell = {
            (b.category.value, b.period.pk): b for b in totals.breakdown if b.dimension.pk == dim.pk
        }
        rows = [
            {"category": c, "cells": [cell.get((c.value, p.pk)) for p in totals.periods]}
            for c in cats
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
                        [
                            cell[(c.value, p.pk)].total if (c.value, p.pk) in cell else 0
                            for c in known
                        ],
                    )
                    for p in totals.periods
                ],
            )
            if known
            else ""
        )
        tables.append({"dimension": dim, "rows": rows, "chart": chart, "banded": bool(dim.bands)})
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
        "nouns": totals_nouns(totals),  # "force" or "council"... (requests_app/body_words.py)
        "headlines": headline_sentences(totals),
        "rule_words": rule_words(rule),
        # What a '*' is taken to be, written as every suppressed cell is (bound_words.py).
        "campaign_bounds": bounds_text(
            totals.campaign.suppressed_lower, totals.campaign.suppressed_upper
        ),
        "status": status,
        "status_message": message,
        "period_rows": [
            {
                "t": t,
                "per_day": rate(t.per_day, rule),
                "no_rate": t.no_rate,
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
