"""Excel workbooks (.xlsx, .xlsm) read from their package parts.

Why not openpyxl: in read-only mode (the only mode that streams a big sheet) it does not load
row and column dimensions, so hidden rows and columns are invisible to it, and it ignores pivot
caches, connections and embeddings altogether. The parts are plain XML, read here as streams;
sheets and the parts that can be big (comments, pivot cache records) through expat with nothing
kept (requests_app/xml_stream.py), so a run of blanks between two tags cannot pile up.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from requests_app.screening import findings as k
from requests_app.screening.cells import Box, column_letters, spans, split_ref
from requests_app.screening.findings import Finding, finding
from requests_app.screening.limits import Limits, ScreeningLimit
from requests_app.screening.packages import Package, UnreadablePart, core_authors, local
from requests_app.xml_stream import StreamHandler, XlsxError, XlsxLimit, drain

WHITE = {"FFFFFF", "FFFFFFFF"}
TINY_POINTS = 4.0  # Excel's smallest font is 1 pt; under 4 pt nobody reads it on screen


def is_workbook(package: Package) -> bool:
    return package.has("xl/workbook.xml")


def screen(package: Package, limits: Limits) -> list[Finding]:
    found: list[Finding] = []
    workbook = _workbook(package)
    suspicious_styles = _suspicious_styles(package)
    for sheet in workbook.sheets:
        limits.check_time()
        if not package.has(sheet.part):
            continue
        found.extend(_sheet(package, sheet, suspicious_styles))
    if workbook.defined_names:
        names = ", ".join(workbook.defined_names[:8])
        more = "..." if len(workbook.defined_names) > 8 else ""
        found.append(
            finding(k.DEFINED_NAMES, f"xl/workbook.xml: {names}{more}", len(workbook.defined_names))
        )
    found.extend(_pivot_caches(package))
    found.extend(_external_links(package))
    found.extend(_connections(package))
    found.extend(_embeddings(package, "xl/embeddings/"))
    if package.has("xl/vbaProject.bin"):
        found.append(finding(k.MACRO, "xl/vbaProject.bin", 1))
    authors = core_authors(package)
    if authors:
        found.append(finding(k.AUTHOR_METADATA, f"docProps ({', '.join(authors)})", len(authors)))
    return found


@dataclass
class Sheet:
    name: str
    state: str
    part: str


@dataclass
class Workbook:
    sheets: list[Sheet] = field(default_factory=list)
    defined_names: list[str] = field(default_factory=list)


def _workbook(package: Package) -> Workbook:
    rels = package.rels("xl/workbook.xml")
    book = Workbook()
    for _event, element in package.iterparse("xl/workbook.xml", events=("end",)):
        tag = local(element.tag)
        if tag == "sheet":
            rel_id = next((v for a, v in element.attrib.items() if local(a) == "id"), "")
            part = rels.get(rel_id, ("", "", ""))[1]
            book.sheets.append(
                Sheet(element.get("name", "?"), element.get("state", "visible"), part)
            )
        elif tag == "definedName":
            name = element.get("name", "")
            # Excel's own names (print area, filter range) say nothing a person typed.
            if name and not name.startswith("_xlnm."):
                book.defined_names.append(
                    name + (" (hidden)" if element.get("hidden") in ("1", "true") else "")
                )
    return book


_STYLE_LISTS = ("fonts", "fills", "cellXfs", "cellStyleXfs", "dxfs")


@dataclass
class _Styles:
    """xl/styles.xml read as a stream: each font (white, tiny), each fill (coloured or not), and
    each cell format's font and fill."""

    fonts: list[tuple[bool, bool]] = field(default_factory=list)  # (white, tiny)
    fills: list[bool] = field(
        default_factory=list
    )  # True when the fill is a colour other than white
    xfs: list[tuple[int, int]] = field(default_factory=list)
    container: str = ""  # the list being read (fonts, fills, cellXfs...)
    font_white: bool = False
    font_tiny: bool = False
    fill_coloured: bool = False

    def start(self, tag: str) -> None:
        if tag in _STYLE_LISTS:
            self.container = tag
        elif tag == "font":
            self.font_white = self.font_tiny = False
        elif tag == "fill":
            self.fill_coloured = False

    def end(self, tag: str, element) -> None:
        if tag in _STYLE_LISTS:
            self.container = ""
        elif self.container == "fonts":
            self._font_end(tag, element)
        elif self.container == "fills":
            self._fill_end(tag, element)
        elif self.container == "cellXfs" and tag == "xf":
            self.xfs.append((_int(element.get("fontId")), _int(element.get("fillId"))))

    def _font_end(self, tag: str, element) -> None:
        if tag == "color":
            rgb = (element.get("rgb") or "").upper()
            self.font_white = rgb in WHITE or element.get("theme") == "0"
        elif tag == "sz":
            try:
                self.font_tiny = float(element.get("val", "11")) < TINY_POINTS
            except ValueError:
                self.font_tiny = False
        elif tag == "font":
            self.fonts.append((self.font_white, self.font_tiny))

    def _fill_end(self, tag: str, element) -> None:
        if tag == "fgColor":
            rgb = (element.get("rgb") or "").upper()
            self.fill_coloured = not (rgb in WHITE or element.get("theme") == "0")
        elif tag == "patternFill":
            if element.get("patternType") in (None, "none"):
                self.fill_coloured = False
        elif tag == "fill":
            self.fills.append(self.fill_coloured)

    def suspicious(self) -> set[int]:
        result = set()
        for index, (font_id, fill_id) in enumerate(self.xfs):
            white, tiny = self.fonts[font_id] if 0 <= font_id < len(self.fonts) else (False, False)
            coloured = self.fills[fill_id] if 0 <= fill_id < len(self.fills) else False
            if tiny or (white and not coloured):
                result.add(index)
        return result


