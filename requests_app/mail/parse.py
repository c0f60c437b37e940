"""Reading one raw RFC 822 message into what the tracker needs, whatever state it arrives in.

Pure: bytes (or a file of them) in, a ParsedMessage out, no database. Never raises on bad
input: a part that cannot be read (malformed MIME, an unknown charset, an attachment over the
limit) becomes a line in `notes` and the rest is kept. The raw bytes are always stored beside
what is read here, so anything dropped from the parsed view is still in the .eml.

Memory: the message is fed to the parser in small chunks, and each attachment over SPOOL_OVER
is decoded into a temporary file as the parser finishes reading it, its encoded text dropped.
So reading holds one part's encoded text (and the parser's lines of it) at a time, never the
whole message, nor every attachment at once: the peak is a small multiple of the largest part.
"""

from __future__ import annotations

import email
import email.header
import email.policy
import html as html_module
import re
import weakref
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from email.feedparser import BytesFeedParser
from email.message import EmailMessage, Message
from email.utils import getaddresses, parsedate_to_datetime
from typing import IO, BinaryIO

import nh3
from flufl.bounce import all_failures

from requests_app.mail.part_files import (
    Decoded,
    PartFactory,
    is_body_text,
    part_filename,
)

# Headers that can carry our per-request reply address (an MTA may rewrite To).
RECIPIENT_HEADERS = ("To", "Cc", "Delivered-To", "X-Original-To", "Envelope-To", "X-Envelope-To")
MESSAGE_ID = re.compile(r"<([^<>\s]+)>")
# What a sanitised HTML body may keep: text structure and links, nothing that loads or runs.
HTML_TAGS = {
    "a", "b", "blockquote", "br", "caption", "code", "div", "em", "h1", "h2", "h3", "h4", "hr",
    "i", "li", "ol", "p", "pre", "span", "strong", "table", "tbody", "td", "tfoot", "th",
    "thead", "tr", "u", "ul",
}  # fmt: skip


# How much of the raw message is fed to the parser at once.
FEED_BYTES = 64 * 1024


@dataclass(eq=False)
class Attachment:
    """One extracted attachment. Its decoded bytes are in `file`, a temporary file (on disk
    unless small) closed when the Attachment is dropped, so a message's attachments are never
    all in memory together."""

    name: str
    content_type: str
    file: IO[bytes]
    size: int
    sha256: str

    def __post_init__(self) -> None:
        weakref.finalize(self, self.file.close)

    @property
    def content(self) -> bytes:
        """All its bytes at once: only for callers that need them whole."""
        self.file.seek(0)
        return self.file.read()


@dataclass
class ParsedMessage:
    message_id: str = ""
    in_reply_to: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    subject: str = ""
    from_email: str = ""
    from_name: str = ""
    to: list[str] = field(default_factory=list)
    recipients: list[str] = field(default_factory=list)  # every address in RECIPIENT_HEADERS
    sent_at: datetime | None = None
    text: str = ""
    html: str = ""  # sanitised
    attachments: list[Attachment] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)  # lower-cased name -> first value
    content_type: str = ""
    # The Return-Path the delivering server wrote: None when absent, "" when null ("<>"), as
    # on bounces (RFC 5321 4.5.5) and on many automatic replies.
    return_path: str | None = None
    # Every Authentication-Results header, topmost (added last, by our server) first.
    auth_results: list[str] = field(default_factory=list)
    # A bounce carries the message that was not delivered (or its headers), in a DSN part or
    # quoted in its text: the Message-IDs and Reply-To / To addresses found there.
    report_type: str = ""
    returned_message_id: str = ""
    returned_message_ids: list[str] = field(default_factory=list)
    returned_subject: str = ""
    returned_to: list[str] = field(default_factory=list)
    delivery_status: str = ""  # every message/delivery-status part, at any depth
    dsn_actions: list[str] = field(default_factory=list)  # "failed", "delayed", ...
    # What GNU Mailman's detectors (flufl.bounce) found: recipients failing for good, or for now.
    bounce_failed: list[str] = field(default_factory=list)
    bounce_delayed: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def close(self) -> None:
        """Delete the attachments' temporary files now (else when the attachments are dropped)."""
        for attachment in self.attachments:
            attachment.file.close()


