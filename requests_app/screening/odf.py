"""OpenDocument spreadsheets and text (.ods, .odt) read from content.xml, meta.xml and the
manifest: hidden tables, rows and columns, comments, tracked changes, named ranges, links to
outside data, embedded objects, macros, tiny or white text, author fields, encryption."""

from __future__ import annotations

from dataclasses import dataclass, field

from requests_app.screening import findings as k
from requests_app.screening.cells import Box, column_letters, spans
from requests_app.screening.findings import Finding, finding
from requests_app.screening.limits import Limits
from requests_app.screening.packages import Package, local

HIDDEN = ("collapse", "filter")
MAX_REPEAT = 1_048_576  # ODF repeats an empty row to the sheet's end; counts stop here


def is_opendocument(package: Package) -> bool:
    return package.has("content.xml") and package.has("META-INF/manifest.xml")


def is_encrypted(package: Package) -> bool:
    for _event, element in package.iterparse("META-INF/manifest.xml", events=("end",)):
        if local(element.tag) == "encryption-data":
            return True
    return False


def _attr(element, name: str) -> str | None:
    return next((v for a, v in element.attrib.items() if local(a) == name), None)


def _repeat(element, name: str) -> int:
    try:
        return max(1, min(int(_attr(element, name) or "1"), MAX_REPEAT))
    except ValueError:
        return 1


def _points(size: str) -> float | None:
    size = (size or "").strip()
    try:
        if size.endswith("pt"):
            return float(size[:-2])
        if size.endswith("cm"):
            return float(size[:-2]) * 28.35
        if size.endswith("mm"):
            return float(size[:-2]) * 2.835
        if size.endswith("in"):
            return float(size[:-2]) * 72
    except ValueError:
        return None
    return None


@dataclass
class _Table:
    name: str
    hidden: bool
    columns: list[tuple[int, int]] = field(default_factory=list)  # hidden column ranges
    next_column: int = 1
    row: int = 0
    row_repeat: int = 1
    row_hidden: bool = False
    cell_column: int = 0
    cells: int = 0
    box: Box = field(default_factory=Box)
    hidden_rows: set[int] = field(default_factory=set)
    hidden_columns: set[int] = field(default_factory=set)
    tiny: int = 0


