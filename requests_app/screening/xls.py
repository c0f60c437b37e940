"""Excel 97-2003 workbooks (.xls, BIFF8) through xlrd, plus the OLE container's stream names
for what xlrd does not read (macros, pivot caches, embedded objects)."""

from __future__ import annotations

import io
import re

from requests_app.screening import findings as k
from requests_app.screening import ole
from requests_app.screening.cells import Box, column_letters, spans
from requests_app.screening.findings import Finding, finding
from requests_app.screening.limits import Limits

# BIFF palette indexes that are white: 1 (built-in) and 9 (first of the default palette).
WHITE_COLOURS = {1, 9}
TINY_TWIPS = 80  # font height in twentieths of a point: under 4 pt
_EMBEDDED = re.compile(r"^MBD[0-9A-F]{8}$")


def screen(data: bytes, limits: Limits) -> list[Finding]:
    import xlrd

    names = ole.entry_names(data) or []
    if "EncryptedPackage" in names:
        return [finding(k.PASSWORD_PROTECTED, "workbook (encrypted package)", 1)]
    try:
        book = xlrd.open_workbook(
            file_contents=data, formatting_info=True, logfile=io.StringIO(), verbosity=0
        )
    except xlrd.biffh.XLRDError as exc:
        if "encrypted" in str(exc).lower():
            return [finding(k.PASSWORD_PROTECTED, "workbook (encrypted)", 1)]
        raise
    found: list[Finding] = []
    suspicious = _suspicious_xfs(book)
    for sheet in book.sheets():
        limits.check_time()
        found.extend(_sheet(sheet, suspicious, limits))
    defined = [n.name for n in book.name_obj_list if not n.builtin and n.name]
    if defined:
        found.append(finding(k.DEFINED_NAMES, f"workbook: {', '.join(defined[:8])}", len(defined)))
    external = sum(1 for kind in getattr(book, "_supbook_types", []) if kind == 2)
    if external:
        found.append(finding(k.EXTERNAL_LINK, "workbook (links to other workbooks)", external))
    if any(n.startswith("_SX_DB") for n in names):
        found.extend(_pivot_caches(data, names))
    if "_VBA_PROJECT_CUR" in names:
        found.append(finding(k.MACRO, "_VBA_PROJECT_CUR", 1))
    for name in names:
        if _EMBEDDED.match(name):
            found.append(finding(k.EMBEDDED_FILE, name, 1))
    if (book.user_name or "").strip():
        found.append(finding(k.AUTHOR_METADATA, "workbook (last saved by)", 1))
    return found


SXDB = 0x00C6  # the record that opens a PivotCache stream


def _pivot_caches(data: bytes, names: list[str]) -> list[Finding]:
    """One finding per cache stream of the _SX_DB_CUR storage, counting the cache records it
    keeps: SXDB's crdbdb when fSaveData says they were saved, else none (as for .xlsx, a cache
    that declares records but saved none is said so). A stream that cannot be read counts as
    one record, so that the file is quarantined rather than waved through."""
    paths = [f"_SX_DB_CUR/{n}" for n in sorted(n for n in names if re.fullmatch(r"[0-9A-F]{4}", n))]
    if not paths:
        return [finding(k.PIVOT_CACHE, "_SX_DB_CUR storage (no cache stream read)", 1)]
    found = []
    for path, raw in ole.streams(data, paths).items():
        header = _sxdb(raw or b"")
        if header is None:
            found.append(finding(k.PIVOT_CACHE, f"{path} (records not counted)", 1))
            continue
        declared, saved = header
        where = (
            path if saved or not declared else f"{path}; {declared} records declared, none saved"
        )
        found.append(finding(k.PIVOT_CACHE, where, declared if saved else 0))
    return found


def _sxdb(raw: bytes) -> tuple[int, bool] | None:
    """(records declared, whether they were saved) from the stream's first record, SXDB."""
    if len(raw) < 14 or int.from_bytes(raw[0:2], "little") != SXDB:
        return None
    if int.from_bytes(raw[2:4], "little") < 10:
        return None
    declared = int.from_bytes(raw[4:8], "little", signed=True)
    flags = int.from_bytes(raw[10:12], "little")
    return max(declared, 0), bool(flags & 0x0001)  # fSaveData


def _suspicious_xfs(book) -> set[int]:
    result = set()
    for index, xf in enumerate(book.xf_list):
        try:
            font = book.font_list[xf.font_index]
        except IndexError:
            continue
        background = getattr(xf, "background", None)
        plain = background is None or background.fill_pattern == 0
        if font.height < TINY_TWIPS or (font.colour_index in WHITE_COLOURS and plain):
            result.add(index)
    return result


def _sheet(sheet, suspicious: set[int], limits: Limits) -> list[Finding]:
    import xlrd

    cells = 0
    box = Box()
    hidden_rows = {r for r, info in sheet.rowinfo_map.items() if info.hidden}
    hidden_columns = {c for c, info in sheet.colinfo_map.items() if info.hidden}
    rows_with_data: set[int] = set()
    columns_with_data: set[int] = set()
    tiny = 0
    for row in range(sheet.nrows):
        if row % 2000 == 0:
            limits.check_time()
        for col, cell in enumerate(sheet.row(row)):
            if cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
                continue
            if cell.ctype == xlrd.XL_CELL_TEXT and not cell.value.strip():
                continue
            cells += 1
            box.add(row + 1, col + 1)
            if row in hidden_rows:
                rows_with_data.add(row + 1)
            if col in hidden_columns:
                columns_with_data.add(col + 1)
            if cell.xf_index in suspicious:
                tiny += 1
    label = f"sheet '{sheet.name}'"
    found = []
    if sheet.visibility in (1, 2):
        kind = k.HIDDEN_SHEET if sheet.visibility == 1 else k.VERY_HIDDEN_SHEET
        found.append(finding(kind, f"{label} ({box})" if cells else f"{label} (empty)", cells))
    if rows_with_data:
        found.append(
            finding(k.HIDDEN_ROWS, f"{label} rows {spans(rows_with_data)}", len(rows_with_data))
        )
    if columns_with_data:
        found.append(
            finding(
                k.HIDDEN_COLUMNS,
                f"{label} columns {spans(columns_with_data, column_letters)}",
                len(columns_with_data),
            )
        )
    if tiny:
        found.append(finding(k.WHITE_OR_TINY_TEXT, label, tiny))
    notes = len(getattr(sheet, "cell_note_map", {}) or {})
    if notes:
        found.append(finding(k.COMMENTS, label, notes))
    return found
