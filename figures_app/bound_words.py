"""One way to write a figure that is only known between bounds (issue 27, "one way to write each
thing everywhere"). A suppressed cell is written by its campaign's rule: "1–4" where the
campaign says a '*' is at least 1, "0–4" where it says at least 0, never one on one page and the
other on the next. So every bound a person reads is the figures' own lower bound (each
suppressed cell's `Figure.lower`, which the campaign's rule set) added up, never a lower bound
some page worked out on its own (0 for each suppressed cell), and it is written here: the
request page, the totals, breakdown, series and release pages, the headlines and press lines.

Files and the API give the same bounds as numbers (`total_lower`, `total_upper`)."""

from __future__ import annotations

# An en dash between the bounds: "1–4" reads as a range, where "1-4" can read as a subtraction.
RANGE_DASH = "\u2013"


def bounds_text(lower: int, upper: int) -> str:
    """'1–4', '1,243–1,251'; the one number when both bounds are the same ('12')."""
    if lower == upper:
        return f"{lower:,}"
    return f"{lower:,}{RANGE_DASH}{upper:,}"


def between_words(lower: int, upper: int) -> str:
    """The same bounds in a sentence: 'between 1 and 4'; '12' when both are the same."""
    if lower == upper:
        return f"{lower:,}"
    return f"between {lower:,} and {upper:,}"
