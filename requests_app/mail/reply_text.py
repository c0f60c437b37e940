"""A reply's own new text, apart from the history it quotes. Pure.

The parsing is `mail-parser-reply` (Outlook's "From: ... Sent:" blocks, "-----Original
Message-----", "On ... wrote:", ">"-quoted lines, signatures), not patterns of our own.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from mailparser_reply import EmailReplyParser

# Enough for any reply a person writes. The parser's patterns take time that grows with the
# square of a line's length (a 20,000-character line beginning "On " took 8 s), so it reads at
# most this much, and a text with any longer line is shown whole rather than split.
MAX_CHARS = 20_000
MAX_LINE = 1_000


@dataclass(frozen=True)
class ReplyText:
    new: str  # what the sender wrote this time
    quoted: str  # the history it carries (our request, earlier replies), "" if none


@lru_cache(maxsize=64)  # recognising a message asks for the same text more than once
def split_reply(text: str) -> ReplyText:
    text = text or ""
    if not text.strip():
        return ReplyText("", "")
    lines = text[:MAX_CHARS].split("\n")
    # The parser reads the first MAX_CHARS, each line cut to MAX_LINE (quote headers are
    # short; a long paragraph's first thousand characters say as much), and where it splits is
    # carried back to the whole text.
    shown = "\n".join(line[:MAX_LINE] for line in lines)
    try:
        latest = (EmailReplyParser(languages=["en"]).read(shown).latest_reply or "").strip()
    except Exception:  # a parser bug must not cost the message: show it whole
        return ReplyText(text.strip(), "")
    at = shown.find(latest) if latest else -1
    if at < 0 or not shown[at + len(latest) :].strip():  # no history found in what was read
        return ReplyText(text.strip(), "")
    kept = shown[: at + len(latest)].count("\n") + 1  # the new text's lines, whole
    new_length = len("\n".join(lines[:kept]))
    return ReplyText(text[:new_length].strip(), text[new_length:].strip())
