"""Totals into output: the API's JSON and the CSV/XLSX rows come from here, and the totals page
from views/totals_presentation.py, all from one Totals (figures_app/selectors/totals.py), so the
page, the API and the exports cannot disagree. Wording and rounding live in presentation.py.
"""

from __future__ import annotations

from collections.abc import Iterator

from figures_app.presentation import REPORTED, total_status
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