def screen(package: Package, limits: Limits) -> list[Finding]:
    found: list[Finding] = []
    hidden_table_styles: set[str] = set()
    tiny_styles: set[str] = set()
    style_name = ""
    table: _Table | None = None
    comments: dict[str, int] = {}
    changes = 0
    names: list[str] = []
    connections: list[str] = []
    links: list[str] = []
    embedded: list[str] = []
    tiny_text = 0
    root = None
    for event, element in package.iterparse("content.xml"):
        tag = local(element.tag)
        if root is None:
            root = element
        if event == "start":
            if tag == "style":
                style_name = _attr(element, "name") or ""
            elif tag == "table":
                table = _Table(
                    _attr(element, "name") or "?",
                    (_attr(element, "style-name") or "") in hidden_table_styles,
                )
            elif tag == "table-row" and table is not None:
                table.row_repeat = _repeat(element, "number-rows-repeated")
                table.row_hidden = _attr(element, "visibility") in HIDDEN
                table.row += 1
                table.cell_column = 0
            elif tag == "changed-region":
                changes += 1
            continue
        if tag == "table-properties" and _attr(element, "display") == "false":
            hidden_table_styles.add(style_name)
        elif tag == "text-properties":
            colour = (_attr(element, "color") or "").lower()
            points = _points(_attr(element, "font-size") or "")
            if colour in ("#ffffff", "#fff") or (points is not None and points < 4):
                tiny_styles.add(style_name)
            if _attr(element, "display") == "none":
                tiny_styles.add(style_name)
        elif tag == "table-column" and table is not None:
            repeat = _repeat(element, "number-columns-repeated")
            if _attr(element, "visibility") in HIDDEN:
                table.columns.append((table.next_column, table.next_column + repeat - 1))
            table.next_column += repeat
        elif tag in ("table-cell", "covered-table-cell") and table is not None:
            repeat = _repeat(element, "number-columns-repeated")
            first = table.cell_column + 1
            table.cell_column += repeat
            has_data = _attr(element, "value-type") is not None or any(
                (text or "").strip() for text in element.itertext()
            )
            if has_data:
                count = repeat * table.row_repeat
                table.cells += count
                table.box.add(table.row, first)
                table.box.add(table.row + table.row_repeat - 1, table.cell_column)
                if table.row_hidden:
                    table.hidden_rows.update(
                        range(table.row, table.row + min(table.row_repeat, 1000))
                    )
                for low, high in table.columns:
                    overlap = range(max(low, first), min(high, table.cell_column) + 1)
                    table.hidden_columns.update(list(overlap)[:1000])
                if (_attr(element, "style-name") or "") in tiny_styles:
                    table.tiny += count
            element.clear()
        elif tag == "table-row" and table is not None:
            table.row += table.row_repeat - 1
            element.clear()
        elif tag == "table" and table is not None:
            found.extend(_table_findings(table))
            table = None
            root.clear()
        elif tag == "annotation":
            where = f"sheet '{table.name}'" if table is not None else "content.xml"
            comments[where] = comments.get(where, 0) + 1
        elif tag in ("named-range", "named-expression"):
            names.append(_attr(element, "name") or "?")
        elif tag in ("database-source-sql", "database-source-table", "database-source-query"):
            connections.append(_attr(element, "database-name") or _attr(element, "name") or tag)
        elif tag in ("cell-range-source", "table-source"):
            links.append(_attr(element, "href") or "?")
        elif tag in ("object", "object-ole"):
            embedded.append(_attr(element, "href") or "object")
        elif tag in ("span", "p", "h") and table is None:
            if (_attr(element, "style-name") or "") in tiny_styles and (element.text or "").strip():
                tiny_text += 1
        elif tag in ("hidden-text", "hidden-paragraph"):
            tiny_text += 1
        if tag in ("p", "h") and table is None and root is not None:
            limits.check_time()
    for where, count in comments.items():
        found.append(finding(k.COMMENTS, where, count))
    if changes:
        found.append(finding(k.TRACKED_CHANGES, "content.xml", changes))
    if names:
        found.append(finding(k.DEFINED_NAMES, f"content.xml: {', '.join(names[:8])}", len(names)))
    if connections:
        found.append(
            finding(
                k.DATA_CONNECTION, f"content.xml: {', '.join(connections[:5])}", len(connections)
            )
        )
    for link in links:
        found.append(finding(k.EXTERNAL_LINK, f"content.xml -> {link}", 1))
    for href in embedded:
        found.append(finding(k.EMBEDDED_FILE, href.lstrip("./"), 1))
    if tiny_text:
        found.append(finding(k.WHITE_OR_TINY_TEXT, "content.xml (text)", tiny_text))
    macros = sorted(
        {n.split("/")[0] for n in package.names if n.startswith(("Basic/", "Scripts/"))}
    )
    if macros:
        found.append(finding(k.MACRO, ", ".join(macros), len(macros)))
    authors = _authors(package)
    if authors:
        found.append(finding(k.AUTHOR_METADATA, f"meta.xml ({', '.join(authors)})", len(authors)))
    return found


def _table_findings(table: _Table) -> list[Finding]:
    label = f"sheet '{table.name}'"
    found = []
    if table.hidden:
        where = f"{label} ({table.box})" if table.cells else f"{label} (empty)"
        found.append(finding(k.HIDDEN_SHEET, where, table.cells))
    if table.hidden_rows:
        found.append(
            finding(
                k.HIDDEN_ROWS, f"{label} rows {spans(table.hidden_rows)}", len(table.hidden_rows)
            )
        )
    if table.hidden_columns:
        found.append(
            finding(
                k.HIDDEN_COLUMNS,
                f"{label} columns {spans(table.hidden_columns, column_letters)}",
                len(table.hidden_columns),
            )
        )
    if table.tiny:
        found.append(finding(k.WHITE_OR_TINY_TEXT, label, table.tiny))
    return found


def _authors(package: Package) -> list[str]:
    if not package.has("meta.xml"):
        return []
    fields = []
    for _event, element in package.iterparse("meta.xml", events=("end",)):
        name = local(element.tag)
        if name in ("initial-creator", "creator") and (element.text or "").strip():
            fields.append(name)
    return fields
