"""The figures export: one row per figure in the tidy format the importer reads (so exporting
and re-importing changes nothing), and the workbook that adds each metric's totals. Rows only:
requests_app.tabular writes them (formula-safe) as CSV or XLSX.

Numbers are numbers: `value` holds a reported count as a number (1234, never the force's
"1,234", which a spreadsheet keeps as text and leaves out of a SUM); the force's own wording is
in `as_given`, and the importer keeps it when it says the same number. `review` gives each
figure's review state (approved / waiting for review / sent back); the importer ignores it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date

from figures_app.models import Category, Dimension, Figure, FigureReview, Kind, ReviewState
from figures_app.selectors.totals import APPROVED, basis_filter, metric_totals
from figures_app.totals_output import totals_sheet_rows
from figures_app.values import parse_figure
from requests_app.models import Campaign


def export_columns(campaign: Campaign) -> list[str]:
    dims: list[str] = []
    for dim_slug in (
        Dimension.objects.filter(metric__campaign=campaign)
        .order_by("metric__position", "metric_id", "position")
        .values_list("slug", flat=True)
    ):
        if dim_slug not in dims:
            dims.append(dim_slug)
    return ["force", "period", "metric", *dims, "value", "status", "as_given", "review", "note"]


REVIEW_WORDS = {
    ReviewState.APPROVED: "approved",
    ReviewState.PENDING: "waiting for review",
    ReviewState.SENT_BACK: "sent back",
}


def basis_words(basis: str) -> str:
    """Which figures an export holds, in words for its file name, sheet or column."""
    return "approved only" if basis == APPROVED else "all, including not yet approved"


def _review_state(fig: Figure) -> str:
    try:
        state = fig.request.figure_review.state
    except FigureReview.DoesNotExist:  # no review yet: waiting, as the totals count it
        state = ReviewState.PENDING
    return REVIEW_WORDS.get(state, state)


def export_rows(campaign: Campaign, *, basis: str = "all") -> Iterator[list]:
    """Header, then one row per figure, in the format import_figures reads."""
    columns = export_columns(campaign)
    yield columns
    dims_at = {name: i for i, name in enumerate(columns)}
    categories = {
        c.pk: c
        for c in Category.objects.filter(dimension__metric__campaign=campaign).select_related(
            "dimension"
        )
    }
    figures = (
        Figure.objects.filter(request__campaign=campaign)
        .filter(basis_filter(basis))
        .select_related("request__force", "request__figure_review", "metric", "period")
        .order_by(
            "request__force__name",
            "metric__position",
            "metric_id",
            "period__position",
            "period__start",
            "category_key",
        )
    )
    for fig in figures.iterator(chunk_size=2000):
        row = [""] * len(columns)
        row[0], row[1], row[2] = fig.request.force.name, fig.period.label, fig.metric.slug
        for pk in filter(None, fig.category_key.split(".")):
            cat = categories[int(pk)]
            row[dims_at[cat.dimension.slug]] = cat.value
        # A count as a number; the force's wording beside it (re-imported when it says the same
        # number, so that a round trip changes nothing).
        as_given = fig.raw_text
        if fig.kind == Kind.REPORTED:
            value = fig.value
            if not (fig.raw_text and _same_number(fig.raw_text, fig.value)):
                as_given = ""
        elif fig.kind == Kind.SUPPRESSED:
            value = fig.raw_text or "*"
        else:
            value = (
                fig.raw_text
                if fig.raw_text and not re.fullmatch(r"[-\d.,\s]+", fig.raw_text)
                else ""
            )
        row[-5], row[-4], row[-3] = value, fig.kind, as_given
        row[-2], row[-1] = _review_state(fig), fig.note
        yield row


def _same_number(text: str, value: int) -> bool:
    try:
        return parse_figure(text, bounds=(1, 4), status=Kind.REPORTED).value == value
    except ValueError:
        return False


def figures_workbook_sheets(campaign: Campaign, *, basis: str, today: date) -> dict[str, object]:
    """Sheets of the XLSX export: the figures (on `basis`), then each metric's approved totals
    and headlines, then 'about', saying which figures the file holds."""
    sheets: dict[str, object] = {"figures": export_rows(campaign, basis=basis)}
    for metric in campaign.metrics.all():
        totals = metric_totals(metric=metric, basis=APPROVED, today=today)
        sheets[f"totals {metric.slug}"[:31]] = totals_sheet_rows(totals)
    sheets["about"] = [
        ["campaign", campaign.title],
        ["figures sheet", basis_words(basis)],
        ["totals sheets", basis_words(APPROVED)],
        ["exported on", today],
    ]
    return sheets
