"""Counted nouns for text built in Python: '1 force', '2 forces', '1,234 figures'; and the
site's one way to write a date, a day and a moment for people."""

from datetime import date, datetime
from functools import lru_cache

from django.utils import dateformat, translation


def plural(n: int, word: str, words: str = "") -> str:
    """`words` is the plural when adding an s is wrong ('1 reply', '2 replies')."""
    return f"{n:,} {word if n == 1 else words or word + 's'}"


# The site's one long date format, as the templates write it ({{ day|date:"j F Y" }}):
# every date a person reads, in pages and sentences; files and the API keep ISO dates.
LONG_DATE = "j F Y"
# The same with its weekday, where the day of the week matters (deadlines, a digest's day), and
# with the time, for a moment (a message received, a change recorded): one format each, so a
# page never says "Mon 7 Dec 2026" beside "7 December 2026" (issue 27).
LONG_DAY = "l j F Y"
LONG_DATETIME = "j F Y, H:i"


def long_date(day: date | None) -> str:
    """'1 April 2017'; '' for no date."""
    return _day_text(day, LONG_DATE) if day else ""


def long_day(day: date | None) -> str:
    """'Saturday 1 April 2017'; '' for no date."""
    return _day_text(day, LONG_DAY) if day else ""


def _day_text(day: date, format_string: str) -> str:
    # A day is written once per language and format: a reminder run writes some 50,000 dates,
    # a few hundred distinct. Only plain dates: two equal moments in different zones fall on
    # different days.
    if day.__class__ is date:
        return _formatted(day, format_string, translation.get_language())
    return dateformat.format(day, format_string)


@lru_cache(maxsize=4096)
def _formatted(day: date, format_string: str, language: str | None) -> str:
    with translation.override(language):
        return dateformat.format(day, format_string)


def long_datetime(moment: datetime | None) -> str:
    """'1 April 2017, 14:05' in the time it is given in (the templates' filter gives it in the
    site's time zone); '' for none."""
    return dateformat.format(moment, LONG_DATETIME) if moment else ""
