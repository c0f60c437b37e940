"""Large MIME parts decoded to temporary files while the parser reads them. Pure.

The stdlib parser keeps every part's encoded text in the message tree until the end, and
decoding then makes a second copy. Here the parser builds SpoolingParts: when it hands one the
body of a large attachment (over SPOOL_OVER), the part decodes it a slice at a time into a
temporary file (`decoded`) and keeps none of the encoded text, to exactly the bytes
get_payload(decode=True) would give. Used by mail/parse.py.
"""

from __future__ import annotations

import binascii
import hashlib
import re
import tempfile
from collections.abc import Iterator
from email.message import EmailMessage, Message
from typing import IO

# An attachment whose encoded text is longer is decoded to a temporary file while the message is
# parsed; smaller ones are decoded in memory after. Also the size a temporary file is kept in
# memory up to. Small, so bounce detectors still see a small text attachment as the stdlib does.
SPOOL_OVER = 64 * 1024
# Decoding goes this many characters of encoded text at a time.
DECODE_CHARS = 1024 * 1024


def is_body_text(part: Message, ctype: str, filename: str) -> bool:
    return (
        part.get_content_disposition() != "attachment"
        and not filename
        and ctype in ("text/plain", "text/html")
    )


def part_filename(part: Message, notes: list[str] | None) -> str:
    try:
        name = part.get_filename() or ""
    except Exception:
        if notes is not None:
            notes.append("An attachment's name could not be read.")
        name = ""
    # Only the last path component, never a path a sender chose.
    return re.split(r"[\\/]", str(name).replace("\x00", ""))[-1].strip()[:200]


class Decoded:
    """A part's decoded bytes in a temporary file, with their size and SHA-256."""

    def __init__(self, part: Message) -> None:
        self.file: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=SPOOL_OVER)
        self.size = 0
        self.sha256 = hashlib.sha256()
        registry = getattr(part, "registry", None)
        if registry is not None:
            registry.append(self.file)

    def write(self, data: bytes) -> None:
        self.file.write(data)
        self.size += len(data)
        self.sha256.update(data)

    def restart(self) -> None:
        self.file.seek(0)
        self.file.truncate()
        self.size = 0
        self.sha256 = hashlib.sha256()


class SpoolingPart(EmailMessage):
    """A MIME part that, when the parser hands it its body, decodes a large attachment into a
    temporary file (`decoded`) and keeps none of the encoded text: the stdlib would keep every
    part's encoded text in the tree until the end, and decoding then makes a second copy."""

    decoded: Decoded | None = None
    # Inside a message/* part: kept as it came, as the enclosed message is kept as an .eml
    # built from its parts (and a returned message is only read for its headers).
    enclosed = False
    # A multipart's child: the parser trims the line break before the next boundary from the
    # body (RFC 2046 gives it to the boundary) after handing it over, so decoding must too.
    in_multipart = False
    registry: list[IO[bytes]] | None = None

    def attach(self, payload) -> None:
        super().attach(payload)
        if isinstance(payload, SpoolingPart):  # the parser attaches a part before reading it
            payload.enclosed = self.enclosed or self.get_content_maintype() == "message"
            payload.in_multipart = self.get_content_maintype() == "multipart"

    def set_payload(self, payload, charset=None) -> None:
        if charset is None and isinstance(payload, str) and len(payload) > SPOOL_OVER:
            try:
                if self._spools():
                    self.decoded = _decode_large(self, payload)
                    payload = ""
            except Exception:  # never break the parsing: read as the stdlib would, below
                self.decoded = None
        super().set_payload(payload, charset)

    def _spools(self) -> bool:
        ctype = self.get_content_type()
        return not (
            self.enclosed
            or self.get_content_maintype() in ("multipart", "message")
            or ctype == "text/rfc822-headers"  # read for the returned headers
            or is_body_text(self, ctype, part_filename(self, None))
        )

    def payload_decoded(self, payload: str) -> bytes:
        """What get_payload(decode=True) gives for `payload`, read whole."""
        self._payload = payload
        try:
            return super().get_payload(decode=True) or b""
        finally:
            self._payload = ""


