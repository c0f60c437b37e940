"""Reading a figure as a force (or a person keying it in) writes it: "12", "1,234", "*", "<5",
"fewer than 5", "not held", "refused", "not provided". Pure functions, no database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from figures_app.models import Kind

_INT = re.compile(r"^(\d{1,3}(,\d{3})+|\d+)$")
_DECIMAL = re.compile(r"^-?\d+(,\d{3})*\.\d+$")
_NEGATIVE = re.compile(r"^-\s*\d[\d,]*(\.\d+)?$")
_LESS_THAN = re.compile(r"^(<|less than|fewer than|under)\s*(\d+)$")
_NOT_HELD = {"not held", "nh", "n/h", "information not held", "not recorded", "not held by force"}
_REFUSED = {"refused", "exempt", "withheld"}
_NOT_PROVIDED = {"not provided", "np", "n/p", "not given", "not supplied", "not answered"}
_SUPPRESSED_MARKS = {"*", "x", "suppressed", "[c]"}
HELP = "a whole number, '*', '<5', 'not held', 'refused' or 'not provided'"
# What the database columns hold (figures_app.models.Figure): counts are PostgreSQL integers,
# raw_text is 200 characters, exemption 30 including the law ("foisa:" is the longest prefix).
MAX_COUNT = 2_147_483_647
MAX_RAW_TEXT = 200
MAX_EXEMPTION = 30 - len("foisa:")


def _quoted(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass(frozen=True)
class Parsed:
    kind: str
    value: int | None = None
    lower: int | None = None
    upper: int | None = None
    raw_text: str = ""
    exemption: str = ""


def _text(raw) -> str:
    """Cell contents as text; spreadsheets give whole numbers as 12.0."""
    if raw is None:
        return ""
    if isinstance(raw, bool):
        return str(raw)
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    return str(raw).strip()


def _number(text: str) -> int:
    if _INT.match(text):
        number = int(text.replace(",", ""))
        if number > MAX_COUNT:
            raise ValueError(
                f"'{_quoted(text)}' is larger than the largest count kept ({MAX_COUNT:,})."
            )
        return number
    if _NEGATIVE.match(text):
        raise ValueError(f"'{text}' is negative; a count cannot be below 0.")
    if _DECIMAL.match(text):
        raise ValueError(f"'{text}' is not a whole number.")
    raise ValueError(f"'{_quoted(text)}' is not {HELP}.")


def _suppressed(text: str, bounds: tuple[int, int]) -> Parsed:
    low = text.lower()
    if low in _SUPPRESSED_MARKS or low == "":
        return Parsed(Kind.SUPPRESSED, lower=bounds[0], upper=bounds[1], raw_text=text or "*")
    match = _LESS_THAN.match(low)
    if match:
        limit = int(match.group(2))
        if limit > MAX_COUNT:
            raise ValueError(f"'{_quoted(text)}': the bound is larger than {MAX_COUNT:,}.")
        if limit < 2:
            raise ValueError(f"'{text}': a suppressed figure below {limit} cannot be above 0.")
        # The campaign's lower bound, as for '*': "<5" is "1-4" or "0-4" by the campaign's
        # rule, never one for '*' and the other for "<5" (issue 27).
        lower = min(bounds[0], limit - 1)
        return Parsed(Kind.SUPPRESSED, lower=lower, upper=limit - 1, raw_text=text)
    raise ValueError(f"'{_quoted(text)}' is not a suppressed figure ('*', '<5', 'fewer than 5').")


def parse_figure(raw, *, bounds: tuple[int, int], status: str = "") -> Parsed | None:
    """The figure a cell holds, or None for an empty cell with no status.

    `bounds` are the campaign's bounds for '*'. `status`, when given (tidy files), says the kind
    and the value must agree with it. Raises ValueError with a message fit to show a user.
    """
    text = _text(raw)
    if len(text) > MAX_RAW_TEXT:
        raise ValueError(
            f"the value is {len(text):,} characters long; a figure is at most {MAX_RAW_TEXT}."
        )
    status = (status or "").strip().lower().replace(" ", "_").replace("-", "_")
    low = re.sub(r"\s+", " ", text.lower())
    if status:
        if status not in Kind.values:
            raise ValueError(f"Unknown status '{_quoted(status)}'; use {', '.join(Kind.values)}.")
        if status == Kind.REPORTED:
            if not text:
                raise ValueError("Status is reported but the value is empty.")
            return Parsed(Kind.REPORTED, value=_number(text), raw_text=text)
        if status == Kind.SUPPRESSED:
            return _suppressed(text, bounds)
        if text and (_INT.match(text) or _DECIMAL.match(text) or _NEGATIVE.match(text)):
            raise ValueError(f"Status is {status} but a number ('{_quoted(text)}') is given.")
        exemption = _exemption(low) if status == Kind.REFUSED else ""
        return Parsed(status, raw_text=text or status.replace("_", " "), exemption=exemption)
    if not text:
        return None
    if low in _SUPPRESSED_MARKS or _LESS_THAN.match(low):
        return _suppressed(text, bounds)
    if low in _NOT_HELD:
        return Parsed(Kind.NOT_HELD, raw_text=text)
    if low in _NOT_PROVIDED:
        return Parsed(Kind.NOT_PROVIDED, raw_text=text)
    if low in _REFUSED or low.startswith("refused") or re.match(r"^s\.?\s?\d+", low):
        return Parsed(Kind.REFUSED, raw_text=text, exemption=_exemption(low))
    return Parsed(Kind.REPORTED, value=_number(text), raw_text=text)


def _exemption(low: str) -> str:
    """'refused s12' / 's.40(2)' -> 's12' / 's40(2)' ('' when none is named); the service adds
    the force's law ('foia:s12')."""
    match = re.search(r"s\.?\s?(\d+(\(\d+\))?)", low)
    if not match:
        return ""
    code = f"s{match.group(1)}"
    if len(code) > MAX_EXEMPTION:
        raise ValueError(
            f"the exemption '{_quoted(code)}' is longer than {MAX_EXEMPTION} characters; "
            "give the section, e.g. 's12' or 's40(2)'."
        )
    return code