def _suspicious_styles(package: Package) -> set[int]:
    """Indexes of cell formats whose text is white on no fill, or tiny."""
    if not package.has("xl/styles.xml"):
        return set()
    styles = _Styles()
    for event, element in package.iterparse("xl/styles.xml"):
        tag = local(element.tag)
        if event == "start":
            styles.start(tag)
            continue
        styles.end(tag, element)
        element.clear()
    return styles.suspicious()


def _int(value, default: int = 0) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


class _SheetScan(StreamHandler):
    """What a sheet hides, read as a stream (requests_app/xml_stream.py): rows, columns and
    cells are counted, never kept, and no text is held (a value is only seen to be there)."""

    def __init__(self, suspicious: set[int]) -> None:
        super().__init__()
        self.suspicious = suspicious
        self.hidden_columns: list[tuple[int, int]] = []
        self.zero_height = False
        self.row_number = 0
        self.row_hidden = False
        self.column_number = 0
        self.cells = 0
        self.box = Box()
        self.hidden_rows_with_data: set[int] = set()
        self.hidden_columns_with_data: set[int] = set()
        self.tiny_cells = 0
        self.in_value = False
        self.has_value = False
        self.ref = ""
        self.style = None

    def start(self, name: str, attrs: dict) -> None:
        self.run = 0
        tag = self.tags.get(name) or self._tag(name)
        if tag == "c":
            self.has_value = False
            self.ref = attrs.get("r", "")
            self.style = attrs.get("s")
        elif tag in ("v", "t", "f"):
            self.in_value = True
        elif tag == "row":
            self.row_number = _int(attrs.get("r"), self.row_number + 1)
            self.column_number = 0
            explicit = attrs.get("hidden") in ("1", "true")
            # zeroHeight: rows are hidden unless given a height of their own.
            self.row_hidden = explicit or (self.zero_height and attrs.get("ht") is None)
        elif tag == "sheetFormatPr":
            self.zero_height = attrs.get("zeroHeight") in ("1", "true")
        elif tag == "col" and attrs.get("hidden") in ("1", "true"):
            self.hidden_columns.append((_int(attrs.get("min"), 1), _int(attrs.get("max"), 1)))

    def text(self, data: str) -> None:
        super().text(data)
        if self.in_value and not self.has_value and not data.isspace():
            self.has_value = True

    def end(self, name: str) -> None:
        self.run = 0
        tag = self.tags.get(name) or self._tag(name)
        if tag in ("v", "t", "f"):
            self.in_value = False
        elif tag == "c":
            position = split_ref(self.ref)
            if position:
                self.row_number, self.column_number = position
            else:
                self.column_number += 1
            if self.has_value:
                self._count_cell(self.row_number, self.column_number)

    def _count_cell(self, row: int, column: int) -> None:
        self.cells += 1
        self.box.add(row, column)
        if self.row_hidden:
            self.hidden_rows_with_data.add(row)
        if any(low <= column <= high for low, high in self.hidden_columns):
            self.hidden_columns_with_data.add(column)
        if _int(self.style) in self.suspicious:
            self.tiny_cells += 1


def _stream(package: Package, part: str, handler: StreamHandler) -> None:
    """The part through `handler`, counted against the limits, with the clock checked."""
    handler.where = part
    try:
        with package.stream(part) as handle:
            drain(handle, handler, part, on_chunk=package.limits.check_time)
    except XlsxLimit as exc:
        raise ScreeningLimit(str(exc)) from exc
    except XlsxError as exc:
        raise UnreadablePart(str(exc)) from exc


