"""Reading one raw RFC 822 message into what the tracker needs, whatever state it arrives in.

Pure: bytes in, a ParsedMessage out, no database. Never raises on bad input: a part that
cannot be read (malformed MIME, an unknown charset, an attachment over the limit) becomes a
line in `notes` and the rest is kept. The raw bytes are always stored beside what is read here,
so anything dropped from the parsed view is still in the .eml.
"""

from __future__ import annotations

import email
import email.policy
import html as html_module
import re
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage, Message
from email.utils import getaddresses, parsedate_to_datetime

import nh3

# Headers that can carry our per-request reply address (an MTA may rewrite To).
RECIPIENT_HEADERS = ("To", "Cc", "Delivered-To", "X-Original-To", "Envelope-To", "X-Envelope-To")
MESSAGE_ID = re.compile(r"<([^<>\s]+)>")
# What a sanitised HTML body may keep: text structure and links, nothing that loads or runs.
HTML_TAGS = {
    "a", "b", "blockquote", "br", "caption", "code", "div", "em", "h1", "h2", "h3", "h4", "hr",
    "i", "li", "ol", "p", "pre", "span", "strong", "table", "tbody", "td", "tfoot", "th",
    "thead", "tr", "u", "ul",
}  # fmt: skip


@dataclass
class Attachment:
    name: str
    content_type: str
    content: bytes


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
    report_type: str = ""
    # A bounce carries the message that was not delivered (or its headers).
    returned_message_id: str = ""
    returned_subject: str = ""
    returned_to: list[str] = field(default_factory=list)
    delivery_status: str = ""
    notes: list[str] = field(default_factory=list)


def message_ids(value: str) -> list[str]:
    """The ids in a Message-ID, In-Reply-To or References header, without angle brackets."""
    found = MESSAGE_ID.findall(value or "")
    if not found and value and value.strip() and " " not in value.strip():
        found = [value.strip().strip("<>")]
    return found


def parse_message(raw: bytes, *, max_attachment_bytes: int, max_attachments: int) -> ParsedMessage:
    parsed = ParsedMessage()
    try:
        msg = email.message_from_bytes(raw, policy=email.policy.default)
    except Exception as exc:  # the stdlib parser is lenient; this is a last resort
        parsed.notes.append(f"The message could not be parsed at all ({exc!r}).")
        return parsed
    if msg.defects:
        parsed.notes.append(
            "The message is malformed: " + "; ".join(sorted({_defect(d) for d in msg.defects}))
        )
    _read_headers(msg, parsed)
    _read_parts(msg, parsed, max_attachment_bytes, max_attachments)
    return parsed


def _defect(defect) -> str:
    return type(defect).__name__


def _header(msg: Message, name: str, parsed: ParsedMessage) -> str:
    try:
        value = msg.get(name)
        return "" if value is None else " ".join(str(value).split())
    except Exception as exc:  # an undecodable header: keep what the bytes say
        parsed.notes.append(f"The {name} header could not be read ({type(exc).__name__}).")
        raw = msg.get_all(name, failobj=[])
        return str(raw[0]) if raw else ""


def _addresses(msg: Message, names, parsed: ParsedMessage) -> list[str]:
    values = []
    for name in names:
        try:
            values.extend(str(v) for v in msg.get_all(name, failobj=[]))
        except Exception:
            parsed.notes.append(f"The {name} header could not be read.")
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
    senders = getaddresses([parsed.headers.get("from", "")])
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
    parsed.report_type = (msg.get_param("report-type", "") or "").lower()


def _read_parts(msg: Message, parsed: ParsedMessage, max_bytes: int, max_count: int) -> None:
    texts: list[str] = []
    htmls: list[str] = []
    skipped_count = 0
    for part in msg.walk():
        ctype = part.get_content_type()
        if ctype == "message/delivery-status":  # parsed as header blocks, i.e. "multipart"
            parsed.delivery_status = _delivery_status(part)
            continue
        if part.is_multipart():
            continue
        disposition = part.get_content_disposition()
        filename = _filename(part, parsed)
        if ctype in ("message/rfc822", "text/rfc822-headers") and parsed.report_type:
            _read_returned(part, parsed)
            continue
        if disposition != "attachment" and not filename and ctype in ("text/plain", "text/html"):
            body = _text(part, parsed)
            (texts if ctype == "text/plain" else htmls).append(body)
            continue
        if len(parsed.attachments) >= max_count:
            skipped_count += 1
            continue
        content = _payload(part, parsed)
        if content is None:
            continue
        name = filename or f"part-{len(parsed.attachments) + 1}{_extension(ctype)}"
        if len(content) > max_bytes:
            parsed.notes.append(
                f"Attachment {name!r} ({len(content):,} bytes) is over the "
                f"{max_bytes // (1024 * 1024)} MB limit: not extracted (it is in the .eml)."
            )
            continue
        parsed.attachments.append(Attachment(name=name, content_type=ctype, content=content))
    if skipped_count:
        parsed.notes.append(
            f"{skipped_count} more attachment{'s' if skipped_count != 1 else ''} than the "
            f"limit of {max_count}: not extracted (they are in the .eml)."
        )
    parsed.text = "\n\n".join(t.strip() for t in texts if t.strip())
    if htmls:
        parsed.html = nh3.clean(
            "\n".join(htmls),
            tags=HTML_TAGS,
            attributes={"a": {"href"}},
            link_rel="noopener nofollow noreferrer",
        )
        if not parsed.text:
            parsed.text = _html_to_text(parsed.html)


def _filename(part: Message, parsed: ParsedMessage) -> str:
    try:
        name = part.get_filename() or ""
    except Exception:
        parsed.notes.append("An attachment's name could not be read.")
        name = ""
    # Only the last path component, never a path a sender chose.
    return re.split(r"[\\/]", str(name).replace("\x00", ""))[-1].strip()[:200]


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


def _read_returned(part: Message, parsed: ParsedMessage) -> None:
    if part.get_content_type() == "message/rfc822":
        inner = part.get_payload()
        inner = inner[0] if isinstance(inner, list) and inner else None
    else:
        text = part.get_payload(decode=True) or b""
        inner = email.message_from_bytes(text, policy=email.policy.default)
    if not isinstance(inner, (Message, EmailMessage)):
        return
    ids = message_ids(str(inner.get("Message-ID", "")))
    parsed.returned_message_id = ids[0] if ids else ""
    parsed.returned_subject = " ".join(str(inner.get("Subject", "")).split())
    parsed.returned_to = [a.lower() for _, a in getaddresses([str(inner.get("To", ""))]) if a]


def _html_to_text(html: str) -> str:
    text = re.sub(r"(?i)<br\s*/?>|</p>|</div>|</tr>|</h\d>", "\n", html)
    text = re.sub(r"<[^>]+>", "", text)
    return re.sub(r"\n{3,}", "\n\n", html_module.unescape(text)).strip()
