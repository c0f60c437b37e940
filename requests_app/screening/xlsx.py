"""Excel workbooks (.xlsx, .xlsm) read from their package parts.

Why not openpyxl: in read-only mode (the only mode that streams a big sheet) it does not load
row and column dimensions, so hidden rows and columns are invisible to it, and it ignores pivot
caches, connections and embeddings altogether. The parts are plain XML, read here as streams.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from requests_app.screening import findings as k
from requests_app.screening.cells import Box, column_letters, spans, split_ref
from requests_app.screening.findings import Finding, finding
from requests_app.screening.limits import Limits
from requests_app.screening.packages import Package, core_authors, local

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


def _suspicious_styles(package: Package) -> set[int]:
    """Indexes of cell formats whose text is white on no fill, or tiny."""
    if not package.has("xl/styles.xml"):
        return set()
    fonts: list[tuple[bool, bool]] = []  # (white, tiny)
    fills: list[bool] = []  # True when the fill is a colour other than white
    xfs: list[tuple[int, int]] = []
    container = ""
    font_white = font_tiny = False
    fill_coloured = False
    for event, element in package.iterparse("xl/styles.xml"):
        tag = local(element.tag)
        if event == "start":
            if tag in ("fonts", "fills", "cellXfs", "cellStyleXfs", "dxfs"):
                container = tag
            elif tag == "font":
                font_white = font_tiny = False
            elif tag == "fill":
                fill_coloured = False
            continue
        if tag in ("fonts", "fills", "cellXfs", "cellStyleXfs", "dxfs"):
            container = ""
        elif container == "fonts" and tag == "color":
            rgb = (element.get("rgb") or "").upper()
            font_white = rgb in WHITE or element.get("theme") == "0"
        elif container == "fonts" and tag == "sz":
            try:
                font_tiny = float(element.get("val", "11")) < TINY_POINTS
            except ValueError:
                font_tiny = False
        elif container == "fonts" and tag == "font":
            fonts.append((font_white, font_tiny))
        elif container == "fills" and tag == "fgColor":
            rgb = (element.get("rgb") or "").upper()
            fill_coloured = not (rgb in WHITE or element.get("theme") == "0")
        elif container == "fills" and tag == "patternFill":
            if element.get("patternType") in (None, "none"):
                fill_coloured = False
        elif container == "fills" and tag == "fill":
            fills.append(fill_coloured)
        elif container == "cellXfs" and tag == "xf":
            xfs.append((_int(element.get("fontId")), _int(element.get("fillId"))))
        element.clear()
    result = set()
    for index, (font_id, fill_id) in enumerate(xfs):
        white, tiny = fonts[font_id] if 0 <= font_id < len(fonts) else (False, False)
        coloured = fills[fill_id] if 0 <= fill_id < len(fills) else False
        if tiny or (white and not coloured):
            result.add(index)
    return result


def _int(value, default: int = 0) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _sheet(package: Package, sheet: Sheet, suspicious: set[int]) -> list[Finding]:
    hidden_columns: list[tuple[int, int]] = []
    zero_height = False
    row_number = 0
    row_hidden = False
    column_number = 0
    cells = 0
    box = Box()
    hidden_rows_with_data: set[int] = set()
    hidden_columns_with_data: set[int] = set()
    tiny_cells = 0
    has_value = False
    sheet_data = None
    for event, element in package.iterparse(sheet.part):
        tag = local(element.tag)
        if event == "start":
            if tag == "sheetData":
                sheet_data = element
            elif tag == "row":
                row_number = _int(element.get("r"), row_number + 1)
                column_number = 0
                explicit = element.get("hidden") in ("1", "true")
                # zeroHeight: rows are hidden unless given a height of their own.
                row_hidden = explicit or (zero_height and element.get("ht") is None)
            elif tag == "c":
                has_value = False
            continue
        if tag == "sheetFormatPr":
            zero_height = element.get("zeroHeight") in ("1", "true")
        elif tag == "col":
            if element.get("hidden") in ("1", "true"):
                hidden_columns.append((_int(element.get("min"), 1), _int(element.get("max"), 1)))
        elif tag in ("v", "t", "f"):
            if (element.text or "").strip():
                has_value = True
        elif tag == "c":
            position = split_ref(element.get("r", ""))
            if position:
                row_number, column_number = position
            else:
                column_number += 1
            if has_value:
                cells += 1
                box.add(row_number, column_number)
                if row_hidden:
                    hidden_rows_with_data.add(row_number)
                if any(low <= column_number <= high for low, high in hidden_columns):
                    hidden_columns_with_data.add(column_number)
                if _int(element.get("s")) in suspicious:
                    tiny_cells += 1
            element.clear()
        elif tag == "row" and sheet_data is not None:
            # Rows already read: drop them from the tree so memory stays at one row.
            sheet_data.clear()
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


def _count(package: Package, part: str, tag: str) -> int:
    """How many `tag` elements the part holds, in the memory of one (a cache of a million
    records is read as a stream, each dropped from its parent once counted)."""
    count = 0
    root = None
    for event, element in package.iterparse(part):
        if root is None:
            root = element
        if event == "end" and local(element.tag) == tag:
            count += 1
            root.clear()
    return count


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
