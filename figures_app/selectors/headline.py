"""A force's headline figure, and the numbers every total is made of. One home for the rule the
totals (one campaign), the series (campaigns over the years) and the releases (frozen from the
totals) all count by (DOMAIN.md section 5):

- a force's headline figure for a period is its total figure; where it gave no total, its
  breakdown by the metric's first dimension added up. A total is never split, and a missing
  cell is never worked out by subtraction;
- exact values make the lower bound; each suppressed cell adds its upper bound to the upper one
  (and its lower bound to the floor, what the cells can be at least);
- a period's per-day figure uses the real number of days; a change is given raw and like for
  like, over the forces reporting both periods; nothing is rounded here.

The totals add up in the database (selectors/totals.py, _FIGURE_SUMS_SQL) what `add_up` adds up
here in memory for the series.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Generic, TypeVar

from figures_app.models import REPORTING_KINDS, FigureSource, Kind
from requests_app.text import long_date

Cells = TypeVar("Cells")
PeriodT = TypeVar("PeriodT", bound="PeriodSum")


def headline_cells(total: Cells | None, first_dimension: Cells | None) -> Cells | None:
    """The cells that make a force's headline figure: its total cell when it gave one (even one
    that is not a number: a force that said "not held" for the total has no headline figure),
    else its cells of the first dimension. None when it gave neither."""
    return total if total is not None else first_dimension


def change_pct(old, new) -> float | None:
    if old is None or new is None or old == 0:
        return None
    return (new - old) / old * 100


@dataclass(frozen=True)
class Bounds:
    """What some figures added up can be: `lower` is the sum of exact values, `upper` adds each
    suppressed cell's upper bound, `floor` adds their lower bounds."""

    lower: int
    upper: int
    floor: int
    suppressed_cells: int
    reported_cells: int
    published: bool  # any of them loaded from what was published (Figure.source)

    @property
    def exact(self) -> bool:
        return not self.suppressed_cells

    @property
    def value(self) -> int | None:
        """The exact part; None when only suppressed cells."""
        return self.lower if self.reported_cells else None


# A figure as add_up reads it: (kind, value, lower, upper, source).
FigureRow = tuple[str, int | None, int | None, int | None, str]


def add_up(rows: Iterable[FigureRow]) -> Bounds | None:
    """The bounds of some figures; None when none of them is a number (not held, refused, not
    provided)."""
    numbers = [r for r in rows if r[0] in REPORTING_KINDS]
    if not numbers:
        return None
    lower = upper = floor = suppressed = reported = 0
    for kind, value, low, high, _source in numbers:
        if kind == Kind.REPORTED:
            lower += value
            upper += value
            floor += value
            reported += 1
        else:
            suppressed += 1
            upper += high
            floor += low
    published = any(r[4] == FigureSource.PUBLISHED for r in numbers)
    return Bounds(lower, upper, floor, suppressed, reported, published)


@dataclass(kw_only=True)
class PeriodSum:
    """A period's total over the forces reporting in it."""

    total: int = 0  # the exact values added up
    # What the figures can be at least and at most: the exact values plus each suppressed
    # cell's own lower (upper) bound, i.e. the campaign's rule (bound_words.py writes them).
    total_lower: int = 0
    total_upper: int = 0
    suppressed_cells: int = 0
    forces_reporting: int = 0
    # Why the figures may not cover every day of the period (it has not ended); empty when
    # they do. A rate over the period's days from
    # part of them ("0.1 a day") understates it, so per_day is None then (issue 27).
    partial: str = ""

    @property
    def days(self) -> int:
        raise NotImplementedError

    @property
    def per_day(self) -> float | None:
        if self.partial or not self.forces_reporting:
            return None
        return self.total / self.days

    @property
    def no_rate(self) -> str:
        """Why there is no per-day rate, as a person reads it; empty when there is one."""
        if not self.forces_reporting:
            return ""
        return f"no rate a day: {self.partial}" if self.partial else ""


def period_partial(*, end: date, today: date) -> str:
    """Why a period's figures may not cover all its days: the period has not ended by `today`
    (its last day included). Answer dates are not used: the demo's NSPCC answers are dated
    March 2017, before 2016/17 ended, yet DOMAIN.md's worked example gives that year's rate
    ("15 a day"), so an answer date is not taken as proof of partial data."""
    if end >= today:
        return f"the period runs to {long_date(end)}, so its figures are not yet complete"
    return ""


@dataclass
class LikeForLike:
    """A change over the forces that reported both periods, and nothing else."""

    forces: int = 0
    from_total: int = 0
    to_total: int = 0
    from_upper: int = 0
    to_upper: int = 0

    @property
    def change_pct(self) -> float | None:
        # With no force in common both totals are 0: no base, no percentage.
        return change_pct(self.from_total, self.to_total)


@dataclass
class Change(Generic[PeriodT]):
    from_period: PeriodT
    to_period: PeriodT
    like_for_like: LikeForLike

    @property
    def change_pct(self) -> float | None:
        # A period no force reported in has no total: 0 there is "nothing counted yet", not a
        # fall to (or a rise from) zero.
        if not (self.from_period.forces_reporting and self.to_period.forces_reporting):
            return None
        return change_pct(self.from_period.total, self.to_period.total)
