"""Numbers into words: rounding by the campaign's rule (at the last step only), thousands
separators, coverage and caveats. Headlines say "police recorded", never "crime rose"."""

from __future__ import annotations

from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from figures_app.bound_words import between_words
from figures_app.metric_words import counted_noun, number_noun
from figures_app.selectors.breakdown import DimensionSummary
from figures_app.selectors.headline import Change
from figures_app.selectors.totals import Entered, PeriodTotal, Totals
from requests_app.body_words import BodyNouns, body_nouns
from requests_app.models import Period
from requests_app.models.campaigns import RoundingRule
from requests_app.text import plural


def round_by_rule(value: float, rule: str, places: int = 0) -> Decimal:
    """Round half up, or down (towards zero, as the NSPCC does: 44.8% -> 44%)."""
    mode = ROUND_DOWN if rule == RoundingRule.DOWN else ROUND_HALF_UP
    quantum = Decimal(1).scaleb(-places)
    return Decimal(repr(value)).quantize(quantum, rounding=mode)


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


def totals_nouns(totals: Totals) -> BodyNouns:
    """What the campaign's bodies are called: "force" for police, "council"... (body_words)."""
    return body_nouns((row.foi.force.kind, row.foi.force.country) for row in totals.forces)


def _coverage(n: int, asked: int, nouns: BodyNouns) -> str:
    if nouns.police:
        return f"from {n} of {plural(asked, 'force')} asked"
    return f"recorded by {n} of {nouns.count_qualified(asked)} asked"


# Whether a total has anything in it, for the page, the API and the exports.
REPORTED = "reported"
AWAITING_REVIEW = "awaiting_review"
NO_FIGURES = "no_figures"


def _noun(totals: Totals) -> str:
    return counted_noun(totals.metric.label)


def total_status(totals: Totals, period: Period | None = None) -> tuple[str, str]:
    """(status, message) of the metric's totals, or of one period's. A total no force reported
    in is not a zero: the message says so and counts what was entered but not yet approved
    (or sent back), e.g. "No approved figures for offences yet: 12 figures from 3 forces entered
    and waiting for review." The message is empty when there is a total to give."""
    nouns = totals_nouns(totals)
    if period is None:
        reported, entered, scope = totals.reported, totals.entered_any, f"for {_noun(totals)}"
    else:
        reported = bool(totals.period_total(period).forces_reporting)
        entered = totals.entered_in(period)
        scope = f"for {_noun(totals)} in {period.label}"
    if reported:
        return REPORTED, ""
    if totals.basis == "approved":
        parts = _unapproved_words(entered, nouns)
        if parts:
            return AWAITING_REVIEW, f"No approved figures {scope} yet: {'; '.join(parts)}."
        if entered.approved:
            return NO_FIGURES, (
                f"No approved figure {scope} gives a number ("
                f"{plural(entered.approved, 'approved figure')} from "
                f"{nouns.count(entered.forces_approved)}: not held, refused or not provided)."
            )
        return NO_FIGURES, f"No figures entered {scope} yet."
    if entered.figures:
        forces = entered.forces_approved + entered.forces_waiting + entered.forces_sent_back
        return NO_FIGURES, (
            f"No figure {scope} gives a number ({plural(entered.figures, 'figure')} entered "
            f"from {nouns.count(forces)}: not held, refused or not provided)."
        )
    return NO_FIGURES, f"No figures entered {scope} yet."


def _unapproved_words(entered: Entered, nouns: BodyNouns) -> list[str]:
    parts = []
    if entered.waiting:
        parts.append(
            f"{plural(entered.waiting, 'figure')} from {nouns.count(entered.forces_waiting)} "
            "entered and waiting for review"
        )
    if entered.sent_back:
        parts.append(
            f"{plural(entered.sent_back, 'figure')} from "
            f"{nouns.count(entered.forces_sent_back)} sent back for correction"
        )
    return parts


def rate(per_day: float | None, rule: str) -> Decimal | None:
    """A per-day rate rounded by the campaign's rule; None where the period gives none."""
    return None if per_day is None else round_by_rule(per_day, rule, 1)


def _rate_words(t: PeriodTotal, rule: str) -> str:
    if t.per_day is None:
        return f"; {t.no_rate}."
    per_day = rate(t.per_day, rule)
    return f": {per_day} a day over the {plural(t.period.days, 'day')} of {t.period.label}."


