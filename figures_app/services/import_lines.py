"""An import's lines as the preview lists them, and the dates its answered_on column holds."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from figures_app.models import describe_figure
from figures_app.services.figure_rows import BulkFigure

if TYPE_CHECKING:
    from figures_app.services.import_checks import CheckedFile


def plan_lines(checked: CheckedFile, rows: list[BulkFigure], changes: dict[int, str]) -> list:
    """What each line became, for the preview: force, period, metric, category, value, and the
    change against what is stored."""
    categories: dict[tuple, str] = {}
    lines = []
    for row, fig in zip(checked.rows, rows, strict=False):
        category = categories.get(row.cats)
        if category is None:
            refs = checked.refs[row.cats]
            category = "; ".join(f"{r.dimension.label}: {r.value}" for r in refs) or "Total"
            categories[row.cats] = category
        lines.append(
            (
                fig.line,
                row.request.force.name,
                row.period.label,
                row.metric.label,
                category,
                describe_figure(fig._asdict()),
                changes.get(fig.line, "unchanged"),
            )
        )
    return lines


def read_date(raw) -> date | None:
    """A date cell: a spreadsheet's date, or text as 2017-03-20 or 20/03/2017; None if not."""
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    text = str(raw).strip()
    for parse in (date.fromisoformat, lambda t: datetime.strptime(t, "%d/%m/%Y").date()):
        try:
            return parse(text)
        except ValueError:
            continue
    return None
