"""Screening the files forces send back (issue 13): what else a file carries besides the answer.

`screen_bytes(name, data)` returns the findings for one file, in the fixed vocabulary of
findings.py, and never raises: a file it cannot read, or that hits a limit (zip bomb, entity
expansion, too slow), gives an `unreadable` finding, an encrypted one `password_protected`.
The file's content decides how it is read (a workbook renamed .pdf is still a workbook); the
name's extension only breaks ties and says what a file claimed to be.

Pure Python and no Django, so that the tracker can run it in a child process with hard limits
(sandbox.py, `python -m requests_app.screening`), and tests can call it directly.
"""

from __future__ import annotations

import logging
from pathlib import PurePath

from requests_app.screening import findings as k
from requests_app.screening.findings import (
    KINDS,
    LABELS,
    PERSONAL_DATA_KINDS,
    UNITS,
    Finding,
    finding,
)
from requests_app.screening.limits import Limits, ScreeningLimit

__all__ = [
    "KINDS",
    "LABELS",
    "PERSONAL_DATA_KINDS",
    "UNITS",
    "Finding",
    "Limits",
    "finding",
    "screen_bytes",
]

logger = logging.getLogger(__name__)

# Types that hold a document we know how to read: anything else with such a name that we
# cannot read is `unreadable`, not silently clean. Images and emails are not inspected.
DOCUMENT_TYPES = {"xlsx", "xlsm", "xls", "ods", "odt", "csv", "docx", "docm", "doc", "pdf"}


def screen_bytes(name: str, data: bytes, limits: Limits | None = None) -> list[Finding]:
    limits = limits or Limits()
    extension = PurePath(name or "").suffix.lower().lstrip(".")
    if len(data) > limits.max_file_bytes:
        mb = limits.max_file_bytes // (1024 * 1024)
        return [finding(k.UNREADABLE, f"larger than {mb} MB: not screened", 1)]
    try:
        return _screen(extension, data, limits)
    except ScreeningLimit as exc:
        return [finding(k.UNREADABLE, str(exc), 1)]
    except MemoryError:
        return [finding(k.UNREADABLE, "ran out of memory while reading", 1)]
    except RecursionError:
        return [finding(k.UNREADABLE, "nested too deeply to read", 1)]
    except Exception as exc:  # a hostile or broken file must give a finding, never a crash
        from requests_app.screening.packages import UnreadablePart

        if isinstance(exc, UnreadablePart):
            return [finding(k.UNREADABLE, str(exc), 1)]
        logger.info("Screening %s failed: %r", name, exc)
        what = f".{extension} file" if extension else "file"
        return [finding(k.UNREADABLE, f"could not be read as a {what} ({type(exc).__name__})", 1)]


def _screen(extension: str, data: bytes, limits: Limits) -> list[Finding]:
    from requests_app.screening import docx, odf, ole, pdf, xls, xlsx
    from requests_app.screening.packages import ZIP_MAGIC, Package

    if ole.is_ole(data):
        names = ole.entry_names(data)
        if names is None:
            return [finding(k.UNREADABLE, "a damaged Office (OLE) container", 1)]
        if "EncryptedPackage" in names:
            return [finding(k.PASSWORD_PROTECTED, "encrypted Office file (needs a password)", 1)]
        if "Workbook" in names or "Book" in names:
            return xls.screen(data, limits)
        if "WordDocument" in names:
            return _word_97(data, names)
        return [finding(k.UNREADABLE, "an Office (OLE) container of an unknown kind", 1)]
    if data[:4] == ZIP_MAGIC:
        package = Package(data, limits)
        if xlsx.is_workbook(package):
            return xlsx.screen(package, limits)
        if docx.is_document(package):
            return docx.screen(package, limits)
        if odf.is_opendocument(package):
            if odf.is_encrypted(package):
                return [
                    finding(k.PASSWORD_PROTECTED, "encrypted OpenDocument (needs a password)", 1)
                ]
            return odf.screen(package, limits)
        if package.has("META-INF/manifest.xml") and odf.is_encrypted(package):
            return [finding(k.PASSWORD_PROTECTED, "encrypted OpenDocument (needs a password)", 1)]
        if extension in DOCUMENT_TYPES:
            return [finding(k.UNREADABLE, "a zip file with no workbook or document in it", 1)]
        return []
    if pdf.is_pdf(data):
        return pdf.screen(data, limits)
    if extension == "csv":
        if b"\x00" in data[:65536]:
            return [finding(k.UNREADABLE, "binary content, not text", 1)]
        return []
    if extension in DOCUMENT_TYPES:
        return [finding(k.UNREADABLE, f"not a valid .{extension} file", 1)]
    return []


def _word_97(data: bytes, names: list[str]) -> list[Finding]:
    from requests_app.screening import ole

    found = []
    word = ole.stream(data, "WordDocument") or b""
    # FIB flags at offset 0x0A: bit 8 is fEncrypted.
    if len(word) > 0x0B and word[0x0B] & 0x01:
        return [finding(k.PASSWORD_PROTECTED, "Word document (encrypted)", 1)]
    if "Macros" in names or "_VBA_PROJECT" in names:
        found.append(finding(k.MACRO, "Macros", 1))
    objects = [n for n in names if n.startswith("_") and n[1:].isdigit()]
    if "ObjectPool" in names and objects:
        found.append(finding(k.EMBEDDED_FILE, "ObjectPool", len(objects)))
    return found