def message_ids(value: str) -> list[str]:
    """The ids in a Message-ID, In-Reply-To or References header, without angle brackets."""
    found = MESSAGE_ID.findall(value or "")
    if not found and value and value.strip() and " " not in value.strip():
        found = [value.strip().strip("<>")]
    return found


def parse_message(
    raw: bytes | BinaryIO, *, max_attachment_bytes: int, max_attachments: int
) -> ParsedMessage:
    """Read `raw`: the message's bytes, or a binary file read from where it stands to its end."""
    parsed = ParsedMessage()
    parts = PartFactory()
    try:
        msg = _parse(raw, parts)
    except Exception as exc:  # the stdlib parser is lenient; this is a last resort
        parts.close_unclaimed([a.file for a in parsed.attachments])
        parsed.notes.append(f"The message could not be parsed at all ({exc!r}).")
        return parsed
    try:
        _read(msg, parsed, max_attachment_bytes, max_attachments)
    finally:
        parts.close_unclaimed([a.file for a in parsed.attachments])
    return parsed


def _parse(raw: bytes | BinaryIO, parts: PartFactory) -> Message:
    # email.message_from_bytes would hold the bytes, their decoding to str and the parser's
    # lines of it all at once: several copies of the whole message.
    parser = BytesFeedParser(parts, policy=email.policy.default)
    for chunk in _chunks(raw):
        parser.feed(chunk)
    return parser.close()


def _chunks(raw: bytes | BinaryIO) -> Iterator[bytes]:
    if isinstance(raw, (bytes, bytearray, memoryview)):
        view = memoryview(raw)
        for start in range(0, len(view), FEED_BYTES):
            yield bytes(view[start : start + FEED_BYTES])
        return
    while chunk := raw.read(FEED_BYTES):
        yield chunk


def _read(
    msg: Message, parsed: ParsedMessage, max_attachment_bytes: int, max_attachments: int
) -> None:
    if msg.defects:
        parsed.notes.append(
            "The message is malformed: " + "; ".join(sorted({_defect(d) for d in msg.defects}))
        )
    # Each step keeps what it read before anything fails: a header the parser chokes on (an
    # encoded CR/LF in a display name raises inside the stdlib) costs that field, not the rest.
    for step in (_read_headers, _read_parts, _read_bounce):
        try:
            if step is _read_parts:
                _read_parts(msg, parsed, max_attachment_bytes, max_attachments)
            else:
                step(msg, parsed)
        except Exception as exc:
            parsed.notes.append(
                f"Part of the message could not be read ({step.__name__.strip('_')}: "
                f"{type(exc).__name__}: {str(exc)[:200]}); the rest was kept, and all of it "
                "is in the .eml."
            )


def _defect(defect) -> str:
    return type(defect).__name__


def _header(msg: Message, name: str, parsed: ParsedMessage) -> str:
    try:
        value = msg.get(name)
        return "" if value is None else " ".join(str(value).split())
    except Exception as exc:  # an undecodable header: keep what the bytes say
        parsed.notes.append(f"The {name} header could not be read ({type(exc).__name__}).")
        raw = _raw_values(msg, name)
        return " ".join(raw[0].split()) if raw else ""


def _raw_values(msg: Message, name: str) -> list[str]:
    """The header's values as the bytes gave them, undecoded: raw_items() parses nothing, so
    it cannot raise on what the header registry refuses."""
    wanted = name.lower()
    return [str(value) for key, value in msg.raw_items() if key.lower() == wanted]


# Address headers read at most this far: parsing a list of addresses costs more than its
# length (200 KB of To took 14 s), and no real list of recipients is longer.
MAX_ADDRESS_HEADER = 10_000