def _join(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def headlines(totals: Totals) -> list[str]:
    rule = totals.campaign.rounding_rule
    noun = _noun(totals)
    nouns = totals_nouns(totals)
    if not totals.reported:
        # Nothing to total: say so (and what is waiting), never "Police recorded 0 ...".
        return [total_status(totals)[1], *_missing_sentences(totals, nouns)]
    out: list[str] = []
    for t in reversed(totals.period_totals):
        if not t.forces_reporting:
            out.append(total_status(totals, t.period)[1])
            continue
        coverage = _coverage(t.forces_reporting, totals.forces_asked, nouns)
        sentence = (
            f"Police recorded {number_noun(t.total, noun)} in {t.period.label}, {coverage}"
            if nouns.police
            else f"{number_noun(t.total, noun)} in {t.period.label}, {coverage}"
        )
        if t.suppressed_cells:
            cells = "cell" if t.suppressed_cells == 1 else "cells"
            sentence += (
                f", plus {t.suppressed_cells} suppressed {cells} "
                f"(so {between_words(t.total_lower, t.total_upper)})"
            )
        sentence += _rate_words(t, rule)
        out.append(sentence)
    for change in reversed(totals.changes):
        if not (change.from_period.forces_reporting and change.to_period.forces_reporting):
            continue  # no total on one side: a change from or to nothing is not a change
        out.extend(_change_sentences(change, rule, nouns))
    out.extend(_missing_sentences(totals, nouns))
    for summary in totals.summaries:
        sentence = _summary_sentence(summary, totals, nouns)
        if sentence:
            out.append(sentence)
        sentence = _bands_sentence(summary, totals, nouns)
        if sentence:
            out.append(sentence)
    if totals.basis == "approved" and totals.pending_requests:
        n = totals.pending_requests
        out.append(
            f"Only approved figures are counted; {nouns.count(n)}' figures "
            "await review or correction."
        )
    elif totals.basis == "all":
        out.append("Includes figures not yet approved by a reviewer.")
    recorded = (
        "These are police recorded figures: they measure recording practice as well as offending. "
        if nouns.police
        else f"These are figures as the {nouns.plural} recorded them: they measure recording "
        "practice as well as what happened. "
    )
    out.append(
        recorded
        + f"Percentages are {rule_words(rule)} (the campaign's rule); exact values are in the tables."
    )
    return out


def _change_sentences(change: Change[PeriodTotal], rule: str, nouns: BodyNouns) -> list[str]:
    a, b = change.from_period, change.to_period
    lfl = change.like_for_like
    sentences = [
        f"{b.period.label} against {a.period.label}: {a.total:,} to {b.total:,}, "
        f"{_change_words(change.change_pct, rule)}; the {nouns.plural} reporting differ "
        f"({a.forces_reporting} and {b.forces_reporting})."
        if a.forces_reporting != b.forces_reporting
        else f"{b.period.label} against {a.period.label}: {a.total:,} to {b.total:,}, "
        f"{_change_words(change.change_pct, rule)}, from the same number of {nouns.plural}."
    ]
    if lfl.forces:
        sentences.append(
            f"Like for like, across the {nouns.count(lfl.forces)} that gave figures for both "
            f"{a.period.label} and {b.period.label}: {lfl.from_total:,} to {lfl.to_total:,}, "
            f"{_change_words(lfl.change_pct, rule)}."
        )
    return sentences


def _missing_sentences(totals: Totals, nouns: BodyNouns) -> list[str]:
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
        out.append(
            f"No figure for {t.period.label} from {nouns.count(len(missing))}: "
            + "; ".join(parts)
            + "."
        )
    return out


def _summary_sentence(summary: DimensionSummary, totals: Totals, nouns: BodyNouns) -> str:
    if not summary.modal:
        return ""
    dim = summary.dimension.label.lower()
    unit = totals.metric.unit
    modal = _join([b.category.label or b.category.value for b in summary.modal])
    top = summary.modal[0]
    # Where some forces answered in ranges, the most common and the lowest are read from the
    # others alone, and the sentence says how many they are.
    among = (
        f" among the {nouns.count(summary.single_forces)} that gave single {dim}s"
        if summary.ranged_forces
        else ""
    )
    sentence = (
        f"Where {dim} was recorded in {summary.period.label} "
        f"({number_noun(summary.recorded_total, unit)} "
        f"from {nouns.count(summary.forces)}): "
        f"{modal} was the most common{' ' + dim if among else ''}{among} ({number_noun(top.total, unit)})"
    )
    if summary.lowest is not None:
        lowest = summary.lowest.category.label or summary.lowest.category.value
        sentence += f"; the lowest with any {unit}{' among them' if among else ''} was {lowest}"
    if summary.unknown_total:
        sentence += f". {summary.dimension.label} not recorded for {summary.unknown_total:,}"
    return sentence + "."


def _bands_sentence(summary: DimensionSummary, totals: Totals, nouns: BodyNouns) -> str:
    """A banded dimension's totals in one period, in the campaign's bands: exact where every
    force's answer fitted inside the band, else between its bounds, e.g. "By victim age in
    2016/17: 0-10, between 97 and 121 offences; 13, 257 offences." """
    if not summary.dimension.bands:
        return ""
    rows = [
        b
        for b in totals.breakdown
        if b.dimension.pk == summary.dimension.pk
        and b.period.pk == summary.period.pk
        and b.category.pk is None  # a band's row
    ]
    if not rows:
        return ""
    unit = totals.metric.unit
    parts = [
        f"{b.category.label}, {number_noun(b.total_upper, unit)}"
        if b.total_lower == b.total_upper
        else f"{b.category.label}, {between_words(b.total_lower, b.total_upper)} {unit}"
        for b in rows
    ]
    sentence = f"By {summary.dimension.label.lower()} in {summary.period.label}: " + "; ".join(
        parts
    )
    if any(b.forces_exact != b.forces for b in rows):
        sentence += (
            f" ({nouns.possessive} range that straddles bands counts only in the upper bound of "
            "each band it touches)"
        )
    return sentence + "."
