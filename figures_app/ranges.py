"""Ranges in numeric breakdowns (issue 26): a force's "0-10", "under 13" or "16 and over".

Pure: no database, no Django. Everything that reads a numeric category's words goes through
`parse_range`, so the entry grid, the importer, cell mapping, campaign bands and the totals by
band agree on what "ten and under" means.

    >>> parse_range("ten and under")
    Range(low=0, high=10, label='ten and under')
    >>> parse_range("16+").value, parse_range("over 15").value
    ('16+', '16+')
    >>> parse_range("10-5") is None  # a range whose ends are the wrong way round is refused
    True

A Range is `low..high` inclusive. `high` None is open-ended: up to the dimension's maximum
(17 for under-18s), which the caller passes where it matters (`covers`, `overlaps`,
`bounded`). Unknown ("unknown", "not recorded") is a Range with both ends None. `label` is the
text as written; `value` the canonical text stored as the category's value ("13", "0-10",
"16+", "unknown").
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Iterable, Iterator, Sequence
from dataclasses import dataclass

UNKNOWN = "unknown"  # the same word as figures_app.models.UNKNOWN (this module imports nothing)
UNKNOWN_WORDS = frozenset(
    {UNKNOWN, "not known", "not recorded", "unrecorded", "n/k", "nk", "age unknown", "unk"}
)

NUMBER_WORDS = {
    word: n
    for n, word in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
        "fifteen sixteen seventeen eighteen nineteen twenty".split()
    )
}
NUMBER_WORDS.update({"nought": 0, "nil": 0, "thirty": 30, "forty": 40, "fifty": 50})

_NUM = r"(\d+|[a-z]+)"
_DASH = r"\s*(?:-|–|—|to)\s*"
# Words around the numbers that say nothing about the range ("aged 10 and under", "11-15 years").
_PREFIX = re.compile(r"^(?:aged?|ages)\s+")
_SUFFIX = re.compile(r"\s*(?:years?\s+olds?|years?\s+old|yrs?\s+old|years?|yrs?|y/?o)$")

_BETWEEN = re.compile(rf"^(?:between\s+)?{_NUM}(?:{_DASH}|\s+and\s+){_NUM}$")
_UNDER = re.compile(rf"^(?:under|below|less than|fewer than|younger than|<)\s*{_NUM}$")
_UP_TO = re.compile(
    rf"^(?:{_NUM}\s*(?:and|or|&)\s*(?:under|below|younger|less)|up to\s+{_NUM}|<=\s*{_NUM})$"
)
_AND_OVER = re.compile(
    rf"^(?:{_NUM}\s*\+|{_NUM}\s*(?:and|or|&)\s*(?:over|above|older|more)|>=\s*{_NUM})$"
)
_OVER = re.compile(rf"^(?:over|above|more than|older than|>)\s*{_NUM}$")


@dataclass(frozen=True)
class Range:
    low: int | None
    high: int | None
    label: str = ""

    @property
    def is_unknown(self) -> bool:
        return self.low is None

    @property
    def is_single(self) -> bool:
        return self.low is not None and self.low == self.high

    @property
    def value(self) -> str:
        """Canonical text: '13', '0-10', '16+', 'unknown'."""
        if self.low is None:
            return UNKNOWN
        if self.high is None:
            return f"{self.low}+"
        if self.low == self.high:
            return str(self.low)
        return f"{self.low}-{self.high}"

    def top(self, maximum: int | None = None) -> float | int:
        """The highest number covered: `maximum` for an open range (infinity without one)."""
        if self.high is not None:
            return self.high
        return maximum if maximum is not None else float("inf")

    def covers(self, other: Range | int, maximum: int | None = None) -> bool:
        """Whether every number of `other` (a Range or one number) lies inside this range.
        Unknown covers nothing and is covered by nothing."""
        if isinstance(other, int):
            other = Range(other, other)
        if self.low is None or other.low is None:
            return False
        return self.low <= other.low and other.top(maximum) <= self.top(maximum)

    def overlaps(self, other: Range, maximum: int | None = None) -> bool:
        """Whether the two ranges share a number. Unknown overlaps nothing (not even unknown:
        two 'unknown' lines are the same category, which the caller refuses as a repeat)."""
        if self.low is None or other.low is None:
            return False
        return self.low <= other.top(maximum) and other.low <= self.top(maximum)

    def __str__(self) -> str:
        return self.value


def _number(word: str) -> int | None:
    if word.isdigit():
        return int(word)
    return NUMBER_WORDS.get(word)


def _numbers(match: re.Match) -> list[int] | None:
    found = [_number(g) for g in match.groups() if g is not None]
    return None if any(n is None for n in found) else found  # type: ignore[return-value]


def _clean(text: str) -> str:
    low = " ".join(text.strip().lower().replace("\u2212", "-").split())
    low = _PREFIX.sub("", low)
    return _SUFFIX.sub("", low).strip()


def parse_range(text: str) -> Range | None:
    """The range `text` names, or None when it names none ('rape', '10-5', 'abc-def').

    Forms: '13', 'thirteen', '0-10', '0 to 10', '0–10', 'between 0 and 10', 'under 10' (0-9),
    '10 and under' / 'ten and under' / 'aged 10 and under' / 'up to 10' (0-10), '16+',
    '16 and over' (16-open), 'over 15' (16-open), 'unknown' / 'not recorded' (unknown).
    """
    label = " ".join(str(text).split())
    low = _clean(label)
    if not low:
        return None
    if label.lower() in UNKNOWN_WORDS or low in UNKNOWN_WORDS:
        return Range(None, None, label)
    single = _number(low)
    if single is not None:
        return Range(single, single, label)
    for pattern, build in _FORMS:
        match = pattern.match(low)
        numbers = _numbers(match) if match else None
        if numbers is not None:  # "10 and under" fits "A and B" too, but "under" is no number
            return build(numbers, label)
    return None


def _between(n: list[int], label: str) -> Range | None:
    return Range(n[0], n[1], label) if n[0] <= n[1] else None


def _under(n: list[int], label: str) -> Range | None:
    return Range(0, n[0] - 1, label) if n[0] >= 1 else None


_FORMS = (
    (_BETWEEN, _between),
    (_UNDER, _under),
    (_UP_TO, lambda n, label: Range(0, n[0], label)),
    (_AND_OVER, lambda n, label: Range(n[0], None, label)),
    (_OVER, lambda n, label: Range(n[0] + 1, None, label)),
)


def first_overlap(
    ranges: Iterable[tuple[object, Range]], maximum: int | None = None
) -> tuple[object, Range, object, Range] | None:
    """The first pair (where, range, where_earlier, earlier) of `ranges` that overlap, in input
    order: `where` is whatever names a range for the person (a line number, a cell)."""
    seen: list[tuple[object, Range]] = []
    for where, rng in ranges:
        for where_before, before in seen:
            if rng.overlaps(before, maximum) and rng.value != before.value:
                return where, rng, where_before, before
        seen.append((where, rng))
    return None


def first_overlaps(
    entries: Iterable[tuple[Hashable, object, Range]], maximum: int | None = None
) -> Iterator[tuple[object, Range, object, Range]]:
    """`first_overlap` within groups: entries are (group, where, range), e.g. group = one
    force's answer; yields (where, range, where_earlier, earlier) for each entry that overlaps
    an earlier entry of its group."""
    seen: dict[Hashable, list[tuple[object, Range]]] = {}
    for group, where, rng in entries:
        earlier = seen.setdefault(group, [])
        for where_before, before in earlier:
            if rng.overlaps(before, maximum) and rng.value != before.value:
                yield where, rng, where_before, before
                break
        earlier.append((where, rng))


def bands_problems(bands: Sequence[str], maximum: int | None) -> list[str]:
    """What is wrong with a dimension's reporting bands, in words; [] when they are fine.
    Each must parse as a number or range, none may overlap another, all inside 0..maximum."""
    problems: list[str] = []
    parsed: list[tuple[object, Range]] = []
    for text in bands:
        rng = parse_range(text)
        if rng is None or rng.is_unknown:
            problems.append(f"'{text}' is not a number or a range such as 0-10, 16+ or under 13.")
            continue
        if maximum is not None and (rng.low > maximum or (rng.high or 0) > maximum):
            problems.append(f"'{text}' goes beyond the maximum, {maximum}.")
        parsed.append((text, rng))
    clash = first_overlap(parsed, maximum)
    if clash:
        problems.append(f"'{clash[0]}' overlaps '{clash[2]}'.")
    return problems
