"""Reading the tidy format from a file: one row per figure, columns force, period, metric, one
per dimension, value, status?, note?. CSV or XLSX in, (columns, rows, warnings) out, with the
line numbers a spreadsheet shows. No database: checking the rows against a campaign is the
import service's job (figures_app/services/imports.py).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import PurePath

from requests_app.tabular import restore

REQUIRED = ("force", "period", "metric", "value")
OPTIONAL = ("status", "note")
# Column names of the tidy format that a dimension may not take.
RESERVED_COLUMNS = frozenset(REQUIRED + OPTIONAL)


class ImportFileError(ValueError):
    """Errors found in a file, each naming its line. Nothing has been written."""

    def __init__(self, errors: list[str]) -> None:
        self.errors = errors
        super().__init__(
            "; ".join(errors[:5]) + (f" (and {len(errors) - 5} more)" if len(errors) > 5 else "")
        )


@dataclass
class Row:
    line: int
    values: dict[str, object]


def _norm_header(name) -> str:
    return re.sub(r"\s+", "_", str(name or "").strip().lower())


def read_rows(data: bytes, filename: str) -> tuple[list[str], list[Row], list[str]]:
    """(columns, rows, warnings) of a CSV or XLSX file. Line numbers are those a spreadsheet shows."""
    suffix = PurePath(filename).suffix.lower()
    if suffix == ".xlsx":
        return _read_xlsx(data)
    if suffix in (".csv", ".txt", ""):
        return _read_csv(data)
    raise ImportFileError([f"{filename}: use a .csv or .xlsx file."])


def _read_csv(data: bytes) -> tuple[list[str], list[Row], list[str]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            raise ImportFileError(["Line 1: the file is not UTF-8 text."]) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise ImportFileError(["Line 1: the file is empty."]) from None
    columns = [_norm_header(h) for h in header]
    rows = []
    for values in reader:
        line = reader.line_num
        if not any(v.strip() for v in values):
            continue
        values = [restore(v) for v in values]
        rows.append(
            Row(
                line,
                dict(zip(columns, values, strict=False)) | {"__extra__": values[len(columns) :]},
            )
        )
    return columns, rows, []


def _read_xlsx(data: bytes) -> tuple[list[str], list[Row], list[str]]:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many types for a bad file
        raise ImportFileError(["The file is not a readable .xlsx workbook."]) from None
    warnings = []
    visible = [ws for ws in wb.worksheets if ws.sheet_state == "visible"]
    hidden = [ws.title for ws in wb.worksheets if ws.sheet_state != "visible"]
    if hidden:
        # Returned spreadsheets sometimes hide sheets with personal data (DOMAIN.md section 4).
        warnings.append(
            f"Hidden sheets ignored: {', '.join(hidden)}. Check them for personal data."
        )
    ws = (
        wb[wb.active.title]
        if wb.active is not None and wb.active.sheet_state == "visible"
        else (visible[0] if visible else None)
    )
    if ws is None:
        raise ImportFileError(["Line 1: the workbook has no visible sheet."])
    if len(visible) > 1:
        warnings.append(f"Only the sheet '{ws.title}' was read.")
    it = ws.iter_rows(values_only=True)
    try:
        header = next(it)
    except StopIteration:
        raise ImportFileError(["Line 1: the sheet is empty."]) from None
    columns = [_norm_header(h) for h in header]
    while columns and columns[-1] == "":
        columns.pop()
    rows = []
    for line, values in enumerate(it, start=2):
        if not any(v is not None and str(v).strip() for v in values):
            continue
        cells = ["" if v is None else restore(v) if isinstance(v, str) else v for v in values]
        rows.append(
            Row(
                line,
                dict(zip(columns, cells, strict=False))
                | {"__extra__": [c for c in cells[len(columns) :] if c != ""]},
            )
        )
    wb.close()
    return columns, rows, warnings
