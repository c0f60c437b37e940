"""Reading the mailbox: an IMAP folder (FOI_IMAP_URL) or, with none set, the drop folder.

The one rule: a mailbox forgets a message only after it is committed here. Each message is
stored by `message_receive` (its own transaction) and only then flagged (IMAP: \\Seen and
$FoiStored, or moved to FOI_IMAP_DONE_FOLDER; folder: moved to done/). A worker killed between
the two leaves the message unflagged; the next fetch reads it again, finds it already stored
(dedup by Message-ID or bytes) and flags it then. Two fetches at once do the same. A message
that cannot be stored stays where it was: refused ones are flagged $FoiRefused (IMAP) or moved
to refused/ with the reason beside them (folder), so they are not read again every few minutes.
One bad message never stops the fetch.
"""

from __future__ import annotations

import imaplib
import logging
import re
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

from celery import current_app
from django.conf import settings
from django.db import transaction

from requests_app.mail.imap_names import imap_mailbox
from requests_app.models.mail import MessageSource
from requests_app.services.errors import ServiceError
from requests_app.services.mail_in import Outcome, Received, message_receive

logger = logging.getLogger(__name__)

STORED_FLAG = "$FoiStored"
REFUSED_FLAG = "$FoiRefused"


@dataclass
class FetchReport:
    source: str
    counts: dict[str, int] = field(
        default_factory=lambda: {
            Outcome.FILED: 0,
            Outcome.INBOX: 0,
            Outcome.DUPLICATE: 0,
            Outcome.REFUSED: 0,
            "failed": 0,
        }
    )
    lines: list[str] = field(default_factory=list)
    more_waiting: bool = False
    # The messages filed, and those left in the Inbox, for "Check for mail now" to name.
    filed_ids: list[int] = field(default_factory=list)
    waiting_ids: list[int] = field(default_factory=list)

    def add(self, label: str, received: Received) -> None:
        self.counts[received.outcome] += 1
        self.lines.append(f"{label}: {received.describe()}")
        if received.outcome == Outcome.FILED:
            self.filed_ids.append(received.message.pk)
        elif received.outcome == Outcome.INBOX:
            self.waiting_ids.append(received.message.pk)

    def failed(self, label: str, exc: BaseException) -> None:
        self.counts["failed"] += 1
        self.lines.append(f"{label}: not stored, left in the mailbox ({exc!r})")
        logger.exception("Could not store %s; left in the mailbox.", label)

    def summary(self) -> str:
        parts = ", ".join(f"{n} {name}" for name, n in self.counts.items())
        more = "; more are waiting for the next fetch" if self.more_waiting else ""
        return f"{self.source}: {parts}{more}."


def mail_fetch(*, limit: int | None = None) -> FetchReport:
    limit = limit or settings.FOI_MAIL_FETCH_BATCH
    if settings.FOI_IMAP_URL:
        return _fetch_imap(settings.FOI_IMAP_URL, limit)
    return _fetch_folder(Path(settings.FOI_MAIL_DROP_DIR), limit)


# The drop folder -------------------------------------------------------------------------


def _fetch_folder(folder: Path, limit: int) -> FetchReport:
    report = FetchReport(source=f"Drop folder {folder}")
    folder.mkdir(parents=True, exist_ok=True)
    files = sorted(p for p in folder.glob("*.eml") if p.is_file())
    report.more_waiting = len(files) > limit
    for path in files[:limit]:
        try:
            handle = path.open("rb")
        except FileNotFoundError:
            continue  # another fetch took it
        try:
            with handle:  # read in chunks, never whole into memory
                received = message_receive(raw=handle, source=MessageSource.FOLDER)
        except Exception as exc:
            report.failed(path.name, exc)
            continue
        report.add(path.name, received)
        if received.stored:
            _move(path, folder / "done")
        else:
            target = _move(path, folder / "refused")
            if target is not None:
                target.with_suffix(".reason.txt").write_text(received.message.notes + "\n")
    return report


