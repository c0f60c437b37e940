"""The one CSV/XLSX writer every export uses (both apps), and the reader's half of its escaping.

Formula injection (OWASP "CSV injection"): a spreadsheet runs text that begins with =, +, -, @,
a tab or a carriage return as a formula. In CSV every such text cell gets an apostrophe in front
(`neutralise`; numbers such as "-12" or "-0.5" are left alone: they are not formulas), and our
importers call `restore` so that exporting and re-importing changes nothing. In XLSX the text is
kept exactly and stored as a string cell marked "quote prefix", which Excel and LibreOffice show
as typed and never evaluate (openpyxl would otherwise store it as a formula).
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
    """CSV text a spreadsheet will show and never evaluate."""
    return "'" + text if _is_formula_like(text) else text


def restore(text: str) -> str:
    """Undo `neutralise` on a value read back from one of our exports."""
    return text[1:] if text.startswith("'") and _is_formula_like(text[1:]) else text


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


def _is_formula_like(text: str) -> bool:
    return text.startswith(FORMULA_STARTS) and not _NUMBER.match(text)


def _xlsx_cell(sheet, value, numbers_from_text: bool):
    from openpyxl.cell import WriteOnlyCell

    if value is None or value == "":
        return None
    if isinstance(value, str):
        # Whole numbers as numbers, so the spreadsheet can add them up.
        if numbers_from_text and _WHOLE_NUMBER.match(value):
            return int(value)
        if _is_formula_like(value):
            cell = WriteOnlyCell(sheet, value=value)
            cell.data_type = "s"  # a string, not the formula openpyxl infers from "="
            cell.quotePrefix = True
            return cell
        return value
    if isinstance(value, (date, datetime)):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = "yyyy-mm-dd"
        return cell
    return value


def write_xlsx(
    sheets: dict[str, Iterable[Sequence]],
    *,
    title: str = "",
    freeze_header: bool = False,
    numbers_from_text: bool = False,
) -> bytes:
    """One worksheet per entry (name cut to Excel's 31 characters), each a header and rows.

    Dates get an ISO number format; columns are sized to their header; text that a spreadsheet
    would evaluate is stored as quoted text. With `numbers_from_text`, text that is a plain
    whole number ("1234", as the figures export keeps a force's wording) is written as a number
    so that a SUM adds it up; references such as "00123" stay text either way. Written in
    openpyxl's streaming mode, so memory stays flat.
    """
    from openpyxl import Workbook
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
            sheet.append([_xlsx_cell(sheet, value, numbers_from_text) for value in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
