"""Files the screening tests build themselves (issue 13, section 3): no downloaded files.

Each builder returns bytes. Workbooks start from openpyxl and get hand-written package parts
(pivot caches, connections, external links, embeddings, macros) added into the zip, as Excel
writes them. Legacy .xls comes from xlwt; OpenDocument and Word files are written part by part.
"""

from __future__ import annotations

import io
import random
import zipfile

import xlwt
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Font
from openpyxl.workbook.defined_name import DefinedName
from pypdf import PdfWriter
from pypdf.actions import JavaScript
from pypdf.annotations import FreeText

NAMES = ["Aoife Kelly", "Brian Murphy", "Ciara Walsh", "Declan Byrne", "Eimear Ryan"]
SALT = random.Random(13)


def _save(book: Workbook) -> bytes:
    book.properties.creator = None
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def summary_book() -> Workbook:
    book = Workbook()
    sheet = book.active
    sheet.title = "Summary"
    sheet.append(["Offence", "2016/17", "2017/18"])
    sheet.append(["Rape", 63, 361])
    sheet.append(["Sexual assault", "<5", 12])
    return book


def clean_xlsx() -> bytes:
    return _save(summary_book())


def psni_like_xlsx(people: int = 200) -> bytes:
    """A visible summary, and a hidden sheet of named individuals (the PSNI 2023 leak)."""
    book = summary_book()
    staff = book.create_sheet("Staff")
    staff.append(["Surname", "Forename", "Rank", "Location", "Unit"])
    for number in range(people):
        forename, surname = NAMES[number % len(NAMES)].split()
        staff.append([surname, forename, "Constable", "Belfast", f"Unit {number}"])
    staff.sheet_state = "hidden"
    return _save(book)


def very_hidden_xlsx() -> bytes:
    book = summary_book()
    secret = book.create_sheet("Victims")
    for name in NAMES:
        secret.append([name, 13])
    secret.sheet_state = "veryHidden"
    return _save(book)


def hidden_empty_sheet_xlsx() -> bytes:
    book = summary_book()
    book.create_sheet("Spare").sheet_state = "hidden"
    return _save(book)


def hidden_rows_xlsx() -> bytes:
    book = summary_book()
    sheet = book.active
    for number, name in enumerate(NAMES, start=5):
        sheet.cell(row=number, column=1, value=name)
        sheet.row_dimensions[number].hidden = True
    sheet.row_dimensions[20].hidden = True  # hidden but empty: not a finding
    return _save(book)


def hidden_columns_xlsx() -> bytes:
    book = summary_book()
    sheet = book.active
    for number, name in enumerate(NAMES, start=1):
        sheet.cell(row=number, column=5, value=name)
    sheet.column_dimensions["E"].hidden = True
    sheet.column_dimensions["H"].hidden = True  # empty
    return _save(book)


def comments_xlsx() -> bytes:
    book = summary_book()
    book.active["B2"].comment = Comment("Includes the Smith case", "Analyst")
    book.active["C3"].comment = Comment("Two of these are the same victim", "Analyst")
    return _save(book)


def white_text_xlsx() -> bytes:
    book = summary_book()
    book.active["D2"] = "Jane Doe, DOB 01/02/2005"
    book.active["D2"].font = Font(color="FFFFFFFF")
    book.active["D3"] = "John Roe"
    book.active["D3"].font = Font(sz=1)
    return _save(book)


def defined_names_xlsx() -> bytes:
    book = summary_book()
    book.defined_names["VictimList"] = DefinedName("VictimList", attr_text="Summary!$A$1:$A$3")
    return _save(book)


def author_xlsx() -> bytes:
    book = summary_book()
    data = _save(book)
    return replace_part(
        data,
        "docProps/core.xml",
        lambda xml: xml.replace(
            b"</cp:coreProperties>",
            b'<dc:creator xmlns:dc="http://purl.org/dc/elements/1.1/">DC 1234 Smith</dc:creator>'
            b"<cp:lastModifiedBy>J Bloggs</cp:lastModifiedBy></cp:coreProperties>",
        ),
    )