def _move(path: Path, to_dir: Path) -> Path | None:
    to_dir.mkdir(exist_ok=True)
    target = to_dir / path.name
    if target.exists():
        target = to_dir / f"{path.stem}-{time.time_ns()}{path.suffix}"
    try:
        shutil.move(str(path), str(target))
    except FileNotFoundError:
        return None
    return target


# IMAP ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImapAddress:
    secure: bool
    host: str
    port: int
    user: str
    password: str
    mailbox: str


def imap_address(url: str) -> ImapAddress:
    parts = urlsplit(url)
    if parts.scheme not in ("imap", "imaps") or not parts.hostname:
        raise ServiceError(
            "FOI_IMAP_URL must look like imaps://user:password@host/INBOX.", "FOI_IMAP_URL"
        )
    secure = parts.scheme == "imaps"
    return ImapAddress(
        secure=secure,
        host=parts.hostname,
        port=parts.port or (993 if secure else 143),
        user=unquote(parts.username or ""),
        password=unquote(parts.password or ""),
        mailbox=unquote(parts.path.lstrip("/")) or "INBOX",
    )


def _connect(address: ImapAddress) -> imaplib.IMAP4:
    timeout = settings.FOI_IMAP_TIMEOUT_SECONDS
    if address.secure:
        client = imaplib.IMAP4_SSL(address.host, address.port, timeout=timeout)
    else:
        client = imaplib.IMAP4(address.host, address.port, timeout=timeout)
    try:
        client.login(address.user, address.password)
    except imaplib.IMAP4.error as exc:
        # imaplib's error is no OSError: say what the server said, never the password.
        _close(client)
        raise ServiceError(
            f"IMAP login to {address.host} as {address.user!r} failed: {_text(exc)}",
            "FOI_IMAP_URL",
        ) from None
    try:
        # The capabilities after login (MOVE among them) replace the ones sent before it.
        status, data = client.capability()
        if status == "OK" and data and isinstance(data[-1], bytes):
            client.capabilities = tuple(data[-1].decode("ascii", "replace").upper().split())
        status, data = client.select(imap_mailbox(address.mailbox))
        folder = settings.FOI_IMAP_DONE_FOLDER
        if status == "OK" and folder and not _exists(client, folder):
            raise ServiceError(
                f"FOI_IMAP_DONE_FOLDER {folder!r} does not exist on {address.host}; the "
                f"folders there are: {', '.join(_folders(client))}.",
                "FOI_IMAP_DONE_FOLDER",
            )
    except Exception:
        _close(client)
        raise
    if status != "OK":
        _close(client)
        raise ServiceError(
            f"IMAP mailbox {address.mailbox!r} cannot be opened: {_text(data)}", "FOI_IMAP_URL"
        )
    return client


def _close(client: imaplib.IMAP4) -> None:
    try:
        client.logout()
    except Exception:  # the connection may already be gone; nothing to clean up
        logger.debug("IMAP logout failed", exc_info=True)


def _text(value: object) -> str:
    if isinstance(value, list | tuple):
        value = b" ".join(v for v in value if isinstance(v, bytes))
    if isinstance(value, BaseException):
        value = value.args[0] if value.args else str(value)
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    return str(value)


def _exists(client: imaplib.IMAP4, folder: str) -> bool:
    status, data = client.list('""', imap_mailbox(folder))
    return status == "OK" and any(isinstance(line, bytes) for line in data or [])


def _folders(client: imaplib.IMAP4) -> list[str]:
    """The folder names a LIST returns, as the server writes them (for an error message)."""
    status, data = client.list()
    lines = [line for line in data or [] if isinstance(line, bytes)] if status == "OK" else []
    names = []
    for line in lines:
        match = re.match(rb'\(.*?\) (?:NIL|"(?:[^"\\]|\\.)*") "?(.*?)"?$', line)
        names.append((match.group(1) if match else line).decode("ascii", "replace"))
    return names