def _addresses(msg: Message, names, parsed: ParsedMessage) -> list[str]:
    values = []
    for name in names:
        raw = _raw_values(msg, name)
        if any(len(value) > MAX_ADDRESS_HEADER for value in raw):
            parsed.notes.append(f"The {name} header is very long: only its start was read.")
            values.extend(value[:MAX_ADDRESS_HEADER] for value in raw)
            continue
        try:
            values.extend(str(v) for v in msg.get_all(name, failobj=[]))
        except Exception:
            parsed.notes.append(f"The {name} header could not be read; its raw value was used.")
            values.extend(raw)
    return [addr.strip().lower() for _, addr in getaddresses(values) if "@" in addr]


def _read_headers(msg: Message, parsed: ParsedMessage) -> None:
    for name in msg.keys():
        key = name.lower()
        if key not in parsed.headers:
            parsed.headers[key] = _header(msg, name, parsed)[:2000]
    ids = message_ids(parsed.headers.get("message-id", ""))
    parsed.message_id = ids[0][:255] if ids else ""
    parsed.in_reply_to = message_ids(parsed.headers.get("in-reply-to", ""))
    parsed.references = message_ids(parsed.headers.get("references", ""))
    parsed.subject = parsed.headers.get("subject", "")[:998]
    senders = [
        (name, addr) for name, addr in getaddresses([parsed.headers.get("from", "")]) if addr
    ]
    if senders:
        parsed.from_name, address = senders[0]
        parsed.from_email = address.strip().lower()[:320]
        parsed.from_name = parsed.from_name[:255]
    parsed.to = _addresses(msg, ("To", "Cc"), parsed)
    parsed.recipients = _addresses(msg, RECIPIENT_HEADERS, parsed)
    date = parsed.headers.get("date", "")
    if date:
        try:
            parsed.sent_at = parsedate_to_datetime(date)
        except (TypeError, ValueError, IndexError):
            parsed.notes.append(f"The Date header is not a date: {date[:60]!r}.")
        else:
            if parsed.sent_at.tzinfo is None:
                parsed.sent_at = parsed.sent_at.replace(tzinfo=datetime.now().astimezone().tzinfo)
    parsed.content_type = msg.get_content_type()
    return_paths = _raw_values(msg, "Return-Path")
    if return_paths:
        parsed.return_path = return_paths[0].strip().strip("<>").strip().lower()
    parsed.auth_results = [" ".join(v.split()) for v in _raw_values(msg, "Authentication-Results")]


def sanitise_html(html: str, *, max_chars: int | None = None) -> str:
    """HTML fit to show on our pages: text structure and links, nothing that loads or runs.
    Cut to `max_chars` *before* cleaning, so a cut never leaves a tag or attribute open."""
    if max_chars is not None and len(html) > max_chars:
        html = html[:max_chars]
    return nh3.clean(
        html, tags=HTML_TAGS, attributes={"a": {"href"}}, link_rel="noopener nofollow noreferrer"
    )


def _read_parts(msg: Message, parsed: ParsedMessage, max_bytes: int, max_count: int) -> None:
    reader = _PartReader(parsed, max_bytes, max_count)
    reader.read(msg, in_report=False)
    if reader.skipped_count:
        parsed.notes.append(
            f"{reader.skipped_count} more attachment{'s' if reader.skipped_count != 1 else ''} "
            f"than the limit of {max_count}: not extracted (they are in the .eml)."
        )
    parsed.text = "\n\n".join(t.strip() for t in reader.texts if t.strip())
    if reader.htmls:
        parsed.html = sanitise_html("\n".join(reader.htmls))
        if not parsed.text:
            parsed.text = _html_to_text(parsed.html)


