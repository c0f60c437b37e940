"""Reading the tidy format from a file: one row per figure, columns force, period, metric, one
per dimension, value, status?, note?, as_given? (the force's wording of the value, kept when it
says the same number), source? (force / published: where the figure came from; empty means the
import's own), and review?, taken_from?, taken_from_url? (written by the export, ignored here).
CSV or XLSX in, (columns, rows, warnings) out, with the line numbers a spreadsheet shows. No
database: checking the rows against a campaign is the import service's job
(figures_app/services/imports.py).

Rows are streamed, not held: a CSV file is parsed twice from its decoded text, once to count the
rows and apply the limits (so every reading error comes before any row is checked, and the
progress bar knows the total), then again row by row as the importer checks them. Holding every
row as a dict cost ~2 KB a row (200 MB for 100,000). XLSX sheets are read twice the same way,
as streams (requests_app/xlsx_stream.py): what a reading holds is the file, its shared strings
and one row.
"""

from __future__ import annotations

import csv
import io
import re
import time
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import PurePath

from django.conf import settings

from requests_app.tabular import restore
from requests_app.xlsx_stream import Workbook
from requests_app.xml_stream import XlsxError

REQUIRED = ("force", "period", "metric", "value")
OPTIONAL = (
    "status",
    "note",
    "as_given",
    "review",
    "source",
    "taken_from",
    "taken_from_url",
    "answered_on",
    # The export's low and high of a range (figures_app/exports.py RANGE_COLUMNS): read from the
    # breakdown's column, so ignored here.
    "low",
    "high",
)
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


class Rows:
    """The rows of a file: len() is known before they are read; each iteration reads them again
    (a fresh iterator of fresh Row objects, so nothing holds them all)."""

    def __init__(self, count: int, make: Callable[[], Iterator[Row]]) -> None:
        self.count, self._make = count, make

    def __len__(self) -> int:
        return self.count

    def __iter__(self) -> Iterator[Row]:
        return self._make()


def _restore(value: str) -> str:
    # restore() only changes text that starts with a quote; the test first saves a call a cell.
    return restore(value) if value[:1] == "'" else value


def _norm_header(name) -> str:
    return re.sub(r"\s+", "_", str(name or "").strip().lower())[:100]