def _sheet(package: Package, sheet: Sheet, suspicious: set[int]) -> list[Finding]:
    scan = _SheetScan(suspicious)
    _stream(package, sheet.part, scan)
    cells, box, tiny_cells = scan.cells, scan.box, scan.tiny_cells
    hidden_rows_with_data = scan.hidden_rows_with_data
    hidden_columns_with_data = scan.hidden_columns_with_data
    found = []
    label = f"sheet '{sheet.name}'"
    if sheet.state in ("hidden", "veryHidden"):
        kind = k.HIDDEN_SHEET if sheet.state == "hidden" else k.VERY_HIDDEN_SHEET
        where = f"{label} ({box})" if cells else f"{label} (empty)"
        found.append(finding(kind, where, cells))
    if hidden_rows_with_data:
        found.append(
            finding(
                k.HIDDEN_ROWS,
                f"{label} rows {spans(hidden_rows_with_data)}",
                len(hidden_rows_with_data),
            )
        )
    if hidden_columns_with_data:
        found.append(
            finding(
                k.HIDDEN_COLUMNS,
                f"{label} columns {spans(hidden_columns_with_data, column_letters)}",
                len(hidden_columns_with_data),
            )
        )
    if tiny_cells:
        found.append(finding(k.WHITE_OR_TINY_TEXT, label, tiny_cells))
    found.extend(_comments(package, sheet, label))
    return found


def _comments(package: Package, sheet: Sheet, label: str) -> list[Finding]:
    legacy = threaded = 0
    for kind, target, mode in package.rels(sheet.part).values():
        if mode == "External" or not package.has(target):
            continue
        if kind == "comments":
            legacy += _count(package, target, "comment")
        elif kind == "threadedComment":
            threaded += _count(package, target, "threadedComment")
    # Excel writes a legacy copy of each threaded comment: count the larger, not the sum.
    total = max(legacy, threaded)
    return [finding(k.COMMENTS, label, total)] if total else []


class _Tags(StreamHandler):
    def __init__(self, tag: str) -> None:
        super().__init__()
        self.tag, self.count = tag, 0

    def start(self, name: str, attrs: dict) -> None:
        self.run = 0
        if (self.tags.get(name) or self._tag(name)) == self.tag:
            self.count += 1

    def end(self, name: str) -> None:
        self.run = 0


def _count(package: Package, part: str, tag: str) -> int:
    """How many `tag` elements the part holds, read as a stream that keeps nothing (a cache of
    a million records costs nothing more than one)."""
    counter = _Tags(tag)
    _stream(package, part, counter)
    return counter.count


_CACHE = re.compile(r"^xl/pivotCache/pivotCacheDefinition\d*\.xml$")


def _pivot_caches(package: Package) -> list[Finding]:
    found = []
    for part in sorted(n for n in package.names if _CACHE.match(n)):
        declared = 0
        source = ""
        for _event, element in package.iterparse(part, events=("start",)):
            tag = local(element.tag)
            if tag == "pivotCacheDefinition":
                declared = _int(element.get("recordCount"))
            elif tag == "worksheetSource":
                where = element.get("name") or element.get("ref", "")
                source = f"{element.get('sheet', '')}!{where}" if element.get("sheet") else where
            elif tag == "cacheFields":
                break
        records = None
        for kind, target, _mode in package.rels(part).values():
            if kind == "pivotCacheRecords" and package.has(target):
                records = _count(package, target, "r")
        count = records if records is not None else 0
        where = part + (f" (source {source})" if source else "")
        if records is None and declared:
            where += f"; {declared} records declared, none saved"
        found.append(finding(k.PIVOT_CACHE, where, count))
    return found


def _external_links(package: Package) -> list[Finding]:
    found = []
    for part in sorted(n for n in package.names if n.startswith("xl/externalLinks/externalLink")):
        if part.endswith(".rels"):
            continue
        targets = [t for _kind, t, mode in package.rels(part).values() if mode == "External"]
        where = part + (f" -> {targets[0]}" if targets else "")
        found.append(finding(k.EXTERNAL_LINK, where, 1))
    return found


def _connections(package: Package) -> list[Finding]:
    if not package.has("xl/connections.xml"):
        return []
    names = []
    for _event, element in package.iterparse("xl/connections.xml", events=("end",)):
        if local(element.tag) == "connection":
            names.append(element.get("name") or element.get("id") or "?")
            element.clear()
    if not names:
        return []
    return [finding(k.DATA_CONNECTION, f"xl/connections.xml: {', '.join(names[:5])}", len(names))]


def _embeddings(package: Package, folder: str) -> list[Finding]:
    return [
        finding(k.EMBEDDED_FILE, name, 1)
        for name in sorted(package.names)
        if name.startswith(folder) and not name.endswith("/")
    ]
