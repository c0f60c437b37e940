"""Mailbox names as IMAP commands take them: modified UTF-7, quoted. Pure: the fetch service
(services/mail_fetch.py) sends them."""

from __future__ import annotations

import base64


def imap_utf7(name: str) -> str:
    """A mailbox name as IMAP writes it: modified UTF-7 (RFC 3501 5.1.3), so "Réponses" is
    "R&AOk-ponses". imaplib sends ASCII only and would raise on the raw name."""
    out: list[str] = []
    pending: list[str] = []

    def flush() -> None:
        if pending:
            encoded = base64.b64encode("".join(pending).encode("utf-16-be")).decode("ascii")
            out.append("&" + encoded.rstrip("=").replace("/", ",") + "-")
            pending.clear()

    for char in name:
        if " " <= char <= "~":
            flush()
            out.append("&-" if char == "&" else char)
        else:
            pending.append(char)
    flush()
    return "".join(out)


def imap_mailbox(name: str) -> str:
    """A mailbox name as a command argument: encoded, then quoted."""
    return _quote(imap_utf7(name))


def _quote(name: str) -> str:
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'
