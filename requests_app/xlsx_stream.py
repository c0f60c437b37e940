"""Reading XLSX workbooks as streams: a sheet's rows, its merged cells, shared strings and dates,
each XML part parsed in pieces within a budget. Used by the tidy import (figures_app/readers.py),
the cells page (figures_app/cells.py) and screening (requests_app/screening/xlsx.py).

Why not openpyxl: in read-only mode it keeps every shared string as a Python object, takes a
negative shared-string index as one counted from the end of the table, and ElementTree (its parser,
and ours before) keeps any run of text between two tags whole, as the text or tail of an element:
390 MB of blanks packed into 400 KB cost 900 MB. Here each part goes through expat 64 KB at a
time (requests_app/xml_stream.py, which screening's own handlers use too), and what the file
may make us hold is bounded:
- the decompressed bytes of a reading are counted as they are read, against a budget;
- at most xml_stream.MAX_TEXT characters of text may stand between two tags, and a tag,
  comment or processing instruction expat is still reading may hold at most MAX_TOKEN bytes;
- only the text of the value being read is kept; a row holds at most the columns asked for;
- shared strings are kept as one block of UTF-8 with an offset each (a bounded part in, at most
  about twice its size in memory);
- entity declarations are refused (billion laughs), as defusedxml does.
So what a reading holds is the file, the shared strings and one row, whatever the file says.

Pure Python and no Django: screening runs it in a sandboxed child.
"""

from __future__ import annotations

import io
import re
import zipfile
from array import array
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO

from requests_app.xml_stream import StreamHandler, XlsxError, XlsxLimit, drain, local_name, parse

# Merged ranges kept for a sheet (only those that reach the cells asked for).
MAX_MERGED = 20_000

_REF = re.compile(r"^\$?([A-Z]{1,3})\$?([0-9]{1,7})$")
_DIGITS = "0123456789"
_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def split_ref(ref: str) -> tuple[int, int] | None:
    """'B3' -> (3, 2), 1-based (row, column); None when it is not a cell reference."""
    match = _REF.match(ref)
    if not match:
        return None
    column = 0
    for letter in match.group(1):
        column = column * 26 + ord(letter) - 64
    return int(match.group(2)), column


