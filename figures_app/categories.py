"""Categories of a campaign's dimensions, read once and resolved from the text people type.

Below both services and selectors: the entry grid, the importer, the history and the warnings
all name cells through CategoryIndex, which only reads (creating an inferred category is the
one write, `ensure`, called by the figure service inside its transaction).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from figures_app.models import UNKNOWN, Category, Dimension, Metric
from figures_app.ranges import Range, parse_range
from requests_app.models import Campaign, Period

# What the Category columns hold: value is 60 characters, numeric_value a 32-bit integer.
MAX_VALUE = Category._meta.get_field("value").max_length
MAX_NUMBER = 2_147_483_647
_UNKNOWN_WORDS = {UNKNOWN, "not known", "not recorded", "unrecorded", "n/k", "nk", "age unknown"}


def category_attrs(text: str) -> dict:
    """How a typed category is stored: 'Not known' -> unknown, '07' -> 7 (low = high = 7),
    'ten and under' -> '0-10' (low 0, high 10), '16+' (low 16, high empty), 'rape' as written.
    Numbers and ranges are read by figures_app.ranges.parse_range."""
    low = text.strip().lower()
    if low in _UNKNOWN_WORDS:
        return {
            "value": UNKNOWN,
            "numeric_value": None,
            "is_unknown": True,
            "low": None,
            "high": None,
        }
    if re.fullmatch(r"\d+", low):
        n = int(low)
        return {"value": str(n), "numeric_value": n, "is_unknown": False, "low": n, "high": n}
    rng = parse_range(text)
    if rng is not None and not rng.is_unknown and rng.high is not None and rng.high > MAX_NUMBER:
        rng = None  # a number too large for the columns: a word category
    if rng is None:
        return {
            "value": text.strip(),
            "numeric_value": None,
            "is_unknown": False,
            "low": None,
            "high": None,
        }
    return {
        "value": rng.value,
        "numeric_value": rng.low if rng.is_single else None,
        "is_unknown": rng.is_unknown,
        "low": rng.low,
        "high": rng.high,
    }


def dimension_name(dimension: Dimension) -> str:
    """A dimension as a person reads it: its label in lower case ('victim age'), never its
    slug ('victim_age') unless it has no label."""
    label = (dimension.label or "").strip()
    if not label:
        return dimension.slug.replace("_", " ")
    return label if label.isupper() else label[0].lower() + label[1:]


def category_key(categories: Sequence[Category]) -> str:
    """'' for the total; else category ids in dimension order joined by '.'."""
    ordered = sorted(categories, key=lambda c: (c.dimension.position, c.dimension_id))
    return ".".join(str(c.pk) for c in ordered)


@dataclass(frozen=True)
class CategoryRef:
    """A category named in input; `category` is None until an inferred one is created."""

    dimension: Dimension
    value: str
    numeric_value: int | None
    is_unknown: bool
    category: Category | None
    low: int | None = None
    high: int | None = None
    # The category as the input wrote it ('ten and under') where that differs from `value`.
    as_written: str | None = None

    @property
    def range(self):
        """The figures_app.ranges.Range this category covers (None for a word category)."""
        if self.is_unknown or self.low is None:
            return None
        return Range(self.low, self.high, self.as_written or self.value)


_METRIC_FIELDS = [f.attname for f in Metric._meta.concrete_fields]
_DIMENSION_FIELDS = [f.attname for f in Dimension._meta.concrete_fields]
_CATEGORY_FIELDS = [f.attname for f in Category._meta.concrete_fields]


class CategoryIndex:
    """Dimensions and categories of a campaign's metrics, loaded in one query: each metric
    joined to its dimensions and theirs to their categories. `metrics` holds the campaign's
    metrics, in order, read in the same query (a page needs both; one query, not three)."""

    def __init__(self, campaign: Campaign) -> None:
        self.metrics: list[Metric] = []
        self.dimensions: dict[int, list[Dimension]] = {}
        self.by_value: dict[int, dict[str, Category]] = {}
        self.by_id: dict[int, Category] = {}
        dims_by_id: dict[int, Dimension] = {}
        rows = (
            Metric.objects.filter(campaign=campaign)
            # Each model's own order (its Meta.ordering) within its parent.
            .order_by(
                "position",
                "pk",
                "dimensions__position",
                "dimensions__pk",
                "dimensions__categories__position",
                "dimensions__categories__low",  # a single value n is n..n
                "dimensions__categories__value",
            )
            .values_list(
                *_METRIC_FIELDS,
                *(f"dimensions__{name}" for name in _DIMENSION_FIELDS),
                *(f"dimensions__categories__{name}" for name in _CATEGORY_FIELDS),
            )
        )
        m_end = len(_METRIC_FIELDS)
        d_end = m_end + len(_DIMENSION_FIELDS)
        db = Metric.objects.db
        for row in rows:
            if not self.metrics or self.metrics[-1].pk != row[0]:
                self.metrics.append(Metric.from_db(db, _METRIC_FIELDS, row[:m_end]))
            dim_id = row[m_end]
            if dim_id is None:  # a metric with no breakdown: one row of NULLs
                continue
            if dim_id not in dims_by_id:
                dim = Dimension.from_db(db, _DIMENSION_FIELDS, row[m_end:d_end])
                dim.metric = self.metrics[-1]
                dims_by_id[dim_id] = dim
                self.dimensions.setdefault(dim.metric_id, []).append(dim)
                self.by_value[dim_id] = {}
            if row[d_end] is not None:  # a dimension with no category yet: NULLs
                cat = Category.from_db(db, _CATEGORY_FIELDS, row[d_end:])
                cat.dimension = dims_by_id[dim_id]
                self.add(cat)

    def add(self, cat: Category) -> None:
        self.by_id[cat.pk] = cat
        index = self.by_value.setdefault(cat.dimension_id, {})
        index[cat.value.lower()] = cat
        if cat.label:
            index.setdefault(cat.label.lower(), cat)

    def resolve(self, dimension: Dimension, raw) -> CategoryRef:
        """The category `raw` names. ValueError (fit to show, naming the dimension as a person
        reads it) when the dimension has no such category and cannot infer one. A numeric
        breakdown takes ranges as forces write them ('ten and under' is 0-10); the words are
        kept on the ref (`as_written`) when they differ from the stored value."""
        if isinstance(raw, float) and raw.is_integer():
            raw = int(raw)
        text = " ".join(str(raw).split())
        name = dimension_name(dimension)
        if len(text) > MAX_VALUE:
            raise ValueError(f"The {name} '{text[:39]}…' is longer than {MAX_VALUE} characters.")
        attrs = category_attrs(text)
        if re.fullmatch(r"\d+", text) and int(text) > MAX_NUMBER:
            raise ValueError(
                f"The {name} '{text[:40]}' is larger than {MAX_NUMBER:,}; "
                "use a category name instead."
            )
        written = text if text.lower() != attrs["value"].lower() else None
        known = self.by_value.get(dimension.pk, {})
        cat = known.get(attrs["value"].lower()) or known.get(text.lower())
        if cat is not None:
            written = text if text.lower() != cat.value.lower() else None
            return _ref(cat, written)
        if dimension.inferred and (attrs["low"] is not None or attrs["is_unknown"]):
            return CategoryRef(
                dimension,
                attrs["value"],
                attrs["numeric_value"],
                attrs["is_unknown"],
                None,
                attrs["low"],
                attrs["high"],
                written,
            )
        if dimension.inferred:
            raise ValueError(
                f"The {name} '{text}' is not an age or a range: use a number ('13'), a range "
                "('0-10', 'under 13', '16 and over') or 'unknown'."
            )
        choices = ", ".join(c.value for c in dimension.categories.all()) or "none defined"
        raise ValueError(f"The {name} '{text}' is not one of this breakdown's: {choices}.")

    def refs_for_key(self, key: str) -> tuple[CategoryRef, ...]:
        """The categories of a stored figure's key, as input refs (for editing one figure)."""
        cats = (self.by_id[int(pk)] for pk in key.split(".") if pk)
        return tuple(_ref(c, None) for c in cats)

    def ensure(self, refs: Iterable[CategoryRef]) -> None:
        """Create the inferred categories not yet in the database (inside the caller's
        transaction: only the figure service calls this)."""
        wanted = {}
        for ref in refs:
            if ref.category is None and ref.value.lower() not in self.by_value.get(
                ref.dimension.pk, {}
            ):
                wanted[(ref.dimension.pk, ref.value)] = ref
        if not wanted:
            return
        created = Category.objects.bulk_create(
            [
                Category(
                    dimension=ref.dimension,
                    value=ref.value,
                    label="Unknown" if ref.is_unknown else ref.value,
                    numeric_value=ref.numeric_value,
                    is_unknown=ref.is_unknown,
                    low=ref.low,
                    high=ref.high,
                    # Inferred: numbers in numeric order first, then 'unknown'.
                    position=1 if ref.is_unknown else 0,
                )
                for ref in wanted.values()
            ]
        )
        for cat in created:
            self.add(cat)

    def category_of(self, ref: CategoryRef) -> Category:
        return ref.category or self.by_value[ref.dimension.pk][ref.value.lower()]

    def cell_name(self, metric: Metric, period: Period, key: str) -> str:
        """'offences / 2016/17 / victim_age=13', or '... / total' (the history's cell names,
        kept as they were so old and new rows read alike)."""
        parts = [metric.slug, period.label]
        for pk in filter(None, key.split(".")):
            cat = self.by_id.get(int(pk))
            if cat:
                parts.append(f"{cat.dimension.slug}={cat.value}")
        return " / ".join(parts) if key else " / ".join(parts + ["total"])


