"""Workbooks built to hurt a reader (issue 24), written part by part with zipfile so that a
390 MB sheet never exists in memory: the whitespace bomb, many rows of inline strings, and
shared-string indexes that point outside the table. Used by the tests and bench/xlsx_memory.py."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable
from pathlib import Path

MAIN = b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PACKAGE_REL = "http://schemas.openxmlformats.org/package/2006/relationships"

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
    "</Types>"
)
ROOT_RELS = (
    f'<Relationships xmlns="{_PACKAGE_REL}"><Relationship Id="rId1" '
    f'Type="{_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    f'<workbook {MAIN.decode()} xmlns:r="{_REL}"><sheets>'
    '<sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    f'<Relationships xmlns="{_PACKAGE_REL}">'
    f'<Relationship Id="rId1" Type="{_REL}/worksheet" Target="worksheets/sheet1.xml"/>'
    f'<Relationship Id="rId2" Type="{_REL}/sharedStrings" Target="sharedStrings.xml"/>'
    "</Relationships>"
)
HEADER = ("force", "period", "metric", "value", "note")


def inline(ref: str, text: str) -> bytes:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'.encode()


def header_row() -> bytes:
    cells = b"".join(inline(f"{chr(65 + i)}1", name) for i, name in enumerate(HEADER))
    return b'<row r="1">' + cells + b"</row>"


def workbook(
    sheet: Iterable[bytes], strings: Iterable[str] = (), path: Path | None = None
) -> bytes | None:
    """A workbook of one sheet whose XML is the pieces of `sheet` (streamed into the zip) and a
    shared strings table of `strings`. Written to `path` if given (and None returned)."""
    out = open(path, "wb") if path else io.BytesIO()  # noqa: SIM115 (closed below)
    try:
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
            package.writestr("[Content_Types].xml", CONTENT_TYPES)
            package.writestr("_rels/.rels", ROOT_RELS)
            package.writestr("xl/workbook.xml", WORKBOOK)
            package.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
            table = "".join(f"<si><t>{text}</t></si>" for text in strings)
            package.writestr("xl/sharedStrings.xml", f"<sst {MAIN.decode()}>{table}</sst>")
            with package.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as part:
                part.write(b"<worksheet " + MAIN + b"><sheetData>")
                for piece in sheet:
                    part.write(piece)
                part.write(b"</sheetData></worksheet>")
        return None if path else out.getvalue()
    finally:
        if path:
            out.close()


def whitespace_bomb(megabytes: int = 390, path: Path | None = None) -> bytes | None:
    """A header row, then `megabytes` MB of blanks between two rows: about 400 KB packed."""

    def sheet():
        yield header_row()
        blanks = b" " * (1 << 20)
        for _ in range(megabytes):
            yield blanks
        yield b'<row r="2">' + inline("A2", "Kent") + b"</row>"

    return workbook(sheet(), path=path)


def inline_rows(rows: int = 300_000, note: int = 1000, path: Path | None = None) -> bytes | None:
    """`rows` rows of inline strings, each with a note of `note` characters (so a reader that
    keeps the rows holds about rows * note bytes)."""
    text = ("Withheld under section 40 " * (note // 26 + 1))[:note]

    def sheet():
        yield header_row()
        for n in range(2, rows + 2):
            yield (
                f'<row r="{n}">'
                f'<c r="A{n}" t="inlineStr"><is><t>Kent {n}</t></is></c>'
                f'<c r="B{n}" t="inlineStr"><is><t>2016/17</t></is></c>'
                f'<c r="C{n}" t="inlineStr"><is><t>offences</t></is></c>'
                f'<c r="D{n}"><v>{n}</v></c>'
                f'<c r="E{n}" t="inlineStr"><is><t>{text}</t></is></c>'
                "</row>"
            ).encode()

    return workbook(sheet(), path=path)


def pointing_at(indexes: dict[str, int]) -> bytes:
    """A header and a row whose cells (by reference, in row 2) point at the given shared
    string indexes; the table holds three strings."""
    cells = "".join(f'<c r="{ref}" t="s"><v>{index}</v></c>' for ref, index in indexes.items())
    row = f'<row r="2">{cells}</row>'.encode()
    data = workbook([header_row(), row], strings=["Kent", "2016/17", "offences"])
    assert data is not None
    return data
