"""Zip packages (OOXML and OpenDocument) read part by part, never unpacked whole.

Sizes are checked twice: the sizes the zip's directory declares, before anything is read, and
the bytes actually produced while reading (a directory can lie). XML parts are parsed with
defusedxml, which refuses entity definitions (billion laughs) and external entities, as a
stream (iterparse), clearing elements once read, so a sheet of a million rows costs the memory
of one row.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from xml.etree.ElementTree import Element

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse

from requests_app.screening.limits import Limits, ScreeningLimit
from requests_app.xlsx_stream import resolve

ZIP_MAGIC = b"PK\x03\x04"
CHUNK = 64 * 1024


class UnreadablePart(Exception):
    """A part that cannot be parsed (malformed or hostile XML)."""


class Package:
    def __init__(self, data: bytes, limits: Limits) -> None:
        self.limits = limits
        try:
            self.zip = zipfile.ZipFile(io.BytesIO(data))
            infos = self.zip.infolist()
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError) as exc:
            raise UnreadablePart(f"not a readable zip package ({exc})") from exc
        if len(infos) > limits.max_entries:
            raise ScreeningLimit(f"more than {limits.max_entries} parts in the package")
        declared = sum(info.file_size for info in infos)
        if declared > limits.max_unpacked_bytes:
            mb = limits.max_unpacked_bytes // (1024 * 1024)
            raise ScreeningLimit(f"declares more than {mb} MB unpacked (a zip bomb?)")
        for info in infos:
            if (
                info.file_size > limits.ratio_applies_above
                and info.file_size > limits.max_ratio * max(info.compress_size, 1)
            ):
                raise ScreeningLimit(
                    f"part {info.filename} unpacks to {info.file_size // max(info.compress_size, 1)}"
                    " times its size (a zip bomb?)"
                )
        self.infos = {info.filename: info for info in infos}

    @property
    def names(self) -> list[str]:
        return list(self.infos)

    def has(self, name: str) -> bool:
        return name in self.infos

    def stream(self, name: str) -> io.RawIOBase:
        """The part as a file object that counts what it produces against the limits."""
        return _Counted(self.zip.open(self.infos[name]), self.limits, self.infos[name].file_size)

    def read(self, name: str, max_bytes: int = 8 * 1024 * 1024) -> bytes:
        with self.stream(name) as handle:
            data = handle.read(max_bytes + 1)
        if len(data) > max_bytes:
            raise ScreeningLimit(f"part {name} is larger than {max_bytes // (1024 * 1024)} MB")
        return data

    def iterparse(self, name: str, events=("start", "end")) -> Iterator[tuple[str, Element]]:
        """(event, element) over the part; elements are cleared by the caller's loop."""
        try:
            with self.stream(name) as handle:
                for count, item in enumerate(iterparse(handle, events=events)):
                    if count % 5000 == 0:
                        self.limits.check_time()
                    yield item
        except DefusedXmlException as exc:
            raise UnreadablePart(f"{name}: refused XML ({type(exc).__name__})") from exc
        except (SyntaxError, zipfile.BadZipFile, EOFError, OSError, ValueError) as exc:
            # ParseError is a SyntaxError; a corrupt member raises BadZipFile or zlib errors.
            raise UnreadablePart(f"{name}: {exc}") from exc

    def rels(self, part: str) -> dict[str, tuple[str, str, str]]:
        """Id -> (type, target resolved to a part name or as given, target mode) of a part's rels."""
        folder, _, base = part.rpartition("/")
        rels_name = f"{folder}/_rels/{base}.rels" if folder else f"_rels/{base}.rels"
        if not self.has(rels_name):
            return {}
        result = {}
        for _event, element in self.iterparse(rels_name, events=("end",)):
            if local(element.tag) == "Relationship":
                mode = element.get("TargetMode", "")
                target = element.get("Target", "")
                if mode != "External":
                    target = resolve(folder, target)
                result[element.get("Id", "")] = (
                    element.get("Type", "").rsplit("/", 1)[-1],
                    target,
                    mode,
                )
        return result


class _Counted(io.RawIOBase):
    def __init__(self, raw, limits: Limits, declared: int) -> None:
        self.raw = raw
        self.limits = limits
        self.declared = declared
        self.produced = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self.raw.read(min(len(buffer), CHUNK))
        size = len(data)
        self.produced += size
        if self.produced > self.declared:
            raise ScreeningLimit("a part unpacks to more than its zip header says")
        self.limits.count_unpacked(size)
        buffer[:size] = data
        return size

    def close(self) -> None:
        self.raw.close()
        super().close()


def local(tag: str) -> str:
    """The tag without its namespace."""
    return tag.rpartition("}")[2]


def core_authors(package: Package) -> list[str]:
    """The author fields that are filled in docProps (names only, not their values)."""
    fields = []
    wanted = {"creator", "lastModifiedBy", "Manager", "Company"}
    for part in ("docProps/core.xml", "docProps/app.xml"):
        if not package.has(part):
            continue
        for _event, element in package.iterparse(part, events=("end",)):
            name = local(element.tag)
            if name in wanted and (element.text or "").strip():
                fields.append(name)
    return fields
