"""Storing the mail that arrives: one service behind receive_email, fetch_mail and the Inbox.

`message_receive` stores a raw message once (dedup by Message-ID, else by its bytes' SHA-256),
with its bytes, and in the same transaction either files it on the request it matches
(services/mail_filing.py) or leaves it in the Inbox. It is filed only when matched by what a
stranger cannot know (the request's reply address, or a Message-ID we sent: mail/matching.py);
a reference in the subject or the sender's domain only suggests a request, and a person files
it in one click. A message whose reading or filing breaks is kept whole in the Inbox with the
reason. A message is committed before any mailbox forgets it (services/mail_fetch.py), so a
crash at any point means it is read again and found to be a duplicate, never lost.

Memory: the raw message may come as a file and is then never read whole into memory (hashed,
parsed and stored a chunk at a time); the parser decodes each large attachment into a temporary
file (mail/parse.py), and filing streams them to storage one at a time.
"""

from __future__ import annotations

import hashlib
import io
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, BinaryIO

from django.conf import settings
from django.core.files.base import File
from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import Q

from requests_app.mail.matching import match_request
from requests_app.mail.parse import ParsedMessage, parse_message, sanitise_html
from requests_app.mail.recognise import Recognised, force_reference, recognise
from requests_app.models import InboundMessage
from requests_app.models.mail import MessageKind, MessageStatus
from requests_app.services.mail_filing import message_file

if TYPE_CHECKING:
    pass

logger = logging.getLogger(__name__)


class Outcome:
    FILED = "filed"
    INBOX = "inbox"
    DUPLICATE = "duplicate"
    REFUSED = "refused"


@dataclass(frozen=True)
class Received:
    message: InboundMessage
    outcome: str

    @property
    def stored(self) -> bool:
        """Safe for the mailbox to forget: stored now, or already stored before."""
        return self.outcome != Outcome.REFUSED

    def describe(self) -> str:
        message = self.message
        if self.outcome == Outcome.FILED:
            return (
                f"filed on {message.request.reference} ({message.request}) as "
                f"{message.get_kind_display().lower()}, matched by "
                f"{message.get_matched_by_display().lower()}"
            )
        if self.outcome == Outcome.INBOX and message.suggested_request_id:
            return (
                f"suggested for {message.suggested_request.reference} "
                f"({message.get_matched_by_display().lower()}), not trusted by itself: "
                f"waiting in the Inbox for a person (message {message.pk})"
            )
        if self.outcome == Outcome.INBOX:
            return f"not matched to a request: waiting in the Inbox (message {message.pk})"
        if self.outcome == Outcome.DUPLICATE:
            return f"already stored (message {message.pk}): nothing done"
        return f"refused: {message.notes}"


@dataclass(frozen=True)
class RawMessage:
    """The message's bytes as received, in a binary file, with their size and SHA-256."""

    file: BinaryIO
    size: int
    sha256: str

    @classmethod
    def of(cls, raw: bytes | BinaryIO) -> RawMessage:
        if isinstance(raw, (bytes, bytearray)):
            return cls(io.BytesIO(raw), len(raw), hashlib.sha256(raw).hexdigest())
        raw.seek(0)
        digest = hashlib.sha256()
        size = 0
        while chunk := raw.read(64 * 1024):
            digest.update(chunk)
            size += len(chunk)
        return cls(raw, size, digest.hexdigest())

    def head(self, size: int) -> bytes:
        self.file.seek(0)
        return self.file.read(size)

    def rewound(self) -> BinaryIO:
        self.file.seek(0)
        return self.file


def message_receive(*, raw: bytes | BinaryIO, source: str) -> Received:
    """Store and file one raw message; safe to call twice with the same bytes, or at once.

    `raw` is the message's bytes, or a seekable binary file of them (read from its start, never
    whole into memory: receive_email spools standard input to one)."""
    raw_message = RawMessage.of(raw)
    existing = InboundMessage.objects.filter(raw_sha256=raw_message.sha256).first()
    if existing is not None:
        return Received(existing, Outcome.DUPLICATE)
    too_big = raw_message.size > settings.FOI_MAIL_MAX_MESSAGE_BYTES
    parsed = parse_message(
        raw_message.head(65536) if too_big else raw_message.rewound(),
        max_attachment_bytes=settings.ATTACHMENT_MAX_BYTES,
        max_attachments=0 if too_big else settings.FOI_MAIL_MAX_ATTACHMENTS,
    )
    try:
        return _receive(raw_message, parsed, source, too_big=too_big)
    finally:
        parsed.close()  # the attachments' temporary files


def _receive(raw: RawMessage, parsed: ParsedMessage, source: str, *, too_big: bool) -> Received:
    sha = raw.sha256
    if parsed.message_id:
        existing = InboundMessage.objects.filter(message_id=parsed.message_id).first()
        if existing is not None:
            return Received(existing, Outcome.DUPLICATE)
    try:
        with transaction.atomic():
            if too_big:
                return _refuse(raw, sha, parsed, source)
            try:
                with transaction.atomic():
                    return _store(raw, sha, parsed, source)
            except (IntegrityError, DatabaseError):
                raise
            except Exception as exc:
                # Something in it broke the reading or the matching: a person sees it in the
                # Inbox with the reason, and the mailbox may forget it (never retried for ever).
                logger.exception("Message %s could not be filed; kept in the Inbox.", sha[:12])
                return _store_unfiled(raw, sha, parsed, source, exc)
    except IntegrityError:
        # Another process stored the same message between our check and our insert.
        existing = InboundMessage.objects.filter(
            Q(raw_sha256=sha) | (Q(message_id=parsed.message_id) & ~Q(message_id=""))
        ).first()
        if existing is None:
            raise
        return Received(existing, Outcome.DUPLICATE)


