"""Reading a list of public bodies someone already has (a council list, an NHS register) from
CSV or XLSX: which column is the name, the code, the nation, the FOI address, the other names.
Pure (no database): matching the rows to the registry and writing them is
services/bodies.py's job.

Lists come from many hands, so headers are recognised loosely: case, spaces, underscores, a BOM
and trailing spaces do not matter; "Authority", "Public authority" and "Name" all name the body;
"GSS Code", "ONS code" and "Code" its code; ONS's own files' "LAD24NM" / "LAD24CD" too. A person
names a column the file spells differently with an override (`--name-column` ...). The header
may follow a title line or "#" comments: it is the first of the file's first rows that names a
body column.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import PurePath

from django.conf import settings

from requests_app.tabular import restore
from requests_app.xlsx_stream import Workbook
from requests_app.xml_stream import XlsxError

# What each column may be called, normalised by header_key.
HEADERS: dict[str, tuple[str, ...]] = {
    "name": (
        "name",
        "authority",
        "public authority",
        "authority name",
        "name of authority",
        "official name",
        "body",
        "body name",
        "public body",
        "public body name",
        "organisation",
        "organisation name",
        "organization name",
        "local authority",
        "local authority name",
        "la name",
        "council",
        "council name",
        "trust name",
    ),
    # Not "local authority code": some lists (mySociety's) use it for a three-letter code beside
    # the GSS code, which is the one a body is matched by.
    "code": (
        "code",
        "gss code",
        "gss",
        "ons code",
        "ons",
        "gss id",
        "authority code",
        "ods code",
        "organisation code",
    ),
    "nation": ("nation", "country"),
    "email": (
        "foi email",
        "email",
        "foi email address",
        "email address",
        "foi address",
        "request email",
        "foi contact email",
    ),
    "aliases": (
        "also known as",
        "aka",
        "aliases",
        "alias",
        "other names",
        "alternative names",
        "former names",
        "previous names",
    ),
    "short_name": ("short name", "nice name"),
    "law": ("law",),
}
# ONS geography files: LAD24NM is the name, LAD24CD the code, CTRY24NM the nation.
_ONS_NATION = re.compile(r"^ctry\d\dnm$")
_ONS_NAME = re.compile(r"^[a-z]{2,5}\d\dnm$")
_ONS_CODE = re.compile(r"^[a-z]{2,5}\d\dcd$")
# How far down a file the header may be (below a title line or comments).
HEADER_SEARCH_ROWS = 10
MAX_COLUMNS = 100


class BodyFileError(ValueError):
    """The file cannot be read as a list of bodies; nothing has been written."""


@dataclass
class BodyRow:
    line: int  # as a spreadsheet shows it
    name: str
    code: str = ""
    nation: str = ""
    email: str = ""
    aliases: list[str] = field(default_factory=list)
    short_name: str = ""
    law: str = ""


def header_key(text: object) -> str:
    """'\\ufeffGSS_Code ' -> 'gss code'."""
    text = str(text or "").replace("\ufeff", "").strip().lower()
    return " ".join(re.sub(r"[_\-.:]+", " ", text).split())


def _column_of(key: str) -> str | None:
    for column, names in HEADERS.items():
        if key in names:
            return column
    if _ONS_NATION.match(key):
        return "nation"
    if _ONS_NAME.match(key):
        return "name"
    if _ONS_CODE.match(key):
        return "code"
    return None


def columns_of(header: list[str], overrides: dict[str, str]) -> dict[str, int]:
    """{column: index} for the header; an override names the header to use for a column."""
    keys = [header_key(h) for h in header]
    found: dict[str, int] = {}
    for index, key in enumerate(keys):
        column = _column_of(key)
        if column and column not in found:  # the first of two "name"-like columns wins
            found[column] = index
    for column, wanted in overrides.items():
        if not wanted:
            continue
        try:
            found[column] = keys.index(header_key(wanted))
        except ValueError:
            raise BodyFileError(
                f"No column called '{wanted}' (for the {column}); the columns are: "
                + ", ".join(str(h).strip() for h in header if str(h).strip())
                + "."
            ) from None
    return found


def split_names(text: str) -> list[str]:
    """'Met; The Met | MPS' -> ['Met', 'The Met', 'MPS']."""
    return [part.strip() for part in re.split(r"[;|\n]", text) if part.strip()]


def _cell(values: list, index: int | None) -> str:
    if index is None or index >= len(values) or values[index] is None:
        return ""
    value = values[index]
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return restore(text) if text[:1] == "'" else text


def _rows_to_bodies(rows: list[tuple[int, list]], overrides: dict[str, str]) -> list[BodyRow]:
    header_at = None
    for i, (_line, values) in enumerate(rows[:HEADER_SEARCH_ROWS]):
        wanted = overrides.get("name")
        keys = [header_key(v) for v in values]
        if (wanted and header_key(wanted) in keys) or any(_column_of(k) == "name" for k in keys):
            header_at = i
            break
    if header_at is None:
        first = rows[0][1] if rows else []
        raise BodyFileError(
            "No column names the bodies (expected one called Name, Authority or Public "
            "authority, or give --name-column). The first row is: "
            + ", ".join(str(v).strip() for v in first if v not in (None, ""))[:300]
        )
    line, header = rows[header_at]
    columns = columns_of([str(h or "") for h in header], overrides)
    bodies = []
    for line, values in rows[header_at + 1 :]:
        cells = {column: _cell(values, index) for column, index in columns.items()}
        bodies.append(
            BodyRow(
                line=line,
                name=" ".join(cells.get("name", "").split()),
                code=cells.get("code", ""),
                nation=cells.get("nation", ""),
                email=cells.get("email", ""),
                aliases=split_names(cells.get("aliases", "")),
                short_name=cells.get("short_name", ""),
                law=cells.get("law", ""),
            )
        )
    return bodies


def _blank(values: list) -> bool:
    return not any(v is not None and str(v).strip() for v in values)


def _csv_rows(data: bytes) -> list[tuple[int, list]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    if "\x00" in text:
        raise BodyFileError("The file contains a NUL character: it is not a CSV file.")
    # Commas, unless the first line that is not a comment has none but has tabs or semicolons
    # (a spreadsheet saved in a locale that uses them). Not csv.Sniffer: a quoted "a; b" in an
    # "also known as" column fooled it into splitting on ";".
    first = next((ln for ln in text.splitlines() if ln.strip() and ln.lstrip()[0] != "#"), "")
    delimiter = "," if "," in first else "\t" if "\t" in first else ";" if ";" in first else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows = []
    try:
        for values in reader:
            if _blank(values) or values[0].lstrip().startswith("#"):
                continue  # blank lines and comments (the demo's list says where it is from)
            rows.append((reader.line_num, values[:MAX_COLUMNS]))
            if len(rows) > settings.IMPORT_MAX_ROWS:
                raise BodyFileError(f"More than {settings.IMPORT_MAX_ROWS:,} rows.")
    except csv.Error as exc:
        raise BodyFileError(f"Line {reader.line_num}: {exc}.") from None
    return rows


def _xlsx_rows(data: bytes) -> list[tuple[int, list]]:
    mb = 1024 * 1024
    try:
        book = Workbook(
            data,
            max_unpacked=settings.IMPORT_XLSX_MAX_UNPACKED_MB * mb,
            max_strings=settings.IMPORT_XLSX_MAX_STRINGS_MB * mb,
        )
        visible = [s for s in book.sheets if not s.is_chart and s.state == "visible"]
        if not visible:
            raise BodyFileError("The workbook has no visible sheet.")
        active = book.sheets[book.active] if 0 <= book.active < len(book.sheets) else None
        sheet = active if active in visible else visible[0]
        rows = [
            (line, values)
            for line, values in book.rows(sheet, columns=MAX_COLUMNS)
            if not _blank(values)
        ]
    except XlsxError as exc:
        raise BodyFileError(str(exc)) from None
    if len(rows) > settings.IMPORT_MAX_ROWS:
        raise BodyFileError(f"More than {settings.IMPORT_MAX_ROWS:,} rows.")
    return rows


def read_bodies(
    data: bytes, filename: str, *, overrides: dict[str, str] | None = None
) -> list[BodyRow]:
    """The bodies a CSV or XLSX file lists, one BodyRow per non-blank line below its header."""
    suffix = PurePath(filename).suffix.lower()
    if suffix == ".xlsx":
        rows = _xlsx_rows(data)
    elif suffix in (".csv", ".txt", ""):
        rows = _csv_rows(data)
    else:
        raise BodyFileError(f"{filename}: use a .csv or .xlsx file.")
    if not rows:
        raise BodyFileError("The file is empty.")
    return _rows_to_bodies(rows, overrides or {})
