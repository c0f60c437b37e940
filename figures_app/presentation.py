"""Numbers into words: rounding by the campaign's rule (at the last step only), thousands
separators, coverage and caveats. Headlines say "police recorded", never "crime rose"."""

from __future__ import annotations

from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from figures_app.selectors.breakdown import DimensionSummary
from figures_app.selectors.totals import Change, Totals
from requests_app.models.campaigns import RoundingRule


def round_by_rule(value: float, rule: str, places: int = 0) -> Decimal:
    """Round half up, or down (towards zero, as the NSPCC does: 44.8% -> 44%)."""
    mode = ROUND_DOWN if rule == RoundingRule.DOWN else ROUND_HALF_UP
    quantum = Decimal(1).scaleb(-places)
    return Decimal(repr(value)).quantize(quantum, rounding=mode)


def fmt_number(value: float | int | Decimal | None) -> str:
    if value is None:
        return "-"
    if isinstance(value, int):
        return f"{value:,}"
    return f"{value:,}"


def fmt_pct(value: float | None, rule: str) -> str:
    """'+44%' (with the rule's rounding); '-' when there is no base."""
    if value is None:
        return "-"
    rounded = round_by_rule(value, rule)
    sign = "+" if rounded > 0 else ""
    return f"{sign}{rounded:,}%"


def rule_words(rule: str) -> str:
    return "rounded down" if rule == RoundingRule.DOWN else "rounded half up"


def _change_words(pct: float | None, rule: str) -> str:
    if pct is None:
        return "no percentage change (no base)"
    rounded = round_by_rule(abs(pct), rule)
    exact = round_by_rule(abs(pct), rule, 1)
    direction = "a rise" if pct > 0 else "a fall" if pct < 0 else "no change"
    if pct == 0:
        return "no change"
    return f"{direction} of {rounded:,}% ({rule_words(rule)} from {exact:,}%)"


def _coverage(n: int, asked: int) -> str:
    return f"from {n} of {asked} forces asked"


def _join(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def headlines(totals: Totals) -> list[str]:
    rule = totals.campaign.rounding_rule
    noun = totals.metric.label[:1].lower() + totals.metric.label[1:]
    out: list[str] = []
    for t in reversed(totals.period_totals):
        sentence = (
            f"Police recorded {t.total:,} {noun} in {t.period.label}, "
            f"{_coverage(t.forces_reporting, totals.forces_asked)}"
        )
        if t.suppressed_cells:
            cells = "cell" if t.suppressed_cells == 1 else "cells"
            sentence += (
                f", plus {t.suppressed_cells} suppressed {cells} (so between {t.total:,} and "
                f"{t.total_upper:,})"
            )
        per_day = round_by_rule(t.per_day, rule, 1)
        sentence += f": {per_day} a day over the {t.period.days} days of {t.period.label}."
        out.append(sentence)
    for change in reversed(totals.changes):
        out.extend(_change_sentences(change, totals, rule))
    out.extend(_missing_sentences(totals))
    for summary in totals.summaries:
        sentence = _summary_sentence(summary, totals)
        if sentence:
            out.append(sentence)
    if totals.basis == "approved" and totals.pending_requests:
        n = totals.pending_requests
        out.append(
            f"Only approved figures are counted; {n} force{'s' if n != 1 else ''}' figures "
            "await review or correction."
        )
    elif totals.basis == "all":
        out.append("Includes figures not yet approved by a reviewer.")
    out.append(
        "These are police recorded figures: they measure recording practice as well as offending. "
        f"Percentages are {rule_words(rule)} (the campaign's rule); exact values are in the tables."
    )
    return out


def _change_sentences(change: Change, totals: Totals, rule: str) -> list[str]:
    a, b = change.from_period, change.to_period
    lfl = change.like_for_like
    sentences = [
        f"{b.period.label} against {a.period.label}: {a.total:,} to {b.total:,}, "
        f"{_change_words(change.change_pct, rule)}; the forces reporting differ "
        f"({a.forces_reporting} and {b.forces_reporting})."
        if a.forces_reporting != b.forces_reporting
        else f"{b.period.label} against {a.period.label}: {a.total:,} to {b.total:,}, "
        f"{_change_words(change.change_pct, rule)}, from the same number of forces."
    ]
    if lfl.forces:
        sentences.append(
            f"Like for like, across the {lfl.forces} forces that gave figures for both "
            f"{a.period.label} and {b.period.label}: {lfl.from_total:,} to {lfl.to_total:,}, "
            f"{_change_words(lfl.change_pct, rule)}."
        )
    return sentences


def _missing_sentences(totals: Totals) -> list[str]:
    out = []
    for t in reversed(totals.period_totals):
        missing = [
            (row.foi.force.name, row.reasons[t.period.pk])
            for row in totals.forces
            if t.period.pk in row.reasons
        ]
        if not missing:
            continue
        by_reason: dict[str, list[str]] = {}
        for name, reason in missing:
            by_reason.setdefault(reason, []).append(name)
        parts = [f"{_join(names)} ({reason})" for reason, names in by_reason.items()]
        n = len(missing)
        out.append(
            f"No figure for {t.period.label} from {n} force{'s' if n != 1 else ''}: "
            + "; ".join(parts)
            + "."
        )
    return out


def _summary_sentence(summary: DimensionSummary, totals: Totals) -> str:
    if not summary.modal:
        return ""
    dim = summary.dimension.label.lower()
    unit = totals.metric.unit
    modal = _join([b.category.label or b.category.value for b in summary.modal])
    top = summary.modal[0]
    sentence = (
        f"Where {dim} was recorded in {summary.period.label} ({summary.recorded_total:,} {unit} "
        f"from {summary.forces} force{'' if summary.forces == 1 else 's'}): "
        f"{modal} was the most common ({top.total:,} {unit})"
    )
    if summary.lowest is not None:
        sentence += f"; the lowest with any {unit} was {summary.lowest.category.label or summary.lowest.category.value}"
    if summary.unknown_total:
        sentence += f". {summary.dimension.label} not recorded for {summary.unknown_total:,}"
    return sentence + "."
