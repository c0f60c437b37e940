"""Reading an XML part as a stream within bounds: expat fed 64 KB at a time, the text between
two tags counted and kept only while wanted, entity declarations refused. The XLSX reader
(requests_app/xlsx_stream.py) and screening (requests_app/screening/xlsx.py) parse every part
through it.

ElementTree keeps any run of text between two tags whole (390 MB of blanks packed into 400 KB
cost 900 MB); here at most MAX_TEXT characters may stand between two tags, a tag, comment or
processing instruction expat is still reading may hold at most MAX_TOKEN bytes, and entity
declarations are refused (billion laughs), as defusedxml does.

Pure Python and no Django: screening runs it in a sandboxed child.
"""

from __future__ import annotations

import zipfile
import zlib
from collections.abc import Callable, Iterator
from xml.parsers import expat

CHUNK = 64 * 1024


# Characters of text between two tags (a cell's value, or blanks between elements). Excel keeps
# at most 32,767 in a cell; a run longer than this is damage or an attack.
MAX_TEXT = 1024 * 1024


# Bytes of one tag, comment or processing instruction that expat may hold while reading it.
MAX_TOKEN = 1024 * 1024


class XlsxError(ValueError):
    """The workbook cannot be read; the message says why and where, fit to show."""


class XlsxLimit(XlsxError):
    """A budget was passed: the workbook may be valid, but is too big (or built to be)."""


def local_name(name: str) -> str:
    return name.rpartition(" ")[2]


class _Entities(Exception):
    pass


def _refuse_entities(*_args) -> None:
    raise _Entities


def parse(
    stream, handler, where: str, on_chunk: Callable[[], None] | None = None
) -> Iterator[None]:
    """Feed `stream` (anything with read(n)) to expat piece by piece, calling handler.start(tag,
    attrs), handler.end(tag) and handler.text(chunk) with tags stripped of their namespace.
    Yields after each piece, so a caller can hand on what the handler collected. The handler
    bounds the text it keeps; this bounds the bytes expat holds. `where` names the part in
    errors; `on_chunk` is called after each piece (a clock check)."""
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.buffer_text = True
    parser.buffer_size = CHUNK
    parser.StartElementHandler = handler.start
    parser.EndElementHandler = handler.end
    parser.CharacterDataHandler = handler.text
    parser.EntityDeclHandler = _refuse_entities
    parser.UnparsedEntityDeclHandler = _refuse_entities
    parser.ExternalEntityRefHandler = _refuse_entities
    fed = 0
    try:
        while True:
            piece = stream.read(CHUNK)
            if not piece:
                break
            parser.Parse(piece, False)
            fed += len(piece)
            if fed - parser.CurrentByteIndex > MAX_TOKEN:
                raise XlsxLimit(
                    f"{where} has a tag or comment longer than {MAX_TOKEN // 1024:,} KB: "
                    "the file is damaged, or made to use up memory, and was not read."
                )
            if on_chunk is not None:
                on_chunk()
            yield
        parser.Parse(b"", True)
    except _Entities:
        raise XlsxError(
            f"{where} declares XML entities (EntitiesForbidden), which are refused."
        ) from None
    except expat.ExpatError as exc:
        raise XlsxError(f"{where} is not well-formed XML ({exc}): the file is damaged.") from None
    except XlsxError:
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError) as exc:
        # A corrupt member fails its checksum (BadZipFile) or inflating it (zlib.error).
        raise XlsxError(f"{where} cannot be unpacked ({exc}): the file is damaged.") from None
    yield


def drain(stream, handler, where: str, on_chunk: Callable[[], None] | None = None) -> None:
    """`parse` run to the end."""
    for _ in parse(stream, handler, where, on_chunk):
        pass


class StreamHandler:
    """The base of every handler here: counts the text since the last tag, and keeps it only
    while `keeping` (inside the value being read)."""

    where = ""

    def __init__(self) -> None:
        self.run = 0
        self.keeping = False
        self.kept: list[str] = []
        # Tag as expat gives it (with its namespace) -> without; filled as tags are met.
        self.tags: dict[str, str] = {}

    def _tag(self, name: str) -> str:
        tag = self.tags[name] = local_name(name)
        return tag

    def text(self, data: str) -> None:
        self.run += len(data)
        if self.run > MAX_TEXT:
            raise XlsxLimit(
                f"{self.where} holds more than {MAX_TEXT:,} characters of text in one place: "
                "the file is damaged, or made to use up memory, and was not read."
            )
        if self.keeping:
            self.kept.append(data)

    def take(self) -> str:
        value = "".join(self.kept)
        self.kept.clear()
        return value