class _PartReader:
    """Walks the MIME tree once. A delivery report (multipart/report) is recognised at any
    depth (gateways wrap one inside multipart/mixed); the message it returns is read for its
    headers, never flattened into the text; any other enclosed message is kept as an .eml."""

    def __init__(self, parsed: ParsedMessage, max_bytes: int, max_count: int) -> None:
        self.parsed = parsed
        self.max_bytes = max_bytes
        self.max_count = max_count
        self.texts: list[str] = []
        self.htmls: list[str] = []
        self.skipped_count = 0
        self.delivery_status: list[str] = []

    def read(self, part: Message, *, in_report: bool) -> None:
        parsed = self.parsed
        ctype = part.get_content_type()
        if ctype == "message/delivery-status":  # parsed as header blocks, i.e. "multipart"
            status = _delivery_status(part)
            self.delivery_status.append(status)
            parsed.delivery_status = "\n\n".join(self.delivery_status)[:8000]
            parsed.dsn_actions += _actions(status)
            return
        if ctype == "multipart/report":
            parsed.report_type = parsed.report_type or (
                (part.get_param("report-type", "") or "").lower()
            )
            in_report = True
        if ctype in ("message/rfc822", "message/global", "text/rfc822-headers") and in_report:
            _read_returned(part, parsed)
            return
        if part.is_multipart() and ctype.startswith("multipart/"):
            for child in part.get_payload():
                if isinstance(child, Message):
                    self.read(child, in_report=in_report)
            return
        self.leaf(part, ctype)

    def leaf(self, part: Message, ctype: str) -> None:
        parsed = self.parsed
        filename = part_filename(part, parsed.notes)
        if is_body_text(part, ctype, filename):
            body = _text(part, parsed)
            (self.texts if ctype == "text/plain" else self.htmls).append(body)
            return
        if len(parsed.attachments) >= self.max_count:
            self.skipped_count += 1
            return
        decoded = getattr(part, "decoded", None) or _decode_small(part, parsed)
        if decoded is None:
            return
        name = filename or f"part-{len(parsed.attachments) + 1}{_extension(ctype)}"
        if decoded.size > self.max_bytes:
            parsed.notes.append(
                f"Attachment {name!r} ({decoded.size:,} bytes) is over the "
                f"{self.max_bytes // (1024 * 1024)} MB limit: not extracted (it is in the .eml)."
            )
            return
        parsed.attachments.append(
            Attachment(
                name=name,
                content_type=ctype,
                file=decoded.file,
                size=decoded.size,
                sha256=decoded.sha256.hexdigest(),
            )
        )


def _text(part: Message, parsed: ParsedMessage) -> str:
    try:
        return part.get_content()
    except (LookupError, UnicodeError) as exc:
        charset = part.get_content_charset() or "unknown"
        parsed.notes.append(
            f"Text in an unknown or wrong charset ({charset}): read as UTF-8 ({type(exc).__name__})."
        )
    except Exception as exc:
        parsed.notes.append(f"A text part could not be decoded ({type(exc).__name__}).")
    payload = part.get_payload(decode=True) or b""
    return payload.decode("utf-8", errors="replace")


def _decode_small(part: Message, parsed: ParsedMessage) -> Decoded | None:
    content = _payload(part, parsed)
    if content is None:
        return None
    decoded = Decoded(part)
    decoded.write(content)
    return decoded


def _payload(part: Message, parsed: ParsedMessage) -> bytes | None:
    try:
        payload = part.get_payload(decode=True)
    except Exception as exc:
        parsed.notes.append(f"A part could not be decoded ({type(exc).__name__}).")
        return None
    if payload is None:
        # message/* parts: keep the enclosed message as bytes.
        inner = part.get_payload()
        if isinstance(inner, list) and inner and isinstance(inner[0], Message):
            return inner[0].as_bytes()
        return None
    return payload


def _extension(ctype: str) -> str:
    return {
        "application/pdf": ".pdf",
        "message/rfc822": ".eml",
        "text/plain": ".txt",
        "text/html": ".html",
        "text/csv": ".csv",
    }.get(ctype, ".bin")


def _delivery_status(part: Message) -> str:
    payload = part.get_payload()
    if isinstance(payload, list):
        return "\n".join(str(p) for p in payload)[:4000]
    return str(payload)[:4000]


ACTION = re.compile(r"(?im)^action:\s*([a-z]+)")


def _actions(status: str) -> list[str]:
    """The Action of each recipient block (RFC 3464 2.3.3): failed, delayed, delivered,
    relayed, expanded; some MTAs write "error" for failed."""
    return [a.lower().replace("error", "failed") for a in ACTION.findall(status)]


