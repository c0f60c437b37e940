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
    content = _Content(limits)
    for event, element in package.iterparse("content.xml"):
        content.read(event, element)
    return [*content.findings(), *_package_findings(package)]


def _has_data(element) -> bool:
    return _attr(element, "value-type") is not None or any(
        (text or "").strip() for text in element.itertext()
    )


def _add_cell(table: _Table, element, tiny_styles: set[str]) -> None:
    """A cell (repeated across columns, and down with its row): counted, boxed, and marked
    hidden where its row or column is."""
    repeat = _repeat(element, "number-columns-repeated")
    first = table.cell_column + 1
    table.cell_column += repeat
    if not _has_data(element):
        return
    count = repeat * table.row_repeat
    table.cells += count
    table.box.add(table.row, first)
    table.box.add(table.row + table.row_repeat - 1, table.cell_column)
    if table.row_hidden:
        table.hidden_rows.update(range(table.row, table.row + min(table.row_repeat, 1000)))
    for low, high in table.columns:
        overlap = range(max(low, first), min(high, table.cell_column) + 1)
        table.hidden_columns.update(list(overlap)[:1000])
    if (_attr(element, "style-name") or "") in tiny_styles:
        table.tiny += count


@dataclass
class _Content:
    """What one pass over content.xml finds: styles are read before the tables and text that
    use them, so each element is judged as it ends and then cleared (the file is not kept)."""

    limits: Limits
    found: list[Finding] = field(default_factory=list)
    hidden_table_styles: set[str] = field(default_factory=set)
    tiny_styles: set[str] = field(default_factory=set)
    style_name: str = ""
    table: _Table | None = None
    comments: dict[str, int] = field(default_factory=dict)
    changes: int = 0
    names: list[str] = field(default_factory=list)
    connections: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    embedded: list[str] = field(default_factory=list)
    tiny_text: int = 0
    root: object = None

    def read(self, event: str, element) -> None:
        tag = local(element.tag)
        if self.root is None:
            self.root = element
        if event == "start":
            self._start(tag, element)
            return
        handler = _END_HANDLERS.get(tag)
        if handler is not None:
            handler(self, element, tag)
        if tag in ("p", "h") and self.table is None and self.root is not None:
            self.limits.check_time()

    def _start(self, tag: str, element) -> None:
        if tag == "style":
            self.style_name = _attr(element, "name") or ""
        elif tag == "table":
            self.table = _Table(
                _attr(element, "name") or "?",
                (_attr(element, "style-name") or "") in self.hidden_table_styles,
            )
        elif tag == "table-row" and self.table is not None:
            self.table.row_repeat = _repeat(element, "number-rows-repeated")
            self.table.row_hidden = _attr(element, "visibility") in HIDDEN
            self.table.row += 1
            self.table.cell_column = 0
        elif tag == "changed-region":
            self.changes += 1

    def _table_properties(self, element, tag: str) -> None:
        if _attr(element, "display") == "false":
            self.hidden_table_styles.add(self.style_name)

    def _text_properties(self, element, tag: str) -> None:
        colour = (_attr(element, "color") or "").lower()
        points = _points(_attr(element, "font-size") or "")
        if colour in ("#ffffff", "#fff") or (points is not None and points < 4):
            self.tiny_styles.add(self.style_name)
        if _attr(element, "display") == "none":
            self.tiny_styles.add(self.style_name)

    def _table_column(self, element, tag: str) -> None:
        if self.table is None:
            return
        repeat = _repeat(element, "number-columns-repeated")
        if _attr(element, "visibility") in HIDDEN:
            self.table.columns.append((self.table.next_column, self.table.next_column + repeat - 1))
        self.table.next_column += repeat

    def _table_cell(self, element, tag: str) -> None:
        if self.table is None:
            return
        _add_cell(self.table, element, self.tiny_styles)
        element.clear()

    def _table_row(self, element, tag: str) -> None:
        if self.table is None:
            return
        self.table.row += self.table.row_repeat - 1
        element.clear()

    def _table_end(self, element, tag: str) -> None:
        if self.table is None:
            return
        self.found.extend(_table_findings(self.table))
        self.table = None
        self.root.clear()

    def _annotation(self, element, tag: str) -> None:
        where = f"sheet '{self.table.name}'" if self.table is not None else "content.xml"
        self.comments[where] = self.comments.get(where, 0) + 1

    def _named(self, element, tag: str) -> None:
        self.names.append(_attr(element, "name") or "?")

    def _connection(self, element, tag: str) -> None:
        self.connections.append(_attr(element, "database-name") or _attr(element, "name") or tag)

    def _link(self, element, tag: str) -> None:
        self.links.append(_attr(element, "href") or "?")

    def _object(self, element, tag: str) -> None:
        self.embedded.append(_attr(element, "href") or "object")

    def _text(self, element, tag: str) -> None:
        if self.table is not None:
            return
        if (_attr(element, "style-name") or "") in self.tiny_styles and (
            element.text or ""
        ).strip():
            self.tiny_text += 1

    def _hidden_text(self, element, tag: str) -> None:
        self.tiny_text += 1

    def findings(self) -> list[Finding]:
        found = list(self.found)
        for where, count in self.comments.items():
            found.append(finding(k.COMMENTS, where, count))
        if self.changes:
            found.append(finding(k.TRACKED_CHANGES, "content.xml", self.changes))
        if self.names:
            where = f"content.xml: {', '.join(self.names[:8])}"
            found.append(finding(k.DEFINED_NAMES, where, len(self.names)))
        if self.connections:
            where = f"content.xml: {', '.join(self.connections[:5])}"
            found.append(finding(k.DATA_CONNECTION, where, len(self.connections)))
        for link in self.links:
            found.append(finding(k.EXTERNAL_LINK, f"content.xml -> {link}", 1))
        for href in self.embedded:
            found.append(finding(k.EMBEDDED_FILE, href.lstrip("./"), 1))
        if self.tiny_text:
            found.append(finding(k.WHITE_OR_TINY_TEXT, "content.xml (text)", self.tiny_text))
        return found


# content.xml's end tags -> what each adds (an element of any other tag adds nothing).
_END_HANDLERS = {
    "table-properties": _Content._table_properties,
    "text-properties": _Content._text_properties,
    "table-column": _Content._table_column,
    "table-cell": _Content._table_cell,
    "covered-table-cell": _Content._table_cell,
    "table-row": _Content._table_row,
    "table": _Content._table_end,
    "annotation": _Content._annotation,
    "named-range": _Content._named,
    "named-expression": _Content._named,
    "database-source-sql": _Content._connection,
    "database-source-table": _Content._connection,
    "database-source-query": _Content._connection,
    "cell-range-source": _Content._link,
    "table-source": _Content._link,
    "object": _Content._object,
    "object-ole": _Content._object,
    "span": _Content._text,
    "p": _Content._text,
    "h": _Content._text,
    "hidden-text": _Content._hidden_text,
    "hidden-paragraph": _Content._hidden_text,
}


def _package_findings(package: Package) -> list[Finding]:
    """Macros (Basic/ and Scripts/ folders) and author fields in meta.xml."""
    found = []
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
