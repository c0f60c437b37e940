"""The band rule (issue 26): how the ranges forces answer in ("0-10", "under 13", "16 and over")
are counted in the bands a campaign reports in (Dimension.bands). One home for it: the totals,
their API and files, the headlines and the releases all read the breakdown built here.

- a single value, or a range that lies inside one band, counts in that band exactly (in its
  lower and its upper bound);
- a range that straddles bands is a bound: it counts in the upper bound of every band it
  touches and in the lower bound of none (nothing is shared out between bands);
- suppressed cells keep their own rule: inside one band their upper bound adds to the upper
  bound and their lower bound (the campaign's rule, 1 or 0) to the floor; straddling, the upper
  bound only;
- 'unknown' and categories that are words are not in any band: they stay rows of their own.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from figures_app.models import Category, Dimension
from figures_app.ranges import parse_range

# Where a range has no upper end and the dimension no maximum.
_OPEN = 10**9


@dataclass(frozen=True)
class Band:
    label: str
    low: int
    high: int  # _OPEN when open-ended without a maximum

    def holds(self, low: int, high: int) -> bool:
        return self.low <= low and high <= self.high

    def touches(self, low: int, high: int) -> bool:
        return low <= self.high and high >= self.low


def _band_span(label: str, maximum: int | None) -> tuple[int, int] | None:
    """(low, high) of a band label ("0-10", "13", "16+", "under 13"), read by the one parser of
    ranges (figures_app/ranges.py); None if it is not a range."""
    span = parse_range(label)
    if span is None or span.is_unknown:
        return None
    high = span.high if span.high is not None else (maximum if maximum is not None else _OPEN)
    return span.low, high


def dimension_bands(dimension: Dimension) -> list[Band]:
    """The bands the dimension reports in, in the campaign's order (empty: categories as
    given). A label that is not a range is left out (the campaign form refuses those)."""
    bands = []
    for label in dimension.bands or []:
        span = _band_span(str(label), dimension.maximum)
        if span is not None and span[0] <= span[1]:
            bands.append(Band(str(label), *span))
    return bands


def category_span(category: Category, maximum: int | None) -> tuple[int, int] | None:
    """The numbers a category covers; None for 'unknown' and for words. A category saved
    before ranges (low empty, a numeric value) is the single value it names."""
    if category.is_unknown:
        return None
    if category.low is not None:
        high = category.high
        if high is None:
            high = maximum if maximum is not None else _OPEN
        return category.low, max(high, category.low)
    if category.numeric_value is not None:
        return category.numeric_value, category.numeric_value
    return None


def is_range(category: Category) -> bool:
    """A range ("0-10", "16+"), not a single value, a word or 'unknown'."""
    return not category.is_unknown and category.low is not None and category.high != category.low


@dataclass(frozen=True)
class Placement:
    """Where one category counts: the bands it touches, and whether it lies inside one."""

    bands: tuple[Band, ...]
    exact: bool


def place(span: tuple[int, int], bands: Sequence[Band]) -> Placement:
    touched = tuple(b for b in bands if b.touches(*span))
    exact = len(touched) == 1 and touched[0].holds(*span)
    return Placement(touched, exact)


@dataclass
class BandCount:
    """One band's sums in one period: `lower` from the exact cells of categories inside it,
    `upper` adding suppressed cells' upper bounds and every straddling category's whole count;
    the forces that gave anything in it, and those whose answer fitted inside it."""

    lower: int = 0
    upper: int = 0
    floor: int = 0  # `lower` plus the suppressed cells' lower bounds inside it
    suppressed_cells: int = 0
    forces: set[int] | None = None
    inexact_forces: set[int] | None = None

    def add(self, cell: CellSums, *, exact: bool) -> None:
        if self.forces is None:
            self.forces, self.inexact_forces = set(), set()
        if exact:
            self.lower += cell.total
            self.floor += cell.total + cell.lower_extra
            self.suppressed_cells += cell.suppressed_cells
        self.upper += cell.total + cell.upper_extra
        if cell.reporting:
            self.forces.add(cell.request_id)
            if not exact:
                self.inexact_forces.add(cell.request_id)

    @property
    def forces_exact(self) -> int:
        return len((self.forces or set()) - (self.inexact_forces or set()))


@dataclass(frozen=True)
class CellSums:
    """One request's sums in one category and period (selectors/breakdown.py reads them)."""

    request_id: int
    total: int
    upper_extra: int
    suppressed_cells: int
    reporting: bool
    lower_extra: int = 0  # the suppressed cells' lower bounds added up


def count_in_bands(
    cells: Iterable[tuple[Category, CellSums]], bands: Sequence[Band], maximum: int | None
) -> tuple[list[BandCount], list[tuple[Category, CellSums]]]:
    """Each band's count over the cells, in the bands' order, and the cells no band takes
    ('unknown', words, a range outside every band), to be shown as their own rows."""
    counts = [BandCount() for _ in bands]
    index = {band: i for i, band in enumerate(bands)}
    left = []
    for category, cell in cells:
        span = category_span(category, maximum)
        placement = place(span, bands) if span is not None else Placement((), False)
        if not placement.bands:
            left.append((category, cell))
        for band in placement.bands:
            counts[index[band]].add(cell, exact=placement.exact)
    return counts, left


def band_category(dimension: Dimension, band: Band, position: int) -> Category:
    """An unsaved Category standing for a band in the breakdown's rows (its label as the
    campaign wrote it)."""
    single = band.low if band.low == band.high else None
    return Category(
        dimension=dimension,
        value=band.label,
        label=band.label,
        numeric_value=single,
        low=band.low,
        high=band.high if band.high != _OPEN else None,
        is_unknown=False,
        position=position,
    )
