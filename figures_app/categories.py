"""Categories of a campaign's dimensions, read once and resolved from the text people type.

Below both services and selectors: the entry grid, the importer, the history and the warnings
all name cells through CategoryIndex, which only reads (creating an inferred category is the
one write, `ensure`, called by the figure service inside its transaction).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from figures_app.models import UNKNOWN, Category, Dimension, Metric
from requests_app.models import Campaign, Period

# What the Category columns hold: value is 60 characters, numeric_value a 32-bit integer.
MAX_VALUE = Category._meta.get_field("value").max_length
MAX_NUMBER = 2_147_483_647
_UNKNOWN_WORDS = {UNKNOWN, "not known", "not recorded", "unrecorded", "n/k", "nk", "age unknown"}


def category_attrs(text: str) -> dict:
    """How a typed category is stored: 'Not known' -> unknown, '07' -> 7, 'rape' as written."""
    low = text.strip().lower()
    if low in _UNKNOWN_WORDS:
        return {"value": UNKNOWN, "numeric_value": None, "is_unknown": True}
    if re.fullmatch(r"\d+", low):
        return {"value": str(int(low)), "numeric_value": int(low), "is_unknown": False}
    return {"value": text.strip(), "numeric_value": None, "is_unknown": False}


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
                "dimensions__categories__numeric_value",
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
        """The category `raw` names. ValueError (fit to show) when the dimension has no such
        category and cannot infer one."""
        if isinstance(raw, float) and raw.is_integer():
            raw = int(raw)
        text = str(raw).strip()
        if len(text) > MAX_VALUE:
            raise ValueError(
                f"{dimension.slug}: '{text[:39]}…' is longer than {MAX_VALUE} characters."
            )
        attrs = category_attrs(text)
        if attrs["numeric_value"] is not None and attrs["numeric_value"] > MAX_NUMBER:
            raise ValueError(
                f"{dimension.slug} '{text[:40]}' is larger than {MAX_NUMBER:,}; "
                "use a category name instead."
            )
        known = self.by_value.get(dimension.pk, {})
        cat = known.get(attrs["value"].lower()) or known.get(text.lower())
        if cat is not None:
            return CategoryRef(dimension, cat.value, cat.numeric_value, cat.is_unknown, cat)
        if dimension.inferred and (attrs["numeric_value"] is not None or attrs["is_unknown"]):
            return CategoryRef(
                dimension, attrs["value"], attrs["numeric_value"], attrs["is_unknown"], None
            )
        if dimension.inferred:
            raise ValueError(f"Unknown {dimension.slug} '{text}': use a whole number or 'unknown'.")
        choices = ", ".join(c.value for c in dimension.categories.all()) or "none defined"
        raise ValueError(f"Unknown {dimension.slug} '{text}'; categories: {choices}.")

    def refs_for_key(self, key: str) -> tuple[CategoryRef, ...]:
        """The categories of a stored figure's key, as input refs (for editing one figure)."""
        cats = (self.by_id[int(pk)] for pk in key.split(".") if pk)
        return tuple(
            CategoryRef(c.dimension, c.value, c.numeric_value, c.is_unknown, c) for c in cats
        )

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
        """'offences / 2016/17 / victim_age=13', or '... / total'."""
        parts = [metric.slug, period.label]
        for pk in filter(None, key.split(".")):
            cat = self.by_id.get(int(pk))
            if cat:
                parts.append(f"{cat.dimension.slug}={cat.value}")
        return " / ".join(parts) if key else " / ".join(parts + ["total"])