def _ref(cat: Category, written: str | None) -> CategoryRef:
    return CategoryRef(
        cat.dimension,
        cat.value,
        cat.numeric_value,
        cat.is_unknown,
        cat,
        cat.low,
        cat.high,
        written,
    )


def refs_label(refs: Sequence[CategoryRef]) -> str | None:
    """Figure.category_label for a cell: the categories as the force wrote them, where any
    differs from the stored value ('ten and under'; 'rape / ten and under' for two ways)."""
    if not any(ref.as_written for ref in refs):
        return None
    return " / ".join(ref.as_written or ref.value for ref in refs)[:120]


def answer_overlaps(
    index: CategoryIndex, cells: Iterable[tuple[object, tuple, str]]
) -> Iterator[tuple[object, Category, object, Category]]:
    """Overlapping numeric categories within one force's answer: `cells` are (where, answer,
    category key), `answer` naming the force's answer (request, metric, period); `where` names
    the cell for the person (a line, a grid cell). Yields (where, category, where before,
    category before) for each cell that overlaps an earlier one with the same other categories
    (a two-way breakdown's ages are compared within each offence type)."""
    seen: dict[tuple, list[tuple[object, Range, Category]]] = {}
    for where, answer, key in cells:
        cats = [index.by_id[int(pk)] for pk in key.split(".") if pk]
        for cat in cats:
            if cat.low is None:
                continue
            others = tuple(c.pk for c in cats if c is not cat)
            group = seen.setdefault((answer, cat.dimension_id, others), [])
            rng = Range(cat.low, cat.high, cat.value)
            for where_before, before, cat_before in group:
                if cat_before.pk != cat.pk and rng.overlaps(before):
                    yield where, cat, where_before, cat_before
                    break
            group.append((where, rng, cat))
