"""Reading an import's cells: the dates its answered_on column holds."""

from __future__ import annotations

from datetime import date, datetime


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
