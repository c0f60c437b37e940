"""Metric definitions: the campaign JSON `metrics` list checked, and metrics with their
dimensions and listed categories saved. Inferred categories are created by the figure service
when figures name them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.text import slugify

from figures_app.categories import category_attrs
from figures_app.models import UNKNOWN, Category, Dimension, Metric
from figures_app.ranges import bands_problems, first_overlap, parse_range
from figures_app.readers import RESERVED_COLUMNS
from requests_app.models import Campaign
from requests_app.services.data_versions import campaigns_data_changed
from requests_app.services.errors import ServiceError
from requests_app.text import plural

_SLUG = re.compile(r"^[a-z0-9][-a-z0-9_]*$")


@dataclass(frozen=True)
class DimensionSpec:
    slug: str
    label: str
    categories: tuple[str, ...] | None  # None: inferred from the data (numbers, then unknown)
    # A numeric breakdown's reporting bands as written ("0-10", "16-17"; empty: the categories
    # as given) and where an open-ended range ends (17 for under-18s).
    bands: tuple[str, ...] = ()
    maximum: int | None = None


@dataclass(frozen=True)
class MetricSpec:
    slug: str
    label: str
    unit: str = "offences"
    notes: str = ""
    dimensions: tuple[DimensionSpec, ...] = ()


@dataclass(frozen=True)
class MetricEdit:
    """One row of the campaign form's metrics, in its order: `metric` is the campaign's metric the
    row shows (loaded by the form, with its dimensions and categories), None for a new row."""

    metric: Metric | None
    label: str
    unit: str = "offences"
    notes: str = ""
    dimensions: tuple[DimensionSpec, ...] = ()
    remove: bool = False


def _label_from_slug(slug: str) -> str:
    return slug.replace("_", " ").replace("-", " ").capitalize()


def _categories(cats: Any, dwhere: str) -> tuple[str, ...]:
    if not isinstance(cats, list) or not cats:
        raise ValueError(f"{dwhere}: 'categories' must be a non-empty list.")
    clean: list[str] = []
    for k, cat in enumerate(cats, start=1):
        if isinstance(cat, bool) or not isinstance(cat, (str, int)):
            raise ValueError(f"{dwhere} category {k}: expected text or a whole number.")
        text = str(cat).strip()
        if not text or len(text) > 60:
            raise ValueError(f"{dwhere} category {k}: empty or too long.")
        if text.lower() in {c.lower() for c in clean}:
            raise ValueError(f"{dwhere}: category '{text}' is listed twice.")
        clean.append(text)
    return tuple(clean)


def _dimension(dim: Any, dwhere: str, taken: list[DimensionSpec]) -> DimensionSpec:
    if isinstance(dim, str):
        dim = {"slug": dim}
    if not isinstance(dim, dict):
        raise ValueError(f'{dwhere}: expected a name or {{"slug", "categories"?}}.')
    extra = sorted(set(dim) - {"slug", "label", "categories", "bands", "maximum"})
    if extra:
        raise ValueError(f"{dwhere}: unknown key '{extra[0]}'.")
    dslug = dim.get("slug")
    if not isinstance(dslug, str) or not _SLUG.match(dslug) or len(dslug) > 60:
        raise ValueError(f"{dwhere}: the name must be lower-case letters, digits, '-' or '_'.")
    if dslug in {d.slug for d in taken} or dslug in RESERVED_COLUMNS:
        raise ValueError(f"{dwhere}: '{dslug}' is used twice or is a reserved column name.")
    dlabel = dim.get("label", _label_from_slug(dslug))
    if not isinstance(dlabel, str) or not dlabel.strip():
        raise ValueError(f"{dwhere}: 'label' must be text.")
    cats = dim.get("categories")
    categories = None if cats is None else _categories(cats, dwhere)
    if categories:
        _listed_ranges(categories, dwhere, dlabel.strip())
    maximum = _maximum(dim.get("maximum"), dwhere, dlabel.strip())
    bands = _bands(dim.get("bands", []), dwhere, dlabel.strip(), maximum, categories)
    return DimensionSpec(dslug, dlabel.strip(), categories, bands, maximum)


def _listed_ranges(categories: tuple[str, ...], dwhere: str, label: str) -> None:
    """Listed categories that are all ages or ranges (with 'unknown') are one banding: none may
    name the same ages as another ('ten and under' is '0-10') or overlap one."""
    parsed = [(text, parse_range(text)) for text in categories]
    if any(rng is None for _, rng in parsed):
        return  # categories in words: nothing to compare
    where = f"{dwhere} ({label.lower()}) categories"
    seen: dict[str, str] = {}
    for text, rng in parsed:
        if rng.value in seen:
            raise ValueError(f"{where}: '{text}' is the same as '{seen[rng.value]}'.")
        seen[rng.value] = text
    clash = first_overlap([(text, rng) for text, rng in parsed if not rng.is_unknown])
    if clash:
        raise ValueError(
            f"{where}: '{clash[0]}' overlaps '{clash[2]}'; a breakdown's ranges may not overlap."
        )


def _maximum(value: Any, dwhere: str, label: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(
            f"{dwhere} ({label.lower()}): 'maximum' must be a whole number, where an open range "
            "such as 16+ ends (17 for under-18s)."
        )
    return value


def _bands(
    value: Any, dwhere: str, label: str, maximum: int | None, categories: tuple[str, ...] | None
) -> tuple[str, ...]:
    """The reporting bands, checked: each a number or range, none overlapping another, all
    inside 0..maximum, and only on a numeric breakdown."""
    if value in (None, []):
        return ()
    where = f"{dwhere} ({label.lower()}) bands"
    if not isinstance(value, list) or not all(isinstance(b, (str, int)) for b in value):
        raise ValueError(f'{where}: expected a list such as ["0-10", "11-15", "16-17"].')
    bands = tuple(str(b).strip() for b in value)
    if categories is not None and any(parse_range(c) is None for c in categories):
        raise ValueError(f"{where}: bands need a numeric breakdown (ages), not listed words.")
    problems = bands_problems(bands, maximum)
    if problems:
        raise ValueError(f"{where}: {problems[0]}")
    return bands


def _metric_slug(item: Any, where: str) -> str:
    if not isinstance(item, dict):
        raise ValueError(f"{where}: expected an object with slug and label.")
    extra = sorted(set(item) - {"slug", "label", "unit", "notes", "dimensions"})
    if extra:
        raise ValueError(f"{where}: unknown key '{extra[0]}'.")
    slug = item.get("slug")
    if not isinstance(slug, str) or not _SLUG.match(slug) or len(slug) > 80:
        raise ValueError(f"{where}: 'slug' must be lower-case letters, digits, '-' or '_'.")
    return slug


def _metric(item: dict, slug: str, where: str) -> MetricSpec:
    label = item.get("label")
    if not isinstance(label, str) or not label.strip():
        raise ValueError(f"{where}: 'label' must be non-empty text.")
    unit = item.get("unit", "offences")
    if not isinstance(unit, str) or not unit.strip():
        raise ValueError(f"{where}: 'unit' must be non-empty text.")
    notes = item.get("notes", "")
    if not isinstance(notes, str):
        raise ValueError(f"{where}: 'notes' must be text.")
    dims_raw = item.get("dimensions", [])
    if not isinstance(dims_raw, list):
        raise ValueError(f"{where}: 'dimensions' must be a list.")
    dims: list[DimensionSpec] = []
    for j, dim in enumerate(dims_raw, start=1):
        dims.append(_dimension(dim, f"{where} dimension {j}", dims))
    return MetricSpec(slug, label.strip(), unit.strip(), notes, tuple(dims))


def metrics_validate(value: Any) -> list[MetricSpec]:
    """The campaign JSON `metrics` list, checked. ValueError names the item that is wrong."""
    if not isinstance(value, list):
        raise ValueError('expected a list of {"slug", "label", "unit"?, "dimensions"?}.')
    specs: list[MetricSpec] = []
    seen: set[str] = set()
    for i, item in enumerate(value, start=1):
        slug = _metric_slug(item, f"item {i}")
        where = f"item {i} ('{slug}')"
        if slug in seen:
            raise ValueError(f"{where}: the slug is used twice.")
        seen.add(slug)
        specs.append(_metric(item, slug, where))
    return specs


def _save_dimension(metric: Metric, spec: DimensionSpec, position: int) -> Dimension:
    dim, _ = Dimension.objects.get_or_create(
        metric=metric,
        slug=spec.slug,
        defaults={"label": spec.label, "inferred": spec.categories is None, "position": position},
    )
    dim.label, dim.position, dim.inferred = spec.label, position, spec.categories is None
    dim.bands, dim.maximum = list(spec.bands), spec.maximum
    dim.save()
    if spec.categories:
        existing = {c.value.lower(): c for c in dim.categories.all()}
        for pos, text in enumerate(spec.categories):
            attrs = category_attrs(text)
            cat = existing.get(attrs["value"].lower()) or Category(
                dimension=dim, value=attrs["value"]
            )
            cat.label = text if attrs["value"] != UNKNOWN else "Unknown"
            cat.numeric_value, cat.is_unknown, cat.position = (
                attrs["numeric_value"],
                attrs["is_unknown"],
                pos,
            )
            cat.low, cat.high = attrs["low"], attrs["high"]
            cat.save()
    return dim


@transaction.atomic
def metric_save(*, campaign: Campaign, spec: MetricSpec, position: int | None = None) -> Metric:
    """Create or update (by slug) one metric with its dimensions. Existing categories are kept."""
    metric = Metric.objects.filter(campaign=campaign, slug=spec.slug).first()
    if metric is None:
        metric = Metric(campaign=campaign, slug=spec.slug)
        if position is None:
            position = campaign.metrics.count()
    metric.label, metric.unit, metric.notes = spec.label, spec.unit, spec.notes
    if position is not None:
        metric.position = position
    metric.save()
    for pos, dim in enumerate(spec.dimensions):
        _save_dimension(metric, dim, pos)
    # A metric's words, order and breakdowns are in its campaign's totals (issue 28).
    campaigns_data_changed(campaign_ids=[campaign.pk])
    return metric


def metrics_apply(campaign: Campaign, *, specs: list[MetricSpec]) -> None:
    """The campaign JSON's metrics, inside load_campaign's transaction
    (foi_tracker/campaign_json.py). Metrics not listed are kept."""
    for position, spec in enumerate(specs):
        metric_save(campaign=campaign, spec=spec, position=position)


def _same_breakdowns(metric: Metric, specs: tuple[DimensionSpec, ...]) -> bool:
    """Same names and listed categories (case aside): a relabelled breakdown is not a change."""

    def key(slug, categories):
        return (slug, tuple(c.casefold() for c in categories) if categories else None)

    current = [
        key(d.slug, None if d.inferred else [c.label or c.value for c in d.categories.all()])
        for d in metric.dimensions.all()
    ]
    return current == [key(s.slug, s.categories) for s in specs]


def campaign_metrics_sync(*, campaign: Campaign, actor, specs: list[MetricEdit]) -> None:
    """Make the campaign's metrics what the campaign form says, row by row, in its order: new
    rows added (their slugs made from their labels), rows ticked Remove removed, the others'
    words, order and breakdowns changed. A metric that figures use keeps its breakdowns and
    cannot be removed: ServiceError (field "metrics"), which rolls back the caller's
    transaction (foi_tracker/campaign_setup.py saves the campaign in the same one).

    `actor` is who saved the form; metric definitions keep no audit rows yet, so it is not
    recorded."""
    new_slugs: set[str] = set()
    for position, edit in enumerate(specs):
        metric = edit.metric
        if metric is not None and edit.remove:
            metric_remove(metric=metric)
            continue
        if not edit.label or edit.remove:
            continue
        if metric is None:
            slug = metric_slug_for(campaign, label=edit.label, taken=new_slugs)
            new_slugs.add(slug)
            metric_save(
                campaign=campaign,
                spec=MetricSpec(slug, edit.label, edit.unit, edit.notes, edit.dimensions),
                position=position,
            )
            continue
        if not _same_breakdowns(metric, edit.dimensions):
            metric_replace_dimensions(metric=metric, dimensions=edit.dimensions)
        else:
            _set_bands(metric, edit.dimensions)
        # No dimensions given: metric_save then changes only the words and the order.
        metric_save(
            campaign=campaign,
            spec=MetricSpec(metric.slug, edit.label, edit.unit, edit.notes),
            position=position,
        )


def _set_bands(metric: Metric, specs: tuple[DimensionSpec, ...]) -> None:
    """Bands and maximum are how totals are reported, not how figures are stored: they change
    even while figures use the metric."""
    by_slug = {spec.slug: spec for spec in specs}
    for dim in metric.dimensions.all():
        spec = by_slug.get(dim.slug)
        if spec is not None and (dim.bands != list(spec.bands) or dim.maximum != spec.maximum):
            dim.bands, dim.maximum = list(spec.bands), spec.maximum
            dim.save(update_fields=["bands", "maximum"])
            campaigns_data_changed(campaign_ids=[metric.campaign_id])


def campaign_metrics_copy(*, source: Campaign, campaign: Campaign, actor) -> None:
    """A campaign run again (requests_app/services/series.py, composed in foi_tracker/series.py):
    the same metrics, with their dimensions and listed categories; categories inferred from the
    data are not copied (the new answers bring their own). `actor` is not recorded: metric
    definitions keep no audit rows."""
    specs = [
        MetricSpec(
            slug=metric.slug,
            label=metric.label,
            unit=metric.unit,
            notes=metric.notes,
            dimensions=tuple(
                DimensionSpec(
                    dim.slug,
                    dim.label,
                    None
                    if dim.inferred
                    else tuple(c.label or c.value for c in dim.categories.all()),
                    tuple(dim.bands),
                    dim.maximum,
                )
                for dim in metric.dimensions.all()
            ),
        )
        for metric in source.metrics.prefetch_related("dimensions__categories")
    ]
    metrics_apply(campaign, specs=specs)


def dimension_spec_from_text(text: str) -> list[DimensionSpec]:
    """'Victim age' or 'Offence: rape, sexual assault, other' per line (the web form). The name
    becomes the label as typed; its slug (the column in files) is made from it."""
    dims = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        name, _, cats = line.partition(":")
        slug = slugify(name.strip()).replace("-", "_")
        if not slug:
            raise ValueError(f"'{line}': give the breakdown a name before the colon.")
        categories = tuple(c.strip() for c in cats.split(",") if c.strip()) or None
        label = name.strip() if name.strip() != slug else _label_from_slug(slug)
        dims.append(
            {
                "slug": slug,
                "label": label,
                **({"categories": list(categories)} if categories else {}),
            }
        )
    try:
        return metrics_validate([{"slug": "x", "label": "x", "dimensions": dims}])[0].dimensions
    except ValueError as exc:
        raise ValueError(_in_words(str(exc), dims)) from None


_ITEM = re.compile(r"item 1 \('x'\) dimension (\d+)(?: \([^)]*\))?:? ?(.*)", re.DOTALL)


def _in_words(message: str, dims: list[dict]) -> str:
    """A campaign JSON error ("item 1 ('x') dimension 2 (offence) categories: ...") as the form
    says it: the breakdown by the name typed ("Offence categories: ...")."""
    match = _ITEM.match(message)
    if match is None:
        return message
    label, rest = dims[int(match[1]) - 1]["label"], match[2]
    return f"{label} {rest}" if rest.startswith(("categories", "bands")) else f"{label}: {rest}"


_MAXIMUM = re.compile(r"[;,(]?\s*\bmaximum\s+(\S+?)\s*\)?\s*$", re.IGNORECASE)


def bands_from_text(text: str, dimensions: tuple[DimensionSpec, ...]) -> tuple[DimensionSpec, ...]:
    """The campaign form's "Reported in bands" lines, 'Victim age: 0-10, 11-15, 16-17 (maximum
    17)', set on the breakdowns they name (by label or column name). ValueError names the
    breakdown as a person reads it."""
    by_name = {d.label.casefold(): d for d in dimensions} | {d.slug: d for d in dimensions}
    found: dict[str, DimensionSpec] = {}
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        name, colon, rest = line.partition(":")
        spec = by_name.get(name.strip().casefold())
        if not colon or spec is None:
            names = ", ".join(d.label for d in dimensions) or "none"
            raise ValueError(
                f"'{line}': start with the breakdown and a colon ('Victim age: 0-10, 11-15'); "
                f"this metric's breakdowns are: {names}."
            )
        if spec.slug in found:
            raise ValueError(f"{spec.label}: bands are given twice.")
        maximum, rest = _maximum_in_words(rest, spec.label)
        bands = [b.strip() for b in rest.split(",") if b.strip()]
        dim = {"slug": spec.slug, "label": spec.label, "bands": bands, "maximum": maximum}
        if spec.categories is not None:
            dim["categories"] = list(spec.categories)
        try:
            found[spec.slug] = _dimension(dim, "x", [])
        except ValueError as exc:
            message = str(exc).removeprefix(f"x ({spec.label.lower()}) ")
            raise ValueError(f"{spec.label} {message}") from None
    return tuple(found.get(d.slug, d) for d in dimensions)


def _maximum_in_words(rest: str, label: str) -> tuple[int | None, str]:
    match = _MAXIMUM.search(rest)
    if match is None:
        return None, rest
    if not match.group(1).isdigit():
        raise ValueError(f"{label}: the maximum must be a whole number, e.g. (maximum 17).")
    return int(match.group(1)), rest[: match.start()]


def bands_text(metric: Metric) -> str:
    """The metric's bands as the campaign form shows them (bands_from_text reads them back)."""
    lines = []
    for dim in metric.dimensions.all():
        if dim.bands or dim.maximum is not None:
            line = f"{dim.label}: {', '.join(dim.bands)}"
            if dim.maximum is not None:
                line += f" (maximum {dim.maximum})"
            lines.append(line.replace(":  (", ": ("))
    return "\n".join(lines)


