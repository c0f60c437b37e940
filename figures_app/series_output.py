"""A series' totals into output (issue 14): the API's JSON, the tidy CSV/XLSX rows and the
headlines (the page is views/series_presentation.py's), all from one SeriesTotals
(figures_app/selectors/series.py), so they cannot disagree. Numbers stay numbers (unrounded) in the JSON and the files; rounding is the page's
and the headlines', by the latest campaign's rule."""

from __future__ import annotations

from collections.abc import Iterator

from figures_app.bound_words import between_words, bounds_text
from figures_app.columns import named_row
from figures_app.metric_words import counted_noun, number_noun
from figures_app.presentation import fmt_pct, rule_words
from figures_app.selectors.basis import APPROVED
from figures_app.selectors.headline import Change
from figures_app.selectors.series import LATEST, Revision, SeriesPeriod, SeriesTotals, State
from requests_app.body_words import POLICE_NOUNS, BodyNouns, body_nouns
from requests_app.text import plural


def _noun(totals: SeriesTotals) -> str:
    if totals.metric is None:
        return totals.metric_slug
    return counted_noun(totals.metric.label)


def state_json(state: State) -> int | dict:
    """An exact figure as a number; one with suppressed cells as {"lower", "upper"} (what it
    can be at least, and at most)."""
    if state.exact:
        return state.lower
    return {"lower": state.floor, "upper": state.upper}


def state_text(state: State | None) -> str:
    if state is None:
        return ""
    if state.exact:
        return f"{state.lower:,}"
    return bounds_text(state.floor, state.upper)


def _revision_json(revision: Revision, *, with_force: bool) -> dict:
    body = {"force": revision.force.name} if with_force else {}
    return body | {
        "period": revision.period.label,
        "category": revision.category,
        "first": state_json(revision.first),
        "latest": state_json(revision.latest),
        "campaigns": [
            {
                "campaign": s.campaign.slug,
                "value": state_json(s),
                "reported_on": s.reported_on.isoformat() if s.reported_on else None,
                "published": s.published,
            }
            for s in revision.states
        ],
    }


def _no_rate(period: SeriesPeriod) -> str:
    """Why `per_day` is empty, as the totals API says it (issue 27); empty when there is a rate.
    The series has no status or message per period, so a period no force gave a figure for
    says that here too."""
    if period.per_day is not None:
        return ""
    return period.no_rate or "no rate a day: no force gave a figure for the period"


def series_json(totals: SeriesTotals) -> dict:
    """The series API's body (README, "Series"). A period no force reported in has a null
    total, never 0."""
    return {
        "series": totals.series.slug,
        "title": totals.series.title,
        "metric": totals.metric_slug,
        "as": totals.as_reported,
        "basis": totals.basis,
        "campaigns": [c.slug for c in totals.campaigns],
        "periods": [
            {
                "period": p.label,
                "total": p.total if p.forces_reporting else None,
                "total_lower": p.total_lower if p.forces_reporting else None,
                "total_upper": p.total_upper if p.forces_reporting else None,
                "forces_reporting": p.forces_reporting,
                "forces_asked": p.forces_asked,
                "per_day": p.per_day,
                "no_rate": _no_rate(p),
            }
            for p in totals.periods
        ],
        "forces": [
            {
                "force": row.force.name,
                "force_code": row.force.ons_code or None,
                "values": {p.label: row.cell(p).value for p in totals.periods},
                "revisions": [_revision_json(r, with_force=False) for r in row.revisions],
            }
            for row in totals.forces
        ],
        "revisions": [_revision_json(r, with_force=True) for r in totals.revisions],
        "headlines": series_headlines(totals),
    }


SERIES_COLUMNS = (
    "force",
    "force_code",
    "period",
    "metric",
    "value",
    "status",
    "lower",
    "upper",
    "suppressed_cells",
    "campaign",
    "reported_on",
    "source",
    "revised",
    "note",
)


def series_rows(totals: SeriesTotals) -> Iterator[list]:
    """One row per force and period, the figure the series uses (tidy: force, period, metric,
    value, status...). `value` is the exact count as a number (empty when the force gave no
    exact figure); `lower`/`upper` bound it when cells were suppressed; `revised` says the
    figure was given differently in another campaign of the series."""
    yield list(SERIES_COLUMNS)
    for row in totals.forces:
        for period in totals.periods:
            cell = row.cell(period)
            state = cell.state
            where = {
                "force": row.force.name,
                "force_code": row.force.ons_code,
                "period": period.label,
                "metric": totals.metric_slug,
            }
            if state is None:
                yield named_row(
                    SERIES_COLUMNS,
                    where
                    | {
                        "status": "",
                        "campaign": "",
                        "source": "",
                        "revised": "",
                        "note": cell.reason,
                    },
                )
                continue
            notes = []
            if state.partial:
                notes.append("only some of the forces it now includes gave a figure")
            if row.former:
                notes.append("includes " + ", ".join(f.name for f in row.former))
            yield named_row(
                SERIES_COLUMNS,
                where
                | {
                    "value": state.value,
                    "status": "reported" if state.exact else "suppressed",
                    "lower": state.floor,
                    "upper": state.upper,
                    "suppressed_cells": state.suppressed_cells,
                    "campaign": state.campaign.slug,
                    "reported_on": state.reported_on,
                    "source": "published" if state.published else "force",
                    "revised": "yes" if cell.revised else "",
                    "note": "; ".join(notes),
                },
            )


PERIOD_COLUMNS = (
    "period",
    "start",
    "end",
    "total",
    "total_lower",
    "total_upper",
    "suppressed_cells",
    "forces_reporting",
    "forces_asked",
    "per_day",
    "no_rate",
)