def _fetch_imap(url: str, limit: int) -> FetchReport:
    address = imap_address(url)
    report = FetchReport(source=f"IMAP {address.host}/{address.mailbox}")
    client = _connect(address)
    try:
        status, data = client.uid(
            "SEARCH", None, f"UNKEYWORD {STORED_FLAG} UNKEYWORD {REFUSED_FLAG} UNDELETED"
        )
        if status != "OK":
            raise ServiceError(f"IMAP search failed: {data!r}")
        uids = data[0].split() if data and data[0] else []
        report.more_waiting = len(uids) > limit
        for uid in uids[:limit]:
            label = f"IMAP UID {uid.decode()}"
            try:
                raw = _fetch_one(client, uid)
                if raw is None:
                    continue  # expunged meanwhile
                received = message_receive(raw=raw, source=MessageSource.IMAP)
            except (imaplib.IMAP4.abort, OSError):
                raise  # the connection is gone: stop; the next fetch starts over safely
            except Exception as exc:
                report.failed(label, exc)
                continue
            report.add(label, received)
            if received.stored:
                _forget(client, uid)
            else:
                client.uid("STORE", uid, "+FLAGS", f"({REFUSED_FLAG})")
    finally:
        _close(client)
    return report


def _fetch_one(client: imaplib.IMAP4, uid: bytes) -> bytes | None:
    # BODY.PEEK: reading does not set \Seen; only a stored message is marked.
    status, data = client.uid("FETCH", uid, "(BODY.PEEK[])")
    if status != "OK":
        raise ServiceError(f"IMAP fetch failed: {data!r}")
    for item in data or []:
        if isinstance(item, tuple) and len(item) == 2 and re.search(rb"BODY\[\]", item[0]):
            return item[1]
    return None


def _forget(client: imaplib.IMAP4, uid: bytes) -> None:
    """Called only after the message is committed. Flagged first: a message the server then
    fails to move is still never read again."""
    folder = settings.FOI_IMAP_DONE_FOLDER
    status, data = client.uid("STORE", uid, "+FLAGS", f"(\\Seen {STORED_FLAG})")
    if status != "OK":
        logger.warning("IMAP UID %s is stored but could not be flagged: %s", uid, _text(data))
    if not folder:
        return
    try:
        if "MOVE" in client.capabilities:
            status, data = client.uid("MOVE", uid, imap_mailbox(folder))
        else:
            # No MOVE: copy, then delete the original. EXPUNGE alone would also remove any
            # message a person had marked deleted; UID EXPUNGE (UIDPLUS) removes only this one.
            status, data = client.uid("COPY", uid, imap_mailbox(folder))
            if status == "OK":
                client.uid("STORE", uid, "+FLAGS", "(\\Deleted)")
                if "UIDPLUS" in client.capabilities:
                    client.uid("EXPUNGE", uid)
    except imaplib.IMAP4.abort:
        raise  # the connection is gone: the fetch stops (and starts over safely next time)
    except imaplib.IMAP4.error as exc:  # a BAD answer: imaplib raises rather than returns it
        status, data = "BAD", [str(exc).encode()]
    if status != "OK":
        logger.warning(
            "IMAP UID %s is stored and flagged %s but could not be moved to %r: %s",
            uid,
            STORED_FLAG,
            folder,
            _text(data),
        )


FETCH_TASK = "requests_app.fetch_mail"


def mail_fetch_soon(*, check_id: int | None = None) -> None:
    """Read the mailbox now, on a worker, rather than at the next scheduled check; with
    `check_id`, the worker records what it did on that MailCheck (services/mail_checks.py)."""
    transaction.on_commit(
        lambda: current_app.tasks[FETCH_TASK].delay(check_id=check_id), robust=True
    )