def metric_slug_for(campaign: Campaign, *, label: str, taken: set[str] = frozenset()) -> str:
    """A new metric's slug (its column value in files and the API), made from its label and
    unique in the campaign; `taken` holds slugs being added in the same form."""
    base = slugify(label)[:70].strip("-") or "metric"
    used = set(campaign.metrics.values_list("slug", flat=True)) | set(taken)
    slug, n = base, 2
    while slug in used:
        slug, n = f"{base}-{n}", n + 1
    return slug


def metric_in_use(metric: Metric) -> int:
    """How many figures use the metric: while any do, it cannot be removed or re-broken-down."""
    return metric.figures.count()


@transaction.atomic
def metric_replace_dimensions(*, metric: Metric, dimensions: tuple[DimensionSpec, ...]) -> None:
    """Set a metric's breakdowns to exactly these. Refused once figures use the metric (their
    categories would be orphaned)."""
    current = [(d.slug, d.label, d.categories) for d in dimensions]
    if metric_in_use(metric):
        raise ServiceError(
            f"'{metric.label}': figures use this metric, so its breakdowns cannot change.",
            "metrics",
        )
    metric.dimensions.exclude(slug__in=[slug for slug, *_ in current]).delete()
    for position, spec in enumerate(dimensions):
        dim = _save_dimension(metric, spec, position)
        if spec.categories:
            keep = {category_attrs(text)["value"].lower() for text in spec.categories}
            for category in dim.categories.all():
                if category.value.lower() not in keep:
                    category.delete()
    campaigns_data_changed(campaign_ids=[metric.campaign_id])


@transaction.atomic
def metric_remove(*, metric: Metric) -> None:
    n = metric_in_use(metric)
    if n:
        raise ServiceError(
            f"'{metric.label}' cannot be removed: {plural(n, 'figure')} "
            f"{'uses' if n == 1 else 'use'} it.",
            "metrics",
        )
    campaigns_data_changed(campaign_ids=[metric.campaign_id])
    metric.delete()
