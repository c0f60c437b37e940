"""Counted nouns for text built in Python: '1 force', '2 forces', '1,234 figures'."""

from datetime import date

from django.utils import dateformat


def plural(n: int, word: str, words: str = "") -> str:
    """`words` is the plural when adding an s is wrong ('1 reply', '2 replies')."""
    return f"{n:,} {word if n == 1 else words or word + 's'}"


# The site's one long date format, as the templates write it ({{ day|date:"j F Y" }}):
# every date a person reads, in pages and sentences; files and the API keep ISO dates.
LONG_DATE = "j F Y"


def long_date(day: date | None) -> str:
    """'1 April 2017'; '' for no date."""
    return dateformat.format(day, LONG_DATE) if day else ""