def period_rows(totals: SeriesTotals) -> Iterator[list]:
    yield list(PERIOD_COLUMNS)
    for p in totals.periods:
        some = bool(p.forces_reporting)
        yield named_row(
            PERIOD_COLUMNS,
            {
                "period": p.label,
                "start": p.start,
                "end": p.end,
                "total": p.total if some else None,
                "total_lower": p.total_lower if some else None,
                "total_upper": p.total_upper if some else None,
                "suppressed_cells": p.suppressed_cells,
                "forces_reporting": p.forces_reporting,
                "forces_asked": p.forces_asked,
                "per_day": p.per_day if some else None,
                "no_rate": _no_rate(p),
            },
        )


REVISION_COLUMNS = (
    "force",
    "period",
    "category",
    "campaign",
    "value",
    "lower",
    "upper",
    "reported_on",
    "source",
)


def revision_rows(totals: SeriesTotals) -> Iterator[list]:
    yield list(REVISION_COLUMNS)
    for r in totals.revisions:
        for s in r.states:
            yield named_row(
                REVISION_COLUMNS,
                {
                    "force": r.force.name,
                    "period": r.period.label,
                    "category": r.category,
                    "campaign": s.campaign.slug,
                    "value": s.value,
                    "lower": s.floor,
                    "upper": s.upper,
                    "reported_on": s.reported_on,
                    "source": "published" if s.published else "force",
                },
            )


def series_sheets(totals: SeriesTotals) -> dict[str, Iterator[list]]:
    return {
        "figures": series_rows(totals),
        "totals": period_rows(totals),
        "revisions": revision_rows(totals),
        "about": iter(
            [["about"], *([h] for h in series_headlines(totals)), [_basis_words(totals)]]
        ),
    }


def _basis_words(totals: SeriesTotals) -> str:
    counted = "Approved figures" if totals.basis == APPROVED else "All figures, approved or not"
    each = series_nouns(totals).singular
    if totals.as_reported == LATEST:
        return f"{counted}; for each {each} and period the latest campaign's figure."
    return f"{counted}; for each {each} and period the figure as first reported."


def _reported_periods(totals: SeriesTotals) -> list[SeriesPeriod]:
    return [p for p in totals.periods if p.forces_reporting]


def series_nouns(totals: SeriesTotals) -> BodyNouns:
    """What the series' bodies are called: "force", "council"... (requests_app/body_words)."""
    return body_nouns((row.force.kind, row.force.country) for row in totals.forces)


def series_headlines(totals: SeriesTotals) -> list[str]:
    """Plain-English sentences with their coverage: police recorded, not crime rose."""
    rule = totals.rounding_rule
    noun = _noun(totals)
    reported = _reported_periods(totals)
    lines: list[str] = []
    if not reported:
        counted = "approved figures" if totals.basis == APPROVED else "figures"
        return [f"No {counted} for {noun} in this series yet."]
    last = reported[-1]
    nouns = series_nouns(totals)
    line = (
        f"Police recorded {number_noun(last.total, noun)} in {last.label}, "
        f"from {last.forces_reporting} "
        f"of {plural(last.forces_asked, 'force')} asked"
        if nouns.police
        else f"{number_noun(last.total, noun)} in {last.label}, recorded by {last.forces_reporting} of "
        f"{nouns.count_qualified(last.forces_asked)} asked"
    )
    if last.suppressed_cells:
        line += (
            f", plus {plural(last.suppressed_cells, 'suppressed cell')} "
            f"(so {between_words(last.total_lower, last.total_upper)} in all)"
        )
    lines.append(line + ".")
    if len(reported) >= 2:
        lines.append(change_sentence(totals.change(reported[-2], last), rule, nouns))
    if totals.revisions:
        amount = totals.revised_total
        exact = [r for r in totals.revisions if r.amount is not None]
        up = sum(1 for r in exact if r.amount > 0)
        down = sum(1 for r in exact if r.amount < 0)
        lines.append(
            f"{plural(len(totals.revisions), 'figure')} revised when asked again: "
            f"{amount:+,} in total ({up} up, {down} down"
            + (
                f", {len(totals.revisions) - len(exact)} with suppressed cells"
                if len(exact) < len(totals.revisions)
                else ""
            )
            + "). "
            + (
                "The series uses the latest approved figures."
                if totals.as_reported == LATEST
                else "The series shows figures as first reported."
            )
        )
    else:
        lines.append("No figure was revised when asked again.")
    if totals.disclosed:
        lines.append(
            f"{plural(totals.disclosed, 'suppressed cell')} given exactly when asked again."
        )
    published = [p.label for p in totals.periods if p.published]
    if published:
        lines.append(
            f"Figures for {', '.join(published)} include ones loaded from what was published, "
            f"not {'forces' if nouns.police else 'the ' + nouns.plural}' answers to us."
        )
    for row in totals.forces:
        if row.former:
            names = ", ".join(f.name for f in row.former)
            lines.append(f"{names} counted with {row.force.name}, which it is now part of.")
    lines.append(f"Percentages {rule_words(rule)}.")
    return lines


def change_sentence(
    change: Change[SeriesPeriod], rule: str, nouns: BodyNouns = POLICE_NOUNS
) -> str:
    """Between two periods bodies reported in (the series' nouns: "forces", "councils")."""
    before, after, lfl = change.from_period, change.to_period, change.like_for_like
    raw = fmt_pct(change.change_pct, rule)
    text = f"From {before.label} to {after.label}: {before.total:,} to {after.total:,} ({raw})"
    if lfl.forces:
        text += (
            f"; like for like over the {nouns.count(lfl.forces)} reporting both, "
            f"{lfl.from_total:,} to {lfl.to_total:,} ({fmt_pct(lfl.change_pct, rule)})"
        )
    else:
        text += f"; no {nouns.singular} reported both periods"
    return text + "."