def replace_part(data: bytes, name: str, change) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == name:
                content = change(content)
            target.writestr(info.filename, content)
    return out.getvalue()


def add_parts(data: bytes, parts: dict[str, bytes], *, workbook_change=None) -> bytes:
    """The package with `parts` added (and xl/workbook.xml changed by `workbook_change`)."""
    if workbook_change is not None:
        data = replace_part(data, "xl/workbook.xml", workbook_change)
    out = io.BytesIO()
    source = zipfile.ZipFile(io.BytesIO(data))
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info.filename, source.read(info.filename))
        for name, content in parts.items():
            target.writestr(name, content)
    return out.getvalue()


NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
RELS_NS = 'xmlns="http://schemas.openxmlformats.org/package/2006/relationships"'
OFFICE_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def pivot_xlsx(records: int = 250) -> bytes:
    """A pivot table whose cache keeps every source row: names, ages, offences."""
    rows = "".join(
        f'<r><s v="{NAMES[n % 5]}"/><n v="{10 + n % 8}"/><x v="{n % 2}"/></r>'
        for n in range(records)
    )
    definition = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f'<pivotCacheDefinition {NS} xmlns:r="{OFFICE_REL}" r:id="rId1" refreshOnLoad="1" recordCount="{records}">'
        f'<cacheSource type="worksheet"><worksheetSource ref="A1:C{records + 1}" sheet="Raw"/></cacheSource>'
        '<cacheFields count="3"><cacheField name="Victim" numFmtId="0"><sharedItems/></cacheField>'
        '<cacheField name="Age" numFmtId="0"><sharedItems containsNumber="1"/></cacheField>'
        '<cacheField name="Offence" numFmtId="0"><sharedItems count="2"><s v="Rape"/><s v="Sexual assault"/></sharedItems></cacheField>'
        "</cacheFields></pivotCacheDefinition>"
    )
    cache_rels = (
        f'<?xml version="1.0" encoding="UTF-8"?><Relationships {RELS_NS}>'
        f'<Relationship Id="rId1" Type="{OFFICE_REL}/pivotCacheRecords" Target="pivotCacheRecords1.xml"/>'
        "</Relationships>"
    )
    cache_records = f'<?xml version="1.0" encoding="UTF-8"?><pivotCacheRecords {NS} count="{records}">{rows}</pivotCacheRecords>'
    return add_parts(
        clean_xlsx(),
        {
            "xl/pivotCache/pivotCacheDefinition1.xml": definition.encode(),
            "xl/pivotCache/_rels/pivotCacheDefinition1.xml.rels": cache_rels.encode(),
            "xl/pivotCache/pivotCacheRecords1.xml": cache_records.encode(),
        },
        workbook_change=lambda xml: xml.replace(
            b"</workbook>",
            b'<pivotCaches><pivotCache cacheId="1" r:id="rId99"/></pivotCaches></workbook>',
        ),
    )


def external_link_xlsx() -> bytes:
    link = f'<?xml version="1.0"?><externalLink {NS}><externalBook xmlns:r="{OFFICE_REL}" r:id="rId1"/></externalLink>'
    rels = (
        f'<?xml version="1.0"?><Relationships {RELS_NS}><Relationship Id="rId1" '
        f'Type="{OFFICE_REL}/externalLinkPath" Target="file:///\\\\fs01\\PPU\\victims-2017.xlsx" TargetMode="External"/></Relationships>'
    )
    return add_parts(
        clean_xlsx(),
        {
            "xl/externalLinks/externalLink1.xml": link.encode(),
            "xl/externalLinks/_rels/externalLink1.xml.rels": rels.encode(),
        },
    )


def connection_xlsx() -> bytes:
    connections = (
        f'<?xml version="1.0"?><connections {NS}><connection id="1" name="Niche RMS" type="1" refreshedVersion="6">'
        '<dbPr connection="DSN=NICHE;UID=analyst" command="SELECT * FROM victims"/></connection></connections>'
    )
    return add_parts(clean_xlsx(), {"xl/connections.xml": connections.encode()})


