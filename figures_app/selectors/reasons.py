"""Why a force has no figure for a period, in words: awaiting review, sent back, not held,
refused (with the exemptions), answered in part, no reply yet (overdue or not), withdrawn."""

from __future__ import annotations

from datetime import date

from figures_app.models import REPORTING_KINDS, FigureReview, Kind, ReviewState
from figures_app.selectors.basis import APPROVED
from requests_app.exemptions import exemption_label
from requests_app.models import FoiRequest
from requests_app.workflow import ANSWERED_STATES, Outcome, Status


def figure_review_of(foi: FoiRequest) -> FigureReview | None:
    try:
        return foi.figure_review
    except FigureReview.DoesNotExist:
        return None


def _exemptions_text(codes) -> str:
    return ", ".join(exemption_label(c) for c in codes if c)


def missing_reason(
    foi: FoiRequest, kinds: list[tuple[str, str]], has_figures: bool, basis: str, today: date
) -> str:
    """Why a force has no figure for a period, in words, from the (kind, exemption) of every
    figure it gave for that period."""
    return missing_reason_of(
        foi,
        {k for k, _ in kinds},
        [e for k, e in kinds if k == Kind.REFUSED and e],
        has_figures,
        basis,
        today,
    )


def missing_reason_of(
    foi: FoiRequest,
    kind_set: set[str],
    refused_codes: list[str],
    has_figures: bool,
    basis: str,
    today: date,
) -> str:
    """missing_reason from what the totals query reads per force and period: the kinds of its
    figures, and the exemptions its refused figures cite (in the order they were entered)."""
    review = figure_review_of(foi)
    if (
        basis == APPROVED
        and (kind_set & set(REPORTING_KINDS) or has_figures)
        and (review is None or review.state != ReviewState.APPROVED)
    ):
        if review is not None and review.state == ReviewState.SENT_BACK:
            return "figures sent back for correction"
        if kind_set & set(REPORTING_KINDS):
            return "figures awaiting review"
    if Kind.NOT_HELD in kind_set:
        return "information not held"
    if Kind.REFUSED in kind_set:
        codes = refused_codes or list(foi.exemptions)
        text = _exemptions_text(codes)
        return f"refused: {text}" if text else "refused"
    if Kind.NOT_PROVIDED in kind_set:
        if foi.outcome == Outcome.PART:
            return "answered in part, without this figure"
        return "figure not provided"
    if foi.status in ANSWERED_STATES:
        if foi.outcome == Outcome.NOT_HELD:
            return "information not held"
        if foi.outcome == Outcome.REFUSED:
            text = _exemptions_text(foi.exemptions)
            return f"refused: {text}" if text else "refused"
        if foi.outcome == Outcome.PART:
            return "answered in part, without this figure"
        return "figures not yet entered"
    if foi.status == Status.WITHDRAWN:
        return "request withdrawn"
    if foi.status == Status.DRAFT:
        return "request not yet sent"
    if foi.is_overdue(today):
        return "no reply yet, overdue"
    return "no reply yet"
