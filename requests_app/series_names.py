"""The names of a series' next campaign: its slug and title with every period it names moved on,
and a series' title (a campaign's without its years). Pure: no database."""

from __future__ import annotations

import re

from django.utils.text import slugify

_YEAR_RE = re.compile(r"(19|20)\d\d")


def _shift_years(text: str, years: int) -> str:
    """'nspcc-2017' -> 'nspcc-2018' (the last year named, moved on `years`)."""
    matches = list(_YEAR_RE.finditer(text))
    if not matches or years <= 0:
        return text
    m = matches[-1]
    return text[: m.start()] + str(int(m.group()) + years) + text[m.end() :]


def next_name(
    text: str, old_labels: list[str], new_labels: list[str], years: int, *, slug: bool
) -> str:
    """The next campaign's slug or title: each period label that appears replaced by the label of
    the period that takes its place ("2015/16 and 2016/17" -> "2016/17 and 2017/18"), all at once
    so one replacement never feeds another; else the last year moved on; else the new last
    label added."""
    # In a slug "2015/16" is written "2015-16" (or "201516", as slugify writes it).
    forms = (_slug_label, slugify) if slug else (str,)
    moves = {}
    for old, new in zip(old_labels, new_labels, strict=True):
        for form in forms:
            if form(old) and form(old) in text:
                moves[form(old)] = form(new)
                break
    if moves:
        pattern = re.compile("|".join(re.escape(o) for o in sorted(moves, key=len, reverse=True)))
        return pattern.sub(lambda m: moves[m.group()], text)
    shifted = _shift_years(text, years)
    if shifted != text:
        return shifted
    return f"{text}-{_slug_label(new_labels[-1])}" if slug else f"{text} ({new_labels[-1]})"


def _slug_label(label: str) -> str:
    return slugify(label.replace("/", "-"))


_PERIOD_SLASH_RE = re.compile(r"(?<=\d)\s*/\s*(?=\d)")


def readable_slug(title: str, max_length: int) -> str:
    """A slug made from a title with its periods still readable: "Online offences 2015/16 and
    2016/17" -> "online-offences-2015-16-and-2016-17" (slugify alone writes "201516"). Cut at
    `max_length` without leaving a trailing "-". The JavaScript that fills slugs in as a title
    is typed (static/js/site.js, slugFromTitle) follows the same rule."""
    return slugify(_PERIOD_SLASH_RE.sub("-", title))[:max_length].strip("-")


def series_title(title: str) -> str:
    """A campaign's title without its years: "Online offences 2017" -> "Online offences"."""
    return re.sub(r"\s*\(?\b(19|20)\d\d(/\d\d)?\)?", "", title).strip() or title