def column_letters(column: int) -> str:
    """1 -> 'A', 27 -> 'AA'."""
    letters = ""
    while column:
        column, rest = divmod(column - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


# Every column's letters -> its number (1-based), Excel's 16,384 of them.
_COLUMNS = {column_letters(n): n for n in range(1, 16385)}


class _Counted:
    """A zip member read in pieces, refusing to produce more than `limit` bytes."""

    def __init__(self, raw: IO[bytes], limit: int, too_big: str) -> None:
        self.raw, self.limit, self.too_big = raw, limit, too_big
        self.produced = 0

    def read(self, size: int) -> bytes:
        data = self.raw.read(size)
        self.produced += len(data)
        if self.produced > self.limit:
            raise XlsxLimit(self.too_big)
        return data


class _Rels(StreamHandler):
    def __init__(self, folder: str) -> None:
        super().__init__()
        self.folder = folder
        self.found: dict[str, tuple[str, str]] = {}

    def start(self, name: str, attrs: dict) -> None:
        self.run = 0
        if local_name(name) == "Relationship" and attrs.get("TargetMode") != "External":
            kind = attrs.get("Type", "").rsplit("/", 1)[-1]
            self.found[attrs.get("Id", "")] = (kind, resolve(self.folder, attrs.get("Target", "")))

    def end(self, name: str) -> None:
        self.run = 0


def resolve(folder: str, target: str) -> str:
    """A relationship's target as a part name (OPC, ECMA-376 part 2: every Office package,
    read here and by screening/packages.py)."""
    if target.startswith("/"):
        return target.lstrip("/")
    parts = [p for p in folder.split("/") if p]
    for piece in target.split("/"):
        if piece == "..":
            if parts:
                parts.pop()
        elif piece and piece != ".":
            parts.append(piece)
    return "/".join(parts)


@dataclass
class SheetInfo:
    name: str
    state: str  # visible, hidden or veryHidden
    part: str  # "" when the workbook names no such part
    is_chart: bool = False


class _WorkbookPart(StreamHandler):
    def __init__(self, rels: dict[str, tuple[str, str]]) -> None:
        super().__init__()
        self.rels = rels
        self.sheets: list[SheetInfo] = []
        self.active = 0
        self.date1904 = False

    def start(self, name: str, attrs: dict) -> None:
        self.run = 0
        tag = local_name(name)
        if tag == "sheet":
            kind, part = self.rels.get(attrs.get(f"{_RELS} id", ""), ("", ""))
            self.sheets.append(
                SheetInfo(
                    attrs.get("name", "?"),
                    attrs.get("state", "visible"),
                    part,
                    is_chart=kind == "chartsheet",
                )
            )
        elif tag == "workbookView" and not self.active:
            self.active = _int(attrs.get("activeTab"), 0)
        elif tag == "workbookPr":
            self.date1904 = attrs.get("date1904") in ("1", "true")

    def end(self, name: str) -> None:
        self.run = 0


class _Styles(StreamHandler):
    """Which cell formats (xf indexes) show a date or a duration, as openpyxl decides it."""

    def __init__(self) -> None:
        super().__init__()
        self.custom: dict[int, str] = {}
        self.in_cell_xfs = False
        self.xf_formats: array = array("l")

    def start(self, name: str, attrs: dict) -> None:
        self.run = 0
        tag = local_name(name)
        if tag == "numFmt":
            self.custom[_int(attrs.get("numFmtId"), -1)] = attrs.get("formatCode", "")
        elif tag == "cellXfs":
            self.in_cell_xfs = True
        elif tag == "xf" and self.in_cell_xfs:
            self.xf_formats.append(_int(attrs.get("numFmtId"), 0))

    def end(self, name: str) -> None:
        self.run = 0
        if local_name(name) == "cellXfs":
            self.in_cell_xfs = False

    def kinds(self) -> tuple[set[str], set[str]]:
        """(date formats, duration formats), as the indexes cells give in their s attribute."""
        from openpyxl.styles.numbers import (
            builtin_format_code,
            is_date_format,
            is_timedelta_format,
        )

        dates, durations = set(), set()
        verdicts: dict[int, tuple[bool, bool]] = {}
        for index, format_id in enumerate(self.xf_formats):
            if format_id not in verdicts:
                code = self.custom.get(format_id) or builtin_format_code(format_id)
                verdicts[format_id] = (is_date_format(code), is_timedelta_format(code))
            is_date, is_duration = verdicts[format_id]
            if is_date:
                dates.add(str(index))
            if is_duration:
                durations.add(str(index))
        return dates, durations


class SharedStrings(StreamHandler):
    """The workbook's shared strings, as one block of UTF-8 and where each ends."""

    def __init__(self) -> None:
        super().__init__()
        self.where = "The shared strings"
        self.block = bytearray()
        self.ends = array("Q")
        self.phonetic = 0  # inside <rPh>: a reading aid, not part of the text (as openpyxl)

    def __len__(self) -> int:
        return len(self.ends)

    def get(self, index: int) -> str | None:
        if not 0 <= index < len(self.ends):
            return None
        start = self.ends[index - 1] if index else 0
        return self.block[start : self.ends[index]].decode()

    def start(self, name: str, attrs: dict) -> None:
        self.run = 0
        tag = local_name(name)
        if tag == "t":
            self.keeping = not self.phonetic
        elif tag == "rPh":
            self.phonetic += 1

    def end(self, name: str) -> None:
        self.run = 0
        tag = local_name(name)
        if tag == "t":
            self.keeping = False
        elif tag == "rPh":
            self.phonetic -= 1
        elif tag == "si":
            self.block += self.take().replace("x005F_", "").encode()
            self.ends.append(len(self.block))


def _int(value, default: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


@dataclass
class Sheet:
    """What reading a sheet found besides its rows (filled in as the rows are read)."""

    max_row: int = 0  # the last row and column holding a cell (with a value or only a style)
    max_column: int = 0
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)  # 1-based r1 c1 r2 c2


class _Cells(StreamHandler):
    """A worksheet's rows as (row number, values), values converted as openpyxl does with
    data_only (numbers, dates by the cell's format, booleans, text; formulas give their cached
    value). Each row is a list of at most `columns` values."""

    def __init__(self, book: Workbook, sheet: SheetInfo, columns: int, rows: int | None) -> None:
        super().__init__()
        self.book, self.name, self.columns, self.rows = book, sheet.name, columns, rows
        self.where = f"Sheet '{sheet.name}'"
        self.info = Sheet()
        self.done: list[tuple[int, list]] = []
        self.row_number = 0
        self.column = 0
        self.values: list | None = None
        self.cell_type = "n"
        self.style: str | None = None
        self.value: str | None = None
        self.inline: str | None = None
        self.in_inline = False
        self.phonetic = 0

    # The two handlers below run for every element of the sheet: the common tags first, inline.
    def start(self, name: str, attrs: dict) -> None:
        self.run = 0
        tag = self.tags.get(name) or self._tag(name)
        if tag == "c":
            ref = attrs.get("r")
            if ref is None:
                self.column += 1
            else:
                letters = ref.rstrip(_DIGITS)
                column = _COLUMNS.get(letters)
                if column is None or len(letters) == len(ref):
                    raise XlsxError(
                        f"{self.where} has a cell '{ref[:20]}', which is not a cell "
                        "reference: the workbook is damaged."
                    )
                self.column = column
            self.cell_type = attrs.get("t", "n")
            self.style = attrs.get("s")
            self.value = self.inline = None
        elif tag == "v":
            self.keeping = True
        elif tag == "row":
            number = attrs.get("r")
            self.row_number = int(number) if number and number.isdigit() else self.row_number + 1
            self.column = 0
            self.values = None
        elif tag == "t":
            self.keeping = self.in_inline and not self.phonetic
        elif tag == "is":
            self.in_inline = True
            self.inline = ""
        elif tag == "rPh":
            self.phonetic += 1
        elif tag == "mergeCell":
            self._merge(attrs.get("ref", ""))

    def end(self, name: str) -> None:
        self.run = 0
        tag = self.tags.get(name) or self._tag(name)
        if tag == "c":
            self._cell()
        elif tag == "v":
            self.keeping = False
            self.value = self.take()
        elif tag == "row":
            if self.values is not None:
                self.done.append((self.row_number, self.values))
            self.values = None
        elif tag == "t":
            if self.keeping:
                self.inline += self.take()
            self.keeping = False
        elif tag == "is":
            self.in_inline = False
        elif tag == "rPh":
            self.phonetic -= 1

    @property
    def ref(self) -> str:
        return f"{column_letters(self.column)}{self.row_number}"

    def _cell(self) -> None:
        info, row, column = self.info, self.row_number, self.column
        if row > info.max_row:
            info.max_row = row
        if column > info.max_column:
            info.max_column = column
        value = self._convert()  # cells beyond the bounds too: a damaged one refuses the file
        if column > self.columns or (self.rows is not None and row > self.rows):
            return
        values = self.values
        if values is None:
            values = self.values = []
        if len(values) < column:
            values.extend([None] * (column - len(values)))
        values[column - 1] = value

    def _convert(self):
        kind = self.cell_type
        if kind == "inlineStr":
            return self.inline
        raw = self.value or None
        if raw is None:
            return None
        try:
            if kind == "n":
                number = float(raw) if ("." in raw or "E" in raw or "e" in raw) else int(raw)
                if self.style in self.book.date_styles:
                    return self.book.date(number, self.style)
                return number
            if kind == "s":
                index = int(raw)
                text = self.book.strings.get(index)
                if text is None:
                    raise XlsxError(
                        f"{self.name}!{self.ref} points at shared string {index}, which does "
                        "not exist: the workbook is damaged and was not read."
                    )
                return text
            if kind == "b":
                return bool(int(raw))
            if kind == "d":
                from openpyxl.utils.datetime import from_ISO8601

                return from_ISO8601(raw)
        except XlsxError:
            raise
        except ValueError:
            raise XlsxError(
                f"{self.name}!{self.ref} holds '{raw[:20]}', which is not a "
                f"{'date' if kind == 'd' else 'number'}: the workbook is damaged."
            ) from None
        return raw  # "str" (a formula's text), "e" (#N/A and the like)

    def _merge(self, ref: str) -> None:
        first, _, last = ref.partition(":")
        top, bottom = split_ref(first), split_ref(last or first)
        if top is None or bottom is None or len(self.info.merged) >= MAX_MERGED:
            return
        r1, c1 = min(top[0], bottom[0]), min(top[1], bottom[1])
        r2, c2 = max(top[0], bottom[0]), max(top[1], bottom[1])
        if c1 <= self.columns and (self.rows is None or r1 <= self.rows):
            self.info.merged.append((r1, c1, r2, c2))


class Workbook:
    """An XLSX package opened for streaming: its sheets, shared strings and date formats are
    read here; rows are read sheet by sheet with `rows`, as often as needed.

    `max_unpacked` bounds the decompressed bytes of a reading (the parts read here and then one
    sheet); `max_strings` the shared strings part. Both are checked against the zip directory
    first and again as the bytes come."""

    def __init__(self, data: bytes, *, max_unpacked: int, max_strings: int) -> None:
        self.max_unpacked = max_unpacked
        try:
            self.zip = zipfile.ZipFile(io.BytesIO(data))
            self.parts = {info.filename: info for info in self.zip.infolist()}
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError):
            raise XlsxError("The file is not a readable .xlsx workbook.") from None
        declared = sum(info.file_size for info in self.parts.values())
        if declared > max_unpacked:
            raise XlsxLimit(self._too_big())
        self.read_bytes = 0
        root = self._rels("_rels/.rels")
        main = next((t for kind, t in root.values() if kind == "officeDocument"), "xl/workbook.xml")
        if main not in self.parts:
            raise XlsxError("The file is not a readable .xlsx workbook (it has no workbook part).")
        folder = main.rpartition("/")[0]
        rels = self._rels(f"{folder}/_rels/{main.rpartition('/')[2]}.rels")
        book = _WorkbookPart(rels)
        self._drain(main, book, max_unpacked)
        self.sheets = book.sheets
        self.active = book.active
        self.epoch_1904 = book.date1904
        self.strings = SharedStrings()
        for kind, target in rels.values():
            if kind == "sharedStrings" and target in self.parts:
                too_many = (
                    "The workbook's text (shared strings) takes more than "
                    f"{max_strings / 2**20:,.0f} MB."
                )
                if self.parts[target].file_size > max_strings:
                    raise XlsxLimit(too_many)
                self._drain(target, self.strings, max_strings, too_many)
        self.date_styles: set[str] = set()
        self.duration_styles: set[str] = set()
        for kind, target in rels.values():
            if kind == "styles" and target in self.parts:
                styles = _Styles()
                styles.where = target
                self._drain(target, styles, max_unpacked)
                self.date_styles, self.duration_styles = styles.kinds()

    def _too_big(self) -> str:
        return f"The workbook unpacks to more than {self.max_unpacked / 2**20:,.0f} MB."

    def _open(self, part: str, limit: int, too_big: str = "") -> _Counted:
        left = self.max_unpacked - self.read_bytes
        raw = self.zip.open(self.parts[part])
        return _Counted(raw, min(limit, left), too_big or self._too_big())

    def _drain(self, part: str, handler, limit: int, too_big: str = "") -> None:
        handler.where = handler.where or part
        stream = self._open(part, limit, too_big)
        try:
            drain(stream, handler, part)
        finally:
            self.read_bytes += stream.produced

    def _rels(self, part: str) -> dict[str, tuple[str, str]]:
        if part not in self.parts:
            return {}
        handler = _Rels(part.rpartition("/_rels/")[0] if "/_rels/" in part else "")
        self._drain(part, handler, self.max_unpacked)
        return handler.found

    def date(self, number: float, style: str):
        from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel

        epoch = CALENDAR_MAC_1904 if self.epoch_1904 else CALENDAR_WINDOWS_1900
        try:
            return from_excel(number, epoch, timedelta=style in self.duration_styles)
        except (OverflowError, ValueError):
            return "#VALUE!"  # as openpyxl: a date format on a number no date can be

    def rows(
        self, sheet: SheetInfo, *, columns: int, rows: int | None = None, found: Sheet | None = None
    ) -> Iterator[tuple[int, list]]:
        """(row number, values) of each row holding a cell within the first `columns` columns
        (and `rows` rows), in order; values[i] is column i + 1, None where empty. Every cell is
        checked, those beyond the bounds too. `found`, if given, gets the sheet's extent and
        merged ranges once the rows have been read."""
        if sheet.part not in self.parts:
            return
        handler = _Cells(self, sheet, columns, rows)
        if found is not None:
            handler.info = found
        stream = self._open(sheet.part, self.max_unpacked)
        try:
            for _ in parse(stream, handler, f"Sheet '{sheet.name}'"):
                if handler.done:
                    yield from handler.done
                    handler.done.clear()
        finally:
            stream.raw.close()