def embedded_xlsx() -> bytes:
    return add_parts(clean_xlsx(), {"xl/embeddings/oleObject1.bin": b"\xd0\xcf\x11\xe0 names"})


def macro_xlsm() -> bytes:
    return add_parts(clean_xlsx(), {"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0 vba"})


def billion_laughs_xlsx() -> bytes:
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
        b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">'
        b'<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">'
        b'<!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">'
        b'<!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">'
        b'<!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">'
        b'<!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">'
        b'<!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">]>'
        b'<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheets><sheet name="&lol9;"/></sheets></workbook>'
    )
    return replace_part(clean_xlsx(), "xl/workbook.xml", lambda _xml: bomb)


def zip_bomb_xlsx(megabytes: int = 60) -> bytes:
    """A workbook whose sheet unpacks to `megabytes` MB of blanks (about 1000:1)."""
    return replace_part(
        clean_xlsx(),
        "xl/worksheets/sheet1.xml",
        lambda _xml: b" " * (megabytes * 1024 * 1024),
    )


def wide_zip_bomb(parts: int = 200, megabytes_each: int = 3) -> bytes:
    """Many parts, each under the ratio check's floor, that together unpack past the cap."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        target.writestr("xl/workbook.xml", b"<workbook/>")
        blank = b" " * (megabytes_each * 1024 * 1024)
        for number in range(parts):
            target.writestr(f"xl/media/filler{number}.bin", blank)
    return out.getvalue()


def _ole_with_stream(name: str) -> bytes:
    """An OLE compound file (written by xlwt) whose one stream is renamed `name`."""
    book = xlwt.Workbook()
    book.add_sheet("Sheet1").write(0, 0, "x")
    buffer = io.BytesIO()
    book.save(buffer)
    data = bytearray(buffer.getvalue())
    old = "Workbook".encode("utf-16-le")
    at = data.find(old)
    new = name.encode("utf-16-le") + b"\x00\x00"
    data[at : at + 64] = new.ljust(64, b"\x00")
    data[at + 64 : at + 66] = len(new).to_bytes(2, "little")
    return bytes(data)


def encrypted_xlsx() -> bytes:
    """What Excel writes for a password-protected .xlsx: an OLE file with an EncryptedPackage."""
    return _ole_with_stream("EncryptedPackage")


def random_bytes(size: int = 4096) -> bytes:
    return SALT.randbytes(size)


# .xls -----------------------------------------------------------------------------------------


def xls_file(*, hidden_sheet=False, hidden_rows=False, hidden_columns=False) -> bytes:
    book = xlwt.Workbook()
    summary = book.add_sheet("Summary")
    summary.write(0, 0, "Offence")
    summary.write(0, 1, "2016/17")
    summary.write(1, 0, "Rape")
    summary.write(1, 1, 63)
    if hidden_rows:
        for number, name in enumerate(NAMES, start=4):
            summary.write(number, 0, name)
            summary.row(number).hidden = True
    if hidden_columns:
        for number, name in enumerate(NAMES):
            summary.write(number, 4, name)
        summary.col(4).hidden = True
    if hidden_sheet:
        staff = book.add_sheet("Staff")
        for number, name in enumerate(NAMES):
            staff.write(number, 0, name)
        staff.visibility = 1
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def xls_with_pivot_cache(records: int = 120, *, saved: bool = True) -> bytes:
    """A .xls whose pivot cache keeps `records` cache records (Excel's _SX_DB_CUR storage, one
    stream per cache, opening with an SXDB record), built as a compound file around xlwt's
    Workbook stream; `saved` False is a cache whose records were not saved (fSaveData 0)."""
    from xlrd import compdoc

    workbook = compdoc.CompDoc(xls_file(), logfile=io.StringIO()).get_named_stream("Workbook")
    flags = 0x0001 if saved else 0x0000  # fSaveData
    sxdb = records.to_bytes(4, "little") + (1).to_bytes(2, "little") + flags.to_bytes(2, "little")
    sxdb += bytes(13)  # the rest of the record, unread by the screening
    body = (0x00C6).to_bytes(2, "little") + len(sxdb).to_bytes(2, "little") + sxdb
    # One SXDBB record per cache record: the row-level data a pivot cache carries.
    for number in range(records if saved else 0):
        row = bytes([number % 7, number % 3])
        body += (0x00C8).to_bytes(2, "little") + len(row).to_bytes(2, "little") + row
    body += (0x000A).to_bytes(2, "little") + bytes(2)  # EOF
    return compound_file({"Workbook": workbook, "_SX_DB_CUR": {"0001": body}})


def compound_file(entries: dict) -> bytes:
    """A minimal OLE compound file (version 3, 512-byte sectors) holding `entries`: name ->
    bytes (a stream) or name -> dict (a storage). Every stream is padded to 4,096 bytes at least,
    so none goes in the mini stream."""
    sector = 512
    end, free, fat_mark, none = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF
    nodes = [{"name": "Root Entry", "type": 5, "data": None, "kids": []}]

    def add(parent: int, name: str, value) -> None:
        index = len(nodes)
        nodes.append({"name": name, "type": 1 if isinstance(value, dict) else 2, "kids": []})
        nodes[parent]["kids"].append(index)
        if isinstance(value, dict):
            nodes[index]["data"] = None
            for child_name, child in value.items():
                add(index, child_name, child)
        else:
            nodes[index]["data"] = value

    for name, value in entries.items():
        add(0, name, value)
    body, fat = bytearray(), []
    for node in nodes:
        data = node["data"]
        if data is None:
            node["start"], node["size"] = end, 0
            continue
        padded = data.ljust(max(4096, -(-len(data) // sector) * sector), b"\x00")
        first = len(fat)
        count = len(padded) // sector
        fat.extend(list(range(first + 1, first + count)) + [end])
        node["start"], node["size"] = (
            first,
            len(padded),
        )  # the padding too: under 4,096 is a mini stream
        body += padded
    directory = bytearray()
    for node in nodes:
        kids = node["kids"]
        node["child"] = kids[0] if kids else none
        for left, right in zip(kids, [*kids[1:], none], strict=False):
            nodes[left]["right"] = right
    for node in nodes:
        name = node["name"].encode("utf-16-le") + b"\x00\x00"
        entry = name.ljust(64, b"\x00") + len(name).to_bytes(2, "little")
        entry += bytes([node["type"], 1])  # black
        entry += none.to_bytes(4, "little") + node.get("right", none).to_bytes(4, "little")
        entry += node["child"].to_bytes(4, "little") + bytes(16 + 4 + 8 + 8)
        entry += node["start"].to_bytes(4, "little") + node["size"].to_bytes(4, "little")
        directory += entry + bytes(4)
    directory = directory.ljust(-(-len(directory) // sector) * sector, b"\x00")
    dir_start = len(fat)
    dir_count = len(directory) // sector
    fat.extend(list(range(dir_start + 1, dir_start + dir_count)) + [end])
    body += directory
    fat_sectors = -(-(len(fat) + 1) // (sector // 4))
    while -(-(len(fat) + fat_sectors) // (sector // 4)) > fat_sectors:
        fat_sectors += 1
    fat_start = len(fat)
    fat.extend([fat_mark] * fat_sectors)
    fat.extend([free] * (fat_sectors * (sector // 4) - len(fat)))
    body += b"".join(entry.to_bytes(4, "little") for entry in fat)
    header = bytes.fromhex("d0cf11e0a1b11ae1") + bytes(16)
    header += (0x3E).to_bytes(2, "little") + (3).to_bytes(2, "little") + b"\xfe\xff"
    header += (9).to_bytes(2, "little") + (6).to_bytes(2, "little") + bytes(6)
    header += (0).to_bytes(4, "little") + fat_sectors.to_bytes(4, "little")
    header += dir_start.to_bytes(4, "little") + bytes(4) + (4096).to_bytes(4, "little")
    header += end.to_bytes(4, "little") + (0).to_bytes(4, "little")
    header += end.to_bytes(4, "little") + (0).to_bytes(4, "little")
    difat = [fat_start + n for n in range(fat_sectors)] + [free] * (109 - fat_sectors)
    header += b"".join(entry.to_bytes(4, "little") for entry in difat)
    return bytes(header) + bytes(body)


# OpenDocument ---------------------------------------------------------------------------------

ODS_NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0" '
    'xmlns:dc="http://purl.org/dc/elements/1.1/" '
    'xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0" '
    'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" '
    'office:version="1.2"'
)


def _cell(value) -> str:
    if isinstance(value, int):
        return f'<table:table-cell office:value-type="float" office:value="{value}"><text:p>{value}</text:p></table:table-cell>'
    return (
        f'<table:table-cell office:value-type="string"><text:p>{value}</text:p></table:table-cell>'
    )


def ods_file(*, hidden_sheet=True, hidden_row=True, comment=True, encrypted=False) -> bytes:
    rows_visible = "".join(
        f"<table:table-row>{_cell(a)}{_cell(b)}</table:table-row>"
        for a, b in [("Offence", "2016/17"), ("Rape", 63)]
    )
    hidden_row_xml = (
        f'<table:table-row table:visibility="collapse">{_cell("Aoife Kelly")}{_cell(13)}</table:table-row>'
        if hidden_row
        else ""
    )
    note = (
        "<table:table-row><table:table-cell><office:annotation><text:p>ask DS Byrne</text:p>"
        "</office:annotation><text:p>x</text:p></table:table-cell></table:table-row>"
        if comment
        else ""
    )
    staff = "".join(f"<table:table-row>{_cell(n)}</table:table-row>" for n in NAMES)
    hidden_table = (
        f'<table:table table:name="Staff" table:style-name="ta2">{staff}</table:table>'
        if hidden_sheet
        else ""
    )
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {ODS_NS}>'
        "<office:automatic-styles>"
        '<style:style style:name="ta1" style:family="table"><style:table-properties table:display="true"/></style:style>'
        '<style:style style:name="ta2" style:family="table"><style:table-properties table:display="false"/></style:style>'
        "</office:automatic-styles><office:body><office:spreadsheet>"
        f'<table:table table:name="Summary" table:style-name="ta1"><table:table-column table:number-columns-repeated="2"/>'
        f"{rows_visible}{hidden_row_xml}{note}</table:table>{hidden_table}"
        "</office:spreadsheet></office:body></office:document-content>"
    )
    encryption = (
        '<manifest:encryption-data manifest:checksum-type="SHA1/1K" manifest:checksum="x"/>'
        if encrypted
        else ""
    )
    manifest = (
        f'<?xml version="1.0" encoding="UTF-8"?><manifest:manifest {ODS_NS}>'
        '<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        f'<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml">{encryption}</manifest:file-entry>'
        "</manifest:manifest>"
    )
    meta = (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-meta {ODS_NS}><office:meta>'
        "<meta:initial-creator>PC 4321 Walsh</meta:initial-creator></office:meta></office:document-meta>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        target.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        target.writestr("META-INF/manifest.xml", manifest)
        target.writestr("content.xml", b"\x00garbled" if encrypted else content.encode())
        target.writestr("meta.xml", meta)
    return out.getvalue()


# Word ----------------------------------------------------------------------------------------

W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def docx_file(*, tracked=True, comments=True, hidden_text=True) -> bytes:
    changes = (
        '<w:p><w:ins w:id="1" w:author="DC Smith" w:date="2017-05-01T10:00:00Z"><w:r><w:t>63</w:t></w:r></w:ins>'
        '<w:del w:id="2" w:author="DC Smith" w:date="2017-05-01T10:00:00Z"><w:r><w:delText>Victim: Aoife Kelly</w:delText></w:r></w:del></w:p>'
        if tracked
        else ""
    )
    hidden = (
        "<w:p><w:r><w:rPr><w:vanish/></w:rPr><w:t>Named suspect: B Murphy</w:t></w:r></w:p>"
        '<w:p><w:r><w:rPr><w:color w:val="FFFFFF"/></w:rPr><w:t>white words</w:t></w:r></w:p>'
        if hidden_text
        else ""
    )
    table = (
        "<w:tbl><w:tr><w:tc><w:p><w:r><w:t>Offence</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>2016/17</w:t></w:r></w:p></w:tc></w:tr>"
        "<w:tr><w:tc><w:p><w:r><w:t>Rape</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>63</w:t></w:r></w:p></w:tc></w:tr></w:tbl>"
    )
    document = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document {W}><w:body>'
        f"<w:p><w:r><w:t>Dear requester, the figures are below.</w:t></w:r></w:p>{table}{changes}{hidden}"
        "</w:body></w:document>"
    )
    parts = {
        "[Content_Types].xml": '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="xml" ContentType="application/xml"/></Types>',
        "_rels/.rels": f'<?xml version="1.0"?><Relationships {RELS_NS}><Relationship Id="rId1" '
        f'Type="{OFFICE_REL}/officeDocument" Target="word/document.xml"/></Relationships>',
        "word/document.xml": document,
    }
    if comments:
        parts["word/comments.xml"] = (
            f'<?xml version="1.0"?><w:comments {W}><w:comment w:id="0" w:author="DS Byrne">'
            "<w:p><w:r><w:t>remove the names before sending</w:t></w:r></w:p></w:comment></w:comments>"
        )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name, content in parts.items():
            target.writestr(name, content)
    return out.getvalue()


# PDF -----------------------------------------------------------------------------------------


def pdf_file(*, annotation=False, javascript=False, attachment=False, password=None) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_blank_page(width=595, height=842)
    if annotation:
        writer.add_annotation(
            page_number=1,
            annotation=FreeText(text="Names redacted? check", rect=(50, 550, 200, 650)),
        )
    if javascript:
        writer.add_open_action(JavaScript("app.alert('hello');"))
    if attachment:
        writer.add_attachment("victims.csv", b"name,age\nAoife Kelly,13\n")
    writer.add_metadata({"/Author": "DC 1234 Smith"})
    if password:
        writer.encrypt(user_password=password, owner_password=password)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def understated_size(data: bytes, part: str, size: int) -> bytes:
    """The package with `part`'s uncompressed size in the zip directory set to `size` (a lie)."""
    out = bytearray(data)
    at = 0
    while True:
        at = out.find(b"PK\x01\x02", at)
        if at < 0:
            raise ValueError(f"{part} is not in the package")
        name_length = int.from_bytes(out[at + 28 : at + 30], "little")
        if bytes(out[at + 46 : at + 46 + name_length]).decode() == part:
            out[at + 24 : at + 28] = size.to_bytes(4, "little")
            return bytes(out)
        at += 4


def odt_file() -> bytes:
    """An OpenDocument text letter with a tracked deletion, a comment and white words."""
    content = (
        f'<?xml version="1.0"?><office:document-content {ODS_NS}><office:automatic-styles>'
        '<style:style style:name="T1" style:family="text"><style:text-properties fo:color="#ffffff"/></style:style>'
        "</office:automatic-styles><office:body><office:text><text:tracked-changes>"
        '<text:changed-region text:id="c1"><text:deletion/></text:changed-region></text:tracked-changes>'
        '<text:p>Figures attached. <text:span text:style-name="T1">Victim: Aoife Kelly</text:span>'
        "<office:annotation><text:p>check before sending</text:p></office:annotation></text:p>"
        "</office:text></office:body></office:document-content>"
    )
    manifest = (
        f'<?xml version="1.0"?><manifest:manifest {ODS_NS}><manifest:file-entry '
        'manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.text"/>'
        "</manifest:manifest>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        target.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        target.writestr("META-INF/manifest.xml", manifest)
        target.writestr("content.xml", content)
    return out.getvalue()