def _new_message(raw: RawMessage, sha: str, parsed: ParsedMessage, source: str) -> InboundMessage:
    return _storable(_message_row(raw, sha, parsed, source))


def _storable(message: InboundMessage) -> InboundMessage:
    """Every text field as a database can hold it (the .eml keeps the bytes as they came):
    PostgreSQL text cannot hold NUL, and no database driver takes the lone surrogates that
    8-bit bytes in a raw header become (an encoded CR/LF beside one made filing crash)."""
    for field in InboundMessage._meta.fields:
        value = getattr(message, field.attname)
        if isinstance(value, str):
            setattr(message, field.attname, _clean_text(value))
    return message


def _clean_text(value: str) -> str:
    try:  # the bytes a raw header's 8-bit characters stood for, read as UTF-8 where they are
        data = value.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # some other lone surrogate
        data = value.encode("utf-8", "replace")
    return data.decode("utf-8", "replace").replace("\x00", "")


def _message_row(raw: RawMessage, sha: str, parsed: ParsedMessage, source: str) -> InboundMessage:
    recognised = _recognised(parsed)
    return InboundMessage(
        message_id=parsed.message_id,
        raw_sha256=sha,
        size_bytes=raw.size,
        source=source,
        from_email=parsed.from_email,
        from_name=parsed.from_name,
        to=", ".join(parsed.to)[:5000],
        subject=parsed.subject,
        sent_at=parsed.sent_at,
        in_reply_to=" ".join(parsed.in_reply_to)[:5000],
        references=" ".join(parsed.references)[:5000],
        body_text=parsed.text[: settings.FOI_MAIL_MAX_BODY_CHARS],
        body_html=sanitise_html(parsed.html, max_chars=settings.FOI_MAIL_MAX_BODY_CHARS)
        if len(parsed.html) > settings.FOI_MAIL_MAX_BODY_CHARS
        else parsed.html,
        kind=recognised.kind,
        kind_reason=recognised.reason[:2000],
        force_reference=_force_reference(parsed),
        notes="\n".join(parsed.notes),
    )


def _recognised(parsed: ParsedMessage) -> Recognised:
    try:
        return recognise(parsed)
    except Exception as exc:  # a message that breaks the rules' reading is a person's to read
        parsed.notes.append(f"Its kind could not be worked out ({type(exc).__name__}).")
        return Recognised(MessageKind.REPLY, "its kind could not be worked out: read as a reply")


def _force_reference(parsed: ParsedMessage) -> str:
    try:
        return force_reference(parsed)
    except Exception:
        return ""


def _refuse(raw: RawMessage, sha: str, parsed: ParsedMessage, source: str) -> Received:
    limit_mb = settings.FOI_MAIL_MAX_MESSAGE_BYTES // (1024 * 1024)
    message = _new_message(raw, sha, parsed, source)
    message.status = MessageStatus.REFUSED
    message.notes = (
        f"The message is {raw.size:,} bytes, over the {limit_mb} MB limit "
        "(FOI_MAIL_MAX_MESSAGE_MB): not stored; it stays in the mailbox."
    )
    message.body_text = message.body_html = ""
    message.save()
    logger.warning("Refused message %s from %s: %s", sha[:12], parsed.from_email, message.notes)
    return Received(message, Outcome.REFUSED)


def _store(raw: RawMessage, sha: str, parsed: ParsedMessage, source: str) -> Received:
    match = match_request(parsed)
    message = _new_message(raw, sha, parsed, source)
    message.status = MessageStatus.INBOX
    message.match_reason = match.reason[:2000]
    if match.request is not None:
        message.matched_by = match.matched_by
    if message.kind == MessageKind.SPAM and match.trusted:
        # Our reply address or thread, so a real reply the spam filter got wrong.
        message.kind = MessageKind.REPLY
        message.kind_reason = (
            "flagged as spam by the mail server, but it answers an email we sent: a reply"
        )
        message.notes = "\n".join([message.notes, "Flagged as spam by the mail server."]).strip()
    _save_raw(message, raw, sha)
    if match.request is None or not match.trusted:
        message.suggested_request = match.request
        message.save()
        logger.info("Message %s from %s went to the Inbox.", message.pk, message.from_email)
        return Received(message, Outcome.INBOX)
    message.save()
    message_file(message, parsed=parsed, request_id=match.request.pk, match=match, actor=None)
    logger.info("Message %s filed on %s (%s).", message.pk, match.request.reference, message.kind)
    return Received(message, Outcome.FILED)


def _save_raw(message: InboundMessage, raw: RawMessage, sha: str) -> None:
    # Rolled back, the file is left for stored_files_sweep (services/attachments.py).
    message.raw.save(f"{sha}.eml", File(raw.rewound(), name=f"{sha}.eml"), save=False)


def _store_unfiled(
    raw: RawMessage, sha: str, parsed: ParsedMessage, source: str, exc: Exception
) -> Received:
    """Keep a message whose reading broke: raw, in the Inbox, with what went wrong."""
    message = InboundMessage(
        message_id=parsed.message_id[:255],
        raw_sha256=sha,
        size_bytes=raw.size,
        source=source,
        from_email=parsed.from_email[:320],
        subject=parsed.subject[:998],
        status=MessageStatus.INBOX,
        kind=MessageKind.REPLY,
        kind_reason="it could not be read: a person must look",
        match_reason="It could not be read, so it was not matched: a person must place it.",
        notes="\n".join(
            [
                *parsed.notes,
                f"The tracker could not read this message ({type(exc).__name__}: "
                f"{str(exc)[:300]}). It is stored whole: open the .eml.",
            ]
        ),
    )
    message = _storable(message)
    _save_raw(message, raw, sha)
    message.save()
    return Received(message, Outcome.INBOX)
