"""The figures export: one row per figure in the tidy format the importer reads (so exporting
and re-importing changes nothing), and the workbook that adds each metric's totals. Rows only:
requests_app.tabular writes them (formula-safe) as CSV or XLSX.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date

from figures_app.models import Category, Dimension, Figure, Kind
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
    return ["force", "period", "metric", *dims, "value", "status", "note"]


def export_rows(campaign: Campaign, *, basis: str = "all") -> Iterator[list[str]]:
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
        .select_related("request__force", "metric", "period")
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
        # The value as the force wrote it, so that re-importing the export changes nothing.
        if fig.kind == Kind.REPORTED:
            value = (
                fig.raw_text
                if fig.raw_text and _same_number(fig.raw_text, fig.value)
                else str(fig.value)
            )
        elif fig.kind == Kind.SUPPRESSED:
            value = fig.raw_text or "*"
        else:
            value = (
                fig.raw_text
                if fig.raw_text and not re.fullmatch(r"[-\d.,\s]+", fig.raw_text)
                else ""
            )
        row[-3], row[-2], row[-1] = value, fig.kind, fig.note
        yield row


def _same_number(text: str, value: int) -> bool:
    try:
        return parse_figure(text, bounds=(1, 4), status=Kind.REPORTED).value == value
    except ValueError:
        return False


def figures_workbook_sheets(campaign: Campaign, *, basis: str, today: date) -> dict[str, object]:
    """Sheets of the XLSX export: the figures (on `basis`), then each metric's approved totals
    and headlines."""
    sheets: dict[str, object] = {"figures": export_rows(campaign, basis=basis)}
    for metric in campaign.metrics.all():
        totals = metric_totals(metric=metric, basis=APPROVED, today=today)
        sheets[f"totals {metric.slug}"[:31]] = totals_sheet_rows(totals)
    return sheets
