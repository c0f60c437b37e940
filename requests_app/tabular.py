"""The one CSV/XLSX writer every export uses (both apps), and the reader's half of its escaping.

Formula injection (OWASP "CSV injection"): a spreadsheet runs text that begins with =, +, -, @,
a tab or a carriage return as a formula. Every text cell is written through `neutralise`, which
puts an apostrophe in front of such text (numbers such as "-12" or "-0.5" are left alone: they
are not formulas). Spreadsheets show the apostrophe-escaped text as typed; our importers call
`restore` so that exporting and re-importing changes nothing.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"^[-+]?\d+(\.\d+)?$")
# Whole numbers kept as text by callers ('1234') that a spreadsheet should be able to add up.
_WHOLE_NUMBER = re.compile(r"^(0|[1-9]\d{0,14})$")


def neutralise(text: str) -> str:
    """Text a spreadsheet will show and never evaluate."""
    if text.startswith(FORMULA_STARTS) and not _NUMBER.match(text):
        return "'" + text
    return text


def restore(text: str) -> str:
    """Undo `neutralise` on a value read back from one of our exports."""
    if text.startswith("'") and text[1:].startswith(FORMULA_STARTS) and not _NUMBER.match(text[1:]):
        return text[1:]
    return text


def _csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, str):
        return neutralise(value)
    return str(value)


def write_csv(rows: Iterable[Sequence]) -> str:
    """Rows (the first is the header) as CSV text; None as empty, dates as ISO 8601."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for row in rows:
        writer.writerow([_csv_cell(v) for v in row])
    return out.getvalue()


def _xlsx_cell(value):
    if value is None or value == "":
        return None
    if isinstance(value, str):
        # Whole numbers as numbers, so the spreadsheet can add them up.
        if _WHOLE_NUMBER.match(value):
            return int(value)
        return neutralise(value)
    return value


def write_xlsx(
    sheets: dict[str, Iterable[Sequence]], *, title: str = "", freeze_header: bool = False
) -> bytes:
    """One worksheet per entry (name cut to Excel's 31 characters), each a header and rows.

    Dates get an ISO number format; columns are sized to their header; text that a spreadsheet
    would evaluate is neutralised. Written in openpyxl's streaming mode, so memory stays flat.
    """
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.utils import get_column_letter

    book = Workbook(write_only=True)
    if title:
        book.properties.title = title[:255]
    for name, rows in sheets.items():
        sheet = book.create_sheet(title=name[:31])
        first = True
        for row in rows:
            if first:
                for index, header in enumerate(row, start=1):
                    width = max(12, len(str(header or "")) + 2)
                    sheet.column_dimensions[get_column_letter(index)].width = width
                if freeze_header:
                    sheet.freeze_panes = "B2"
                first = False
            cells = []
            for value in row:
                value = _xlsx_cell(value)
                if isinstance(value, (date, datetime)):
                    cell = WriteOnlyCell(sheet, value=value)
                    cell.number_format = "yyyy-mm-dd"
                    cells.append(cell)
                else:
                    cells.append(value)
            sheet.append(cells)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