def short(text: object, limit: int = 40) -> str:
    """Text quoted back in an error message, cut so a 200 KB cell cannot flood the page."""
    text = str(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


class _Limits:
    """Rows, columns and time a file may take (settings IMPORT_*), checked while reading."""

    def __init__(self) -> None:
        self.max_rows = settings.IMPORT_MAX_ROWS
        self.max_columns = settings.IMPORT_MAX_COLUMNS
        self.deadline = time.monotonic() + settings.IMPORT_MAX_SECONDS

    def check_header(self, columns: list[str]) -> None:
        if len(columns) > self.max_columns:
            raise ImportFileError(
                [
                    f"Line 1: {len(columns):,} columns; a figures file has at most {self.max_columns}."
                ]
            )

    def check_row(self, count: int, line: int) -> None:
        if count > self.max_rows:
            raise ImportFileError(
                [
                    f"Line {line}: more than {self.max_rows:,} rows; split the file "
                    "(IMPORT_MAX_ROWS sets the limit)."
                ]
            )
        if count % 1000 == 0 and time.monotonic() > self.deadline:
            raise ImportFileError(
                [
                    f"Line {line}: reading the file took longer than "
                    f"{settings.IMPORT_MAX_SECONDS} seconds; split it into smaller files."
                ]
            )


def read_rows(data: bytes, filename: str) -> tuple[list[str], Rows, list[str]]:
    """(columns, rows, warnings) of a CSV or XLSX file. Line numbers are those a spreadsheet shows."""
    suffix = PurePath(filename).suffix.lower()
    if suffix == ".xlsx":
        return _read_xlsx(data)
    if suffix in (".csv", ".txt", ""):
        return _read_csv(data)
    raise ImportFileError([f"{filename}: use a .csv or .xlsx file."])


def _read_csv(data: bytes) -> tuple[list[str], Rows, list[str]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            raise ImportFileError(["Line 1: the file is not UTF-8 text."]) from None
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise ImportFileError([f"Line {line}: the file contains a NUL character (not text)."])
    limits = _Limits()
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise ImportFileError(["Line 1: the file is empty."]) from None
    except csv.Error as exc:
        raise ImportFileError([f"Line 1: {exc}."]) from None
    columns = [_norm_header(h) for h in header]
    limits.check_header(columns)
    count = 0
    while True:
        try:
            values = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            # e.g. a field larger than the csv module's limit (131,072 characters).
            raise ImportFileError([f"Line {reader.line_num}: {exc}."]) from None
        if not any(v.strip() for v in values):
            continue
        count += 1
        limits.check_row(count, reader.line_num)

    def rows() -> Iterator[Row]:
        # The first pass raised every error this one could meet.
        again = csv.reader(io.StringIO(text, newline=""))
        next(again)
        width = len(columns)
        for values in again:
            if not "".join(values).strip():  # a blank row (what any(v.strip()) says, faster)
                continue
            values = [restore(v) if v[:1] == "'" else v for v in values]
            row = dict(zip(columns, values, strict=False))
            row["__extra__"] = values[width:]
            yield Row(again.line_num, row)

    return columns, Rows(count, rows), []


def _check_package(data: bytes) -> None:
    """Refuse a workbook that would unpack to more than the limits, from the sizes its zip
    directory declares (Python's zipfile never inflates a member past its declared size), before
    anything is read. Shared strings have a limit of their own: they are held in memory (as
    UTF-8, at most about twice the part's size), while sheets are streamed."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            members = package.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise ImportFileError(["The file is not a readable .xlsx workbook."]) from None
    mb = 1024 * 1024
    unpacked = sum(m.file_size for m in members)
    if unpacked > settings.IMPORT_XLSX_MAX_UNPACKED_MB * mb:
        raise ImportFileError(
            [
                f"The workbook unpacks to {unpacked / mb:,.0f} MB, more than the "
                f"{settings.IMPORT_XLSX_MAX_UNPACKED_MB} MB limit; it was not read. Save the "
                "sheet with the figures on its own, or as CSV."
            ]
        )
    strings = sum(m.file_size for m in members if m.filename.lower().endswith("sharedstrings.xml"))
    if strings > settings.IMPORT_XLSX_MAX_STRINGS_MB * mb:
        raise ImportFileError(
            [
                f"The workbook's text takes {strings / mb:,.0f} MB, more than the "
                f"{settings.IMPORT_XLSX_MAX_STRINGS_MB} MB limit; it was not read. Save it as CSV."
            ]
        )


def _read_xlsx(data: bytes) -> tuple[list[str], Rows, list[str]]:
    _check_package(data)
    mb = 1024 * 1024
    try:
        return _read_checked_xlsx(
            Workbook(
                data,
                max_unpacked=settings.IMPORT_XLSX_MAX_UNPACKED_MB * mb,
                max_strings=settings.IMPORT_XLSX_MAX_STRINGS_MB * mb,
            )
        )
    except ImportFileError:
        raise
    except XlsxError as exc:
        raise ImportFileError([str(exc)]) from None
    except Exception as exc:  # a damaged part can fail in ways no check above names
        raise ImportFileError(
            [f"The workbook is damaged and cannot be read ({type(exc).__name__})."]
        ) from None


def _read_checked_xlsx(book: Workbook) -> tuple[list[str], Rows, list[str]]:
    warnings = []
    sheets = [sheet for sheet in book.sheets if not sheet.is_chart]
    visible = [sheet for sheet in sheets if sheet.state == "visible"]
    hidden = [sheet.name for sheet in sheets if sheet.state != "visible"]
    if hidden:
        # Returned spreadsheets sometimes hide sheets with personal data (DOMAIN.md section 4).
        warnings.append(
            f"Hidden sheets ignored: {', '.join(hidden)}. Check them for personal data."
        )
    active = book.sheets[book.active] if 0 <= book.active < len(book.sheets) else None
    if active is None or active.is_chart or active.state != "visible":
        active = visible[0] if visible else None
    if active is None:
        raise ImportFileError(["Line 1: the workbook has no visible sheet."])
    if len(visible) > 1:
        warnings.append(f"Only the sheet '{active.name}' was read.")
    limits = _Limits()
    # One column past the limit is enough to refuse a header or report a cell past the last
    # column; a row never holds more.
    width_read = limits.max_columns + 1
    # Read twice, as CSV is: once to apply the limits and meet every damaged cell before any
    # row is checked, then row by row as the importer checks them, so no row is kept.
    first = next(book.rows(active, columns=width_read), None)
    if first is None:
        raise ImportFileError(["Line 1: the sheet is empty."])
    header = first[1] if first[0] == 1 else []
    columns = [_norm_header(h) for h in header]
    while columns and columns[-1] == "":
        columns.pop()
    if len(columns) > limits.max_columns:
        raise ImportFileError(
            [f"Line 1: more than {limits.max_columns} columns; a figures file has at most that."]
        )
    width = len(columns)

    def body() -> Iterator[tuple[int, list]]:
        for line, values in book.rows(active, columns=width_read):
            if line == 1:
                continue
            if any(v is not None and str(v).strip() for v in values):
                yield line, values

    count = 0
    for line, _values in body():
        count += 1
        limits.check_row(count, line)

    def rows() -> Iterator[Row]:
        for line, values in body():
            cells = ["" if v is None else _restore(v) if isinstance(v, str) else v for v in values]
            row = dict(zip(columns, cells, strict=False))
            row["__extra__"] = [c for c in cells[width:] if c != ""]
            yield Row(line, row)

    return columns, Rows(count, rows), warnings
