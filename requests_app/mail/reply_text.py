"""A reply's own new text, apart from the history it quotes. Pure.

The parsing is `mail-parser-reply` (Outlook's "From: ... Sent:" blocks, "-----Original
Message-----", "On ... wrote:", ">"-quoted lines, signatures), not patterns of our own.
"""

from __future__ import annotations

from dataclasses import dataclass

from mailparser_reply import EmailReplyParser

# Enough for any reply a person writes; the parser's cost grows with the text.
MAX_CHARS = 100_000


@dataclass(frozen=True)
class ReplyText:
    new: str  # what the sender wrote this time
    quoted: str  # the history it carries (our request, earlier replies), "" if none


def split_reply(text: str) -> ReplyText:
    text = (text or "")[:MAX_CHARS]
    if not text.strip():
        return ReplyText("", "")
    try:
        latest = EmailReplyParser(languages=["en"]).read(text).latest_reply or ""
    except Exception:  # a parser bug must not cost the message: show it whole
        return ReplyText(text.strip(), "")
    latest = latest.strip()
    if not latest:
        return ReplyText(text.strip(), "")
    at = text.find(latest)
    quoted = text[at + len(latest) :].strip() if at >= 0 else ""
    return ReplyText(latest, quoted)
