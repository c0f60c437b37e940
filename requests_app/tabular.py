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
import sys
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from functools import cache

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
    return "".join(iter_csv(rows))


# Rows per piece handed to a streamed response: big enough that the per-piece overhead vanishes,
# small enough that memory stays flat however many rows there are.
CSV_CHUNK_ROWS = 500


def iter_csv(rows: Iterable[Sequence], *, chunk_rows: int = CSV_CHUNK_ROWS) -> Iterator[str]:
    """`write_csv` in pieces of `chunk_rows` rows, for a StreamingHttpResponse.

    Lines end in "\n". A cell holding a carriage return is quoted, as one holding a newline is
    (the csv module quotes only the line terminator's characters, and a bare "\r" left unquoted
    makes a file no CSV reader, ours included, can read back); PostgreSQL's COPY quotes it too.
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    cr_writer = csv.writer(out, lineterminator="\r\n")  # quotes "\r" as well as "\n"
    count = 0
    for row in rows:
        cells = [_csv_cell(v) for v in row]
        if any("\r" in cell for cell in cells):
            cr_writer.writerow(cells)
            out.seek(out.tell() - 2)
            out.write("\n")
            out.truncate()
        else:
            writer.writerow(cells)
        count += 1
        if count == chunk_rows:
            yield out.getvalue()
            out.seek(0)
            out.truncate()
            count = 0
    if count:
        yield out.getvalue()


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


# --- the same CSV written by PostgreSQL's COPY ----------------------------------------------------
# COPY ... (FORMAT csv) quotes exactly the cells iter_csv quotes (a comma, a double quote, "\n"
# or "\r"), doubles quotes the same way and ends lines in "\n"; an empty string it would quote
# ("") where we write nothing, so every text cell goes through `csv_text_sql`, which turns ""
# into NULL. What is left is neutralising, in SQL below, with Python's own idea of a digit (re's
# \d is any Unicode decimal digit; PostgreSQL's is 0-9 only), spelt out character by character.


@cache
def decimal_digits() -> str:
    """Every character Python's re calls \\d and int() reads as a digit."""
    return "".join(chr(c) for c in range(sys.maxunicode + 1) if chr(c).isdecimal())


@cache
def whitespace() -> str:
    """Every character Python's re calls \\s and str.strip() removes."""
    return "".join(chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace())


def sql_literal(text: str) -> str:
    """A PostgreSQL string literal, read the same whatever standard_conforming_strings says
    (an escape string E'...' when it holds a backslash)."""
    if "\x00" in text:
        raise ValueError("PostgreSQL text cannot hold NUL")
    quoted = text.replace("'", "''")
    if "\\" in text:
        return "E'" + quoted.replace("\\", "\\\\") + "'"
    return "'" + quoted + "'"


def sql_digit() -> str:
    """A regular expression bracket matching one Python digit."""
    return f"[{decimal_digits()}]"


@cache
def _number_pattern() -> str:
    # _NUMBER, with Python's "$" (which also matches before a final "\n").
    d = sql_digit()
    return sql_literal(f"^[-+]?{d}+(\\.{d}+)?\\n?$")


def neutralise_sql(expr: str) -> str:
    """`neutralise` in SQL, for a text expression (evaluated up to three times: keep it a
    column)."""
    starts = ", ".join(f"chr({ord(c)})" for c in FORMULA_STARTS)
    return (
        f"CASE WHEN left({expr}, 1) IN ({starts}) AND {expr} !~ {_number_pattern()} "
        f"THEN '''' || {expr} ELSE {expr} END"
    )


def csv_text_sql(expr: str) -> str:
    """A text cell as `_csv_cell` writes it: neutralised, and NULL for empty so that COPY
    writes nothing rather than ""."""
    return f"NULLIF({neutralise_sql(expr)}, '')"


# Bytes per piece a COPY hands to a streamed response.
COPY_CHUNK_BYTES = 64 * 1024


def copy_csv(select_sql: str) -> Iterator[bytes]:
    """`COPY (select_sql) TO STDOUT (FORMAT csv)` on the default (PostgreSQL) database, in pieces
    of about COPY_CHUNK_BYTES. `select_sql` is complete: no parameters left to bind."""
    from django.db import connection

    buffer = bytearray()
    with connection.cursor() as cursor:
        with cursor.copy(f"COPY ({select_sql}) TO STDOUT (FORMAT csv)") as copy:
            for data in copy:
                buffer += data
                if len(buffer) >= COPY_CHUNK_BYTES:
                    yield bytes(buffer)
                    buffer.clear()
    if buffer:
        yield bytes(buffer)