class PartFactory:
    """Makes the parser's parts, and remembers their temporary files to close any not kept."""

    def __init__(self) -> None:
        self.files: list[IO[bytes]] = []

    def __call__(self, policy) -> SpoolingPart:
        part = SpoolingPart(policy=policy)
        part.registry = self.files
        return part

    def close_unclaimed(self, kept_files: list[IO[bytes]]) -> None:
        kept = {id(file) for file in kept_files}
        for file in self.files:
            if id(file) not in kept:
                file.close()


BASE64_TEXT = re.compile(rb"[A-Za-z0-9+/]*={0,2}")
LINE_END = re.compile(r"(\r\n|\r|\n)\Z")  # as email.feedparser.NLCRE_eol
UUENCODE = ("x-uuencode", "uuencode", "uue", "x-uue")


def _decode_large(part: SpoolingPart, payload: str) -> Decoded:
    """Decode `payload` a slice at a time, to exactly the bytes get_payload(decode=True) gives:
    clean base64, quoted-printable and unencoded text in slices; anything else (base64 with
    stray characters or odd padding, uuencode) whole, as the stdlib reads it."""
    decoded = Decoded(part)
    end = len(payload)
    if part.in_multipart:
        trailing = LINE_END.search(payload, max(0, end - 2))
        end -= len(trailing.group(0)) if trailing else 0
    cte = str(part.get("content-transfer-encoding", "")).lower()
    if cte == "base64" and _base64_in_slices(payload, end, decoded):
        return decoded
    if cte == "quoted-printable":
        # a2b_qp (quopri.decodestring) reads line by line, so slices ending a line decode alike.
        for piece in _slices(payload, end, whole_lines=True):
            decoded.write(binascii.a2b_qp(piece.encode("ascii", "surrogateescape")))
        return decoded
    if cte != "base64" and cte not in UUENCODE:
        for piece in _slices(payload, end, whole_lines=False):
            decoded.write(piece.encode("ascii", "surrogateescape"))
        return decoded
    decoded.restart()
    decoded.write(part.payload_decoded(payload[:end]))
    return decoded


def _base64_in_slices(payload: str, end: int, decoded: Decoded) -> bool:
    """Decode base64 that is only the alphabet, line breaks and final padding (what mailers
    write); False when it is anything else, for the stdlib's lenient reading. The stdlib drops
    line breaks, pads the end, and decodes strictly when that works: so do whole quads here."""
    carry = b""
    padded = False
    for piece in _slices(payload, end, whole_lines=False):
        data = piece.encode("ascii", "surrogateescape").translate(None, b"\r\n")
        if not data:
            continue
        if padded or not BASE64_TEXT.fullmatch(data):
            return False
        padded = data.endswith(b"=")
        data = carry + data
        whole = len(data) - len(data) % 4
        try:
            decoded.write(binascii.a2b_base64(data[:whole], strict_mode=True))
        except binascii.Error:
            return False
        carry = data[whole:]
    if not carry:
        return True
    if len(carry) % 4 == 1:
        return False
    try:
        decoded.write(binascii.a2b_base64(carry + b"=" * (4 - len(carry)), strict_mode=True))
    except binascii.Error:
        return False
    return True


def _slices(text: str, end: int, *, whole_lines: bool) -> Iterator[str]:
    """text[:end] in pieces of about DECODE_CHARS (each ending a line, if `whole_lines`)."""
    start = 0
    while start < end:
        stop = min(start + DECODE_CHARS, end)
        if whole_lines and stop < end:
            newline = text.find("\n", stop, end)
            stop = end if newline == -1 else newline + 1
        yield text[start:stop]
        start = stop
