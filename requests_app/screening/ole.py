"""OLE compound files (the container of .xls, .doc, and of every password-protected Office
file): the names of their streams, read with xlrd's reader of the format."""

from __future__ import annotations

import io

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def is_ole(data: bytes) -> bool:
    return data[:8] == OLE_MAGIC


def entry_names(data: bytes) -> list[str] | None:
    """Every storage and stream name, or None when the container cannot be read."""
    from xlrd import compdoc

    try:
        doc = compdoc.CompDoc(data, logfile=io.StringIO())
    except Exception:  # xlrd raises its own errors and assorted IndexErrors on bad files
        return None
    return [node.name for node in doc.dirlist if node.name]


def stream(data: bytes, name: str) -> bytes | None:
    return streams(data, [name])[name]


def streams(data: bytes, names: list[str]) -> dict[str, bytes | None]:
    """Several streams by path ("_SX_DB_CUR/0001"), the container read once; None for any that
    cannot be read."""
    from xlrd import compdoc

    try:
        doc = compdoc.CompDoc(data, logfile=io.StringIO())
    except Exception:
        return dict.fromkeys(names)
    found: dict[str, bytes | None] = {}
    for name in names:
        try:
            found[name] = doc.get_named_stream(name)
        except Exception:
            found[name] = None
    return found
