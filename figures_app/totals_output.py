"""Totals into output: the API's JSON and the CSV/XLSX rows come from here, and the totals page
from views/totals_presentation.py, all from one Totals (figures_app/selectors/totals.py), so the
page, the API and the exports cannot disagree. Wording and rounding live in presentation.py.
"""

from __future__ import annotations

from collections.abc import Iterator

from figures_app.columns import named_row
from figures_app.presentation import REPORTED, total_status
from figures_app.presentation import headlines as headline_sentences
from figures_app.selectors.basis import basis_words
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
                "total_lower": t.total_lower,
                "total_upper": t.total_upper,
                "suppressed_cells": t.suppressed_cells,
                "forces_reporting": t.forces_reporting,
                "per_day": t.per_day,
                "no_rate": t.no_rate,
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
                # Where cells were suppressed, what the figure can be at least and at most.
                "bounds": {
                    p.label: {"lower": cell.lower, "upper": cell.upper}
                    for p in periods
                    if (cell := row.cells.get(p.pk)) and cell.suppressed_cells
                },
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
                "total_lower": b.total_lower,
                "total_upper": b.total_upper,
                "forces": b.forces,
                "forces_exact": b.forces_exact,
            }
            for b in totals.breakdown
        ],
        "headlines": headlines,
    }


TOTALS_COLUMNS = (
    "section",
    "period",
    "force",
    "force_code",
    "dimension",
    "category",
    "total",
    "total_lower",
    "total_upper",
    "suppressed_cells",
    "forces_reporting",
    "forces_asked",
    "forces_exact",
    "per_day",
    "change_pct",
    "like_for_like_forces",
    "like_for_like_from",
    "like_for_like_to",
    "like_for_like_change_pct",
    "basis",
    "message",
)


def _totals_row(**cells) -> list:
    return named_row(TOTALS_COLUMNS, cells, default="")


def totals_rows(totals: Totals) -> Iterator[list]:
    """The totals as a flat table (for CSV / the XLSX 'totals' sheet). Unrounded, numbers as
    numbers. A period no force reported in has its total, upper bound and per day left empty
    (not 0, which a spreadsheet would show and add up as a count) and says why in `message`."""
    yield list(TOTALS_COLUMNS)
    basis = basis_words(totals.basis)
    for t in totals.period_totals:
        status, message = total_status(totals, t.period)
        some = status == REPORTED
        yield _totals_row(
            section="period",
            period=t.period.label,
            total=t.total if some else None,
            total_lower=t.total_lower if some else None,
            total_upper=t.total_upper if some else None,
            suppressed_cells=t.suppressed_cells,
            forces_reporting=t.forces_reporting,
            forces_asked=totals.forces_asked,
            per_day=t.per_day if some else None,
            basis=basis,
            message=message,
        )
    for c in totals.changes:
        lfl = c.like_for_like
        yield _totals_row(
            section="change",
            period=f"{c.from_period.period.label} to {c.to_period.period.label}",
            total=c.to_period.total if c.to_period.forces_reporting else None,
            change_pct=c.change_pct,
            like_for_like_forces=lfl.forces,
            like_for_like_from=lfl.from_total if lfl.forces else None,
            like_for_like_to=lfl.to_total if lfl.forces else None,
            like_for_like_change_pct=lfl.change_pct,
            basis=basis,
        )
    for row in totals.forces:
        for p in totals.periods:
            cell = row.cells.get(p.pk)
            bounded = bool(cell and cell.suppressed_cells)
            yield _totals_row(
                section="force",
                period=p.label,
                force=row.foi.force.name,
                force_code=row.foi.force.ons_code,
                total=row.value(p),
                total_lower=cell.lower if bounded else None,
                total_upper=cell.upper if bounded else None,
                suppressed_cells=cell.suppressed_cells if bounded else None,
                change_pct=row.change_pct if p == totals.periods[-1] else "",
                basis=basis,
                message=row.reasons.get(p.pk, ""),
            )
    for b in totals.breakdown:
        yield _totals_row(
            section="breakdown",
            period=b.period.label,
            dimension=b.dimension.slug,
            category=b.category.value,
            total=b.total,
            total_lower=b.total_lower,
            total_upper=b.total_upper,
            suppressed_cells=b.suppressed_cells,
            forces_reporting=b.forces,
            forces_exact=b.forces_exact,
            basis=basis,
        )


def totals_sheet_rows(totals: Totals) -> list[list]:
    """The XLSX export's totals sheet for one metric: the table, then the headlines."""
    return (
        list(totals_rows(totals)) + [[], ["headlines"]] + [[h] for h in headline_sentences(totals)]
    )