def _read_returned(part: Message, parsed: ParsedMessage) -> None:
    if part.get_content_type() in ("message/rfc822", "message/global"):
        inner = part.get_payload()
        inner = inner[0] if isinstance(inner, list) and inner else None
    else:
        text = part.get_payload(decode=True) or b""
        inner = email.message_from_bytes(text, policy=email.policy.default)
    if not isinstance(inner, (Message, EmailMessage)):
        return
    ids = message_ids(" ".join(_raw_values(inner, "Message-ID")))
    if ids and not parsed.returned_message_id:
        parsed.returned_message_id = ids[0]
    parsed.returned_message_ids += ids
    if not parsed.returned_subject:
        subjects = _raw_values(inner, "Subject")
        parsed.returned_subject = " ".join(_decoded(subjects[0]).split()) if subjects else ""
    addresses = [*_raw_values(inner, "To"), *_raw_values(inner, "Reply-To")]
    parsed.returned_to += [a.lower() for _, a in getaddresses(addresses) if "@" in a]


def _decoded(value: str) -> str:
    try:
        return str(email.header.make_header(email.header.decode_header(value)))
    except Exception:
        return value


# Bounces that are not DSNs (Exim, qmail, gateways) quote the original's headers in their text.
QUOTED_MESSAGE_ID = re.compile(r"(?im)^[ \t>]*message-id:[ \t]*(<[^<>\s]+>)")
QUOTED_ADDRESS_HEADER = re.compile(r"(?im)^[ \t>]*(?:to|reply-to):[ \t]*(.+)$")
QUOTED_SUBJECT = re.compile(r"(?im)^[ \t>]*subject:[ \t]*(.+)$")
LOOKS_LIKE_BOUNCE_SENDER = re.compile(
    r"(?i)^(mailer-daemon|postmaster|mail-daemon|mail delivery (system|subsystem))"
)


def _read_bounce(msg: Message, parsed: ParsedMessage) -> None:
    """What a delivery report says, when the message might be one: Mailman's detectors
    (flufl.bounce) for the many MTA formats, and the original's Message-ID and addresses
    quoted in the text of reports that are not DSNs. Run only on messages shaped like a
    report, so a person's reply that quotes an old bounce is not read as one."""
    sender = parsed.from_email.partition("@")[0] or parsed.from_name
    # A null Return-Path alone is not enough: out-of-office gateways send with one too.
    shaped = (
        parsed.report_type
        or not parsed.from_email
        or LOOKS_LIKE_BOUNCE_SENDER.match(sender or "")
        or LOOKS_LIKE_BOUNCE_SENDER.match(parsed.from_name or "")
    )
    if not shaped:
        return
    try:
        delayed, failed = all_failures(msg)
    except Exception as exc:  # a detector's own bug: the rest of the reading stands
        parsed.notes.append(f"The bounce detectors failed on this message ({type(exc).__name__}).")
        delayed, failed = frozenset(), frozenset()
    parsed.bounce_failed = sorted(a.decode("ascii", "replace").lower() for a in failed)
    parsed.bounce_delayed = sorted(a.decode("ascii", "replace").lower() for a in delayed)
    if parsed.report_type:
        return  # a DSN's returned part was read already
    text = parsed.text[:200_000]
    ids = [i.strip("<>") for i in QUOTED_MESSAGE_ID.findall(text)]
    parsed.returned_message_ids += ids
    if ids and not parsed.returned_message_id:
        parsed.returned_message_id = ids[0]
    quoted = [v for v in QUOTED_ADDRESS_HEADER.findall(text)]
    parsed.returned_to += [a.lower() for _, a in getaddresses(quoted) if "@" in a]
    if not parsed.returned_subject:
        subject = QUOTED_SUBJECT.search(text)
        parsed.returned_subject = subject.group(1).strip()[:998] if subject else ""


def _html_to_text(html: str) -> str:
    text = re.sub(r"(?i)<br\s*/?>|</p>|</div>|</tr>|</h\d>", "\n", html)
    text = re.sub(r"<[^>]+>", "", text)
    return re.sub(r"\n{3,}", "\n\n", html_module.unescape(text)).strip()
