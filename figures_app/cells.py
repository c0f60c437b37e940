"""A returned file as grids of cells: every sheet of a workbook (hidden ones marked, legacy .xls
through xlrd), the rows of a CSV, the tables of a Word file or the ruled tables of a PDF
(pdfplumber). Pure: bytes in, Sheets out, no database.

Why its own reader rather than readers.py: that one reads the tidy format (one figure a row,
named columns); a force's own file has title rows, merged headers, totals and footnotes, and the
person taking figures from it needs to see it as the force laid it out, cell by cell, with the
A1 references the figures will cite.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import PurePath
from xml.etree import ElementTree

from requests_app.xlsx_stream import Sheet as XlsxSheet
from requests_app.xlsx_stream import SheetInfo, Workbook
from requests_app.xml_stream import XlsxError

# Enough for any table of figures a force sends; a bigger sheet is cut, and the page says so.
MAX_ROWS = 300
MAX_COLUMNS = 40
# Bytes a file may have to be opened here at all (workbooks are unzipped in memory).
MAX_FILE_BYTES = 15 * 1024 * 1024
# Bytes the unzipped parts of a workbook or Word file may add up to (a zip bomb stops here).
MAX_UNZIPPED_BYTES = 120 * 1024 * 1024
# Bytes a workbook's shared strings part may have: they are held while its sheets are read.
MAX_STRINGS_BYTES = 40 * 1024 * 1024

READABLE = (".xlsx", ".xlsm", ".xls", ".csv", ".docx", ".pdf")
# Pages of a PDF searched for tables (a force's answer is a letter and a table or two).
MAX_PDF_PAGES = 30
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


class CellsUnavailable(ValueError):
    """The file cannot be shown as cells; the message says why, fit to show."""


@dataclass
class Sheet:
    name: str
    rows: list[list[str]]
    hidden: bool = False
    cut: bool = False  # more rows or columns than shown
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)  # r1, c1, r2, c2
    # A PDF's table has no A1 references a person can see: it is cited by page and table, and
    # its cells by row and column number.
    page: int | None = None
    table: int | None = None

    @property
    def width(self) -> int:
        return max((len(row) for row in self.rows), default=0)

    def cell(self, row: int, col: int) -> str:
        if 0 <= row < len(self.rows) and 0 <= col < len(self.rows[row]):
            return self.rows[row][col]
        return ""

    def place(self, row: int, col: int) -> str:
        """A cell as a person finds it: 'Summary!B7', or 'page 2, table 1, row 3, column 2'."""
        return self.span(row, col, row, col)

    def span(self, r1: int, c1: int, r2: int, c2: int) -> str:
        """Cells as a person finds them: 'Summary!B7:C7', or 'page 2, table 1, row 7,
        columns 2-3' for a PDF's table."""
        if self.page is None:
            end = "" if (r1, c1) == (r2, c2) else f":{a1(r2, c2)}"
            return f"{self.name}!{a1(r1, c1)}{end}"
        rows = f"row {r1 + 1}" if r1 == r2 else f"rows {r1 + 1}-{r2 + 1}"
        cols = f"column {c1 + 1}" if c1 == c2 else f"columns {c1 + 1}-{c2 + 1}"
        return f"page {self.page}, table {self.table}, {rows}, {cols}"


def column_letter(col: int) -> str:
    """0 -> 'A', 25 -> 'Z', 26 -> 'AA'."""
    letters = ""
    col += 1
    while col:
        col, rest = divmod(col - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def a1(row: int, col: int) -> str:
    """0-based (row, col) -> 'B5'."""
    return f"{column_letter(col)}{row + 1}"


_A1 = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d{1,7})$")


def parse_a1(ref: str) -> tuple[int, int]:
    """'B5' -> (4, 1). ValueError names the reference."""
    match = _A1.match(ref.strip())
    if not match:
        raise ValueError(f"'{ref.strip()[:20]}' is not a cell reference like B5.")
    col = 0
    for letter in match.group(1).upper():
        col = col * 26 + (ord(letter) - 64)
    return int(match.group(2)) - 1, col - 1


def parse_range(text: str) -> tuple[int, int, int, int]:
    """'B5:D9' (or one cell) -> (r1, c1, r2, c2), ordered."""
    parts = text.strip().split(":")
    if len(parts) > 2 or not parts[0]:
        raise ValueError(f"'{text.strip()[:20]}' is not a block like B5:D9.")
    r1, c1 = parse_a1(parts[0])
    r2, c2 = parse_a1(parts[-1])
    return min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2)


def _display(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else str(value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def _check_zip(data: bytes) -> zipfile.ZipFile:
    try:
        package = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise CellsUnavailable("The file is damaged or not what its name says.") from exc
    if sum(info.file_size for info in package.infolist()) > MAX_UNZIPPED_BYTES:
        raise CellsUnavailable("The file unpacks to more than this page will open.")
    return package


def _xlsx(data: bytes) -> list[Sheet]:
    """Every sheet's first MAX_ROWS x MAX_COLUMNS cells, read as streams (xlsx_stream): the rest
    of each sheet is read only to find its merged cells and whether it was cut."""
    _check_zip(data)
    try:
        book = Workbook(data, max_unpacked=MAX_UNZIPPED_BYTES, max_strings=MAX_STRINGS_BYTES)
        return [_xlsx_sheet(book, info) for info in book.sheets if not info.is_chart]
    except XlsxError as exc:  # says why, as a sentence
        raise CellsUnavailable(str(exc)) from exc
    except Exception as exc:  # a damaged part can fail in ways no check names
        raise CellsUnavailable("The workbook could not be read.") from exc


def _xlsx_sheet(book: Workbook, info: SheetInfo) -> Sheet:
    found = XlsxSheet()
    read = dict(book.rows(info, columns=MAX_COLUMNS, rows=MAX_ROWS, found=found))
    # As the sheet's extent says (a cell with only a style counts), an empty sheet one cell.
    n_rows = min(max(found.max_row, 1), MAX_ROWS)
    n_cols = min(max(found.max_column, 1), MAX_COLUMNS)
    rows = []
    for number in range(1, n_rows + 1):
        values = read.get(number, [])
        rows.append([_display(v) for v in values[:n_cols]] + [""] * (n_cols - len(values)))
    merged = []
    for r1, c1, r2, c2 in found.merged:
        r1, c1, r2, c2 = r1 - 1, c1 - 1, r2 - 1, c2 - 1
        merged.append((r1, c1, r2, c2))
        # A merged header names every column under it: copy its text across, so a block's
        # labels read the same whichever of the merged cells they come from.
        top = rows[r1][c1] if r1 < len(rows) and c1 < len(rows[r1]) else ""
        for r in range(r1, min(r2 + 1, len(rows))):
            for c in range(c1, min(c2 + 1, len(rows[r]))):
                rows[r][c] = top
    return Sheet(
        name=info.name,
        rows=rows,
        hidden=info.state != "visible",
        cut=found.max_row > MAX_ROWS or found.max_column > MAX_COLUMNS,
        merged=merged,
    )


def _xls(data: bytes) -> list[Sheet]:
    """A legacy Excel 97-2003 workbook (xlrd): values as shown, merged headers spread."""
    import xlrd

    try:
        book = xlrd.open_workbook(file_contents=data, formatting_info=False, on_demand=True)
    except Exception as exc:  # xlrd raises its own errors and struct/IndexError on bad bytes
        raise CellsUnavailable("The workbook could not be read.") from exc
    sheets = []
    try:
        for index in range(book.nsheets):
            ws = book.sheet_by_index(index)
            n_rows, n_cols = min(ws.nrows, MAX_ROWS), min(ws.ncols, MAX_COLUMNS)
            rows = []
            for r in range(n_rows):
                line = []
                for c in range(n_cols):
                    cell = ws.cell(r, c)
                    value = cell.value
                    if cell.ctype == xlrd.XL_CELL_DATE:
                        value = xlrd.xldate.xldate_as_datetime(value, book.datemode)
                    line.append(_display(value if value != "" else None))
                rows.append(line)
            sheets.append(
                Sheet(
                    name=ws.name,
                    rows=rows,
                    hidden=bool(ws.visibility),
                    cut=ws.nrows > MAX_ROWS or ws.ncols > MAX_COLUMNS,
                )
            )
            book.unload_sheet(index)
    finally:
        book.release_resources()
    return sheets


def _csv(data: bytes) -> list[Sheet]:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - cp1252 decodes nearly anything
        raise CellsUnavailable("The CSV is in an encoding this page cannot read.")
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    rows, cut = [], False
    for i, row in enumerate(csv.reader(io.StringIO(text), dialect)):
        if i >= MAX_ROWS:
            cut = True
            break
        cut = cut or len(row) > MAX_COLUMNS
        rows.append([cell.strip() for cell in row[:MAX_COLUMNS]])
    return [Sheet(name="CSV", rows=rows, cut=cut)]


def _docx(data: bytes) -> list[Sheet]:
    package = _check_zip(data)
    try:
        xml = package.read("word/document.xml")
    except KeyError as exc:
        raise CellsUnavailable("The Word file has no document part.") from exc
    try:
        root = ElementTree.fromstring(xml)
    except ElementTree.ParseError as exc:
        raise CellsUnavailable("The Word file could not be read.") from exc
    sheets = []
    for n, table in enumerate(root.iter(f"{_W}tbl"), start=1):
        rows = []
        for tr in table.iter(f"{_W}tr"):
            cells = []
            for tc in tr.findall(f"{_W}tc"):
                text = " ".join(
                    "".join(t.text or "" for t in p.iter(f"{_W}t")) for p in tc.iter(f"{_W}p")
                )
                cells.append(text.strip())
            rows.append(cells[:MAX_COLUMNS])
            if len(rows) >= MAX_ROWS:
                break
        sheets.append(Sheet(name=f"Table {n}", rows=rows))
    if not sheets:
        raise CellsUnavailable("The Word file has no tables.")
    return sheets


def _pdf(data: bytes) -> list[Sheet]:
    """The ruled tables on each page, named 'Page 2 table 1' (the cell references are within the
    table, so a figure cites page, table and cell)."""
    import pdfplumber
    from pdfminer.pdfdocument import PDFPasswordIncorrect
    from pdfminer.pdfparser import PDFSyntaxError
    from pdfplumber.utils.exceptions import PdfminerException

    sheets = []
    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            for number, page in enumerate(pdf.pages[:MAX_PDF_PAGES], start=1):
                for t, table in enumerate(page.extract_tables(), start=1):
                    rows = [
                        [" ".join((cell or "").split()) for cell in row[:MAX_COLUMNS]]
                        for row in table[:MAX_ROWS]
                    ]
                    sheets.append(
                        Sheet(name=f"Page {number} table {t}", rows=rows, page=number, table=t)
                    )
    except PdfminerException as exc:  # pdfplumber wraps what pdfminer raised
        if exc.args and isinstance(exc.args[0], PDFPasswordIncorrect):
            raise CellsUnavailable("The PDF is protected by a password.") from exc
        raise CellsUnavailable("The PDF could not be read.") from exc
    except (PDFSyntaxError, ValueError, KeyError, TypeError) as exc:
        raise CellsUnavailable("The PDF could not be read.") from exc
    if not sheets:
        raise CellsUnavailable(
            "No ruled tables were found in the PDF (a scanned page is a picture, not cells): "
            "type the figures into the grid, with the page as the source."
        )
    return sheets


def read_sheets(name: str, data: bytes) -> list[Sheet]:
    """The file's grids of cells, in order. CellsUnavailable says why not, fit to show."""
    suffix = PurePath(name).suffix.lower()
    if suffix not in READABLE:
        raise CellsUnavailable(
            f"Figures can be taken from {', '.join(READABLE)} files here; "
            f"type the figures from a {suffix or 'file without an extension'} into the grid."
        )
    if len(data) > MAX_FILE_BYTES:
        raise CellsUnavailable(
            f"The file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB, too big to show here."
        )
    if suffix == ".csv":
        return _csv(data)
    if suffix == ".docx":
        return _docx(data)
    if suffix == ".pdf":
        return _pdf(data)
    if suffix == ".xls":
        return _xls(data)
    return _xlsx(data)
