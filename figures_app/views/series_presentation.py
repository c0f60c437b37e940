"""What a series' page shows of one SeriesTotals (figures_app/selectors/series.py): headlines,
the periods rounded by the latest campaign's rule, like for like, each force's row, the
revisions and the chart. The JSON and the files are figures_app/series_output.py's.
"""

from __future__ import annotations

from figures_app import charts
from figures_app.presentation import fmt_pct, rate, rule_words
from figures_app.selectors.series import SeriesPeriod, SeriesTotals
from figures_app.series_output import series_headlines, series_nouns, state_text


def series_page_context(
    totals: SeriesTotals, before: SeriesPeriod | None, after: SeriesPeriod | None
) -> dict:
    rule = totals.rounding_rule
    change = totals.change(before, after) if before and after else None
    return {
        "totals": totals,
        "nouns": series_nouns(totals),  # "force" or "council"... (requests_app/body_words.py)
        "headlines": series_headlines(totals),
        "rule_words": rule_words(rule),
        "period_rows": [
            {
                "p": p,
                "per_day": rate(p.per_day, rule),
                "no_rate": p.no_rate,
            }
            for p in totals.periods
        ],
        "change": change,
        "lfl_pct": fmt_pct(change.like_for_like.change_pct, rule) if change else "",
        "force_rows": [
            {
                "row": row,
                "cells": [(row.cell(p), state_text(row.cell(p).state)) for p in totals.periods],
                "change": fmt_pct(row.change_pct, rule),
            }
            for row in totals.forces
        ],
        "revision_rows": [
            {
                "r": r,
                "first": state_text(r.first),
                "latest": state_text(r.latest),
                "amount": f"{r.amount:+,}" if r.amount is not None else "",
            }
            for r in totals.revisions
        ],
        "chart": charts.grouped_columns(
            f"{totals.metric.label if totals.metric else totals.metric_slug} by period",
            [p.label for p in totals.periods],
            [
                ("Total (reported)", [p.total for p in totals.periods]),
                ("Upper bound", [p.total_upper for p in totals.periods]),
            ],
        )
        if totals.reported
        else "",
    }
