"""Writes: metrics, figures (entry grid and import share one path), review, history.

Every change to a figure writes a FigureChange row in the same transaction, and a change to any
figure of a request puts that request's figures back to "awaiting review".
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from figures_app.models import (
    UNKNOWN,
    Category,
    Dimension,
    Figure,
    FigureChange,
    FigureImport,
    FigureReview,
    Kind,
    Metric,
    ReviewEvent,
    ReviewState,
)
from figures_app.values import Parsed
from requests_app.models import Campaign, FoiRequest, Period
from requests_app.roles import can_edit, can_review
from requests_app.services.errors import ServiceError

_UNKNOWN_WORDS = {UNKNOWN, "not known", "not recorded", "unrecorded", "n/k", "nk", "age unknown"}
_SLUG = re.compile(r"^[a-z0-9][-a-z0-9_]*$")


# --- metric definitions --------------------------------------------------------------------


@dataclass(frozen=True)
class DimensionSpec:
    slug: str
    label: str
    categories: tuple[str, ...] | None  # None: inferred from the data (numbers, then unknown)


@dataclass(frozen=True)
class MetricSpec:
    slug: str
    label: str
    unit: str = "offences"
    notes: str = ""
    dimensions: tuple[DimensionSpec, ...] = ()


def _label_from_slug(slug: str) -> str:
    return slug.replace("_", " ").replace("-", " ").capitalize()


def metrics_validate(value: Any) -> list[MetricSpec]:
    """The campaign JSON `metrics` list, checked. ValueError names the item that is wrong."""
    if not isinstance(value, list):
        raise ValueError('expected a list of {"slug", "label", "unit"?, "dimensions"?}.')
    specs: list[MetricSpec] = []
    seen: set[str] = set()
    for i, item in enumerate(value, start=1):
        where = f"item {i}"
        if not isinstance(item, dict):
            raise ValueError(f"{where}: expected an object with slug and label.")
        extra = sorted(set(item) - {"slug", "label", "unit", "notes", "dimensions"})
        if extra:
            raise ValueError(f"{where}: unknown key '{extra[0]}'.")
        slug = item.get("slug")
        if not isinstance(slug, str) or not _SLUG.match(slug) or len(slug) > 80:
            raise ValueError(f"{where}: 'slug' must be lower-case letters, digits, '-' or '_'.")
        where = f"item {i} ('{slug}')"
        if slug in seen:
            raise ValueError(f"{where}: the slug is used twice.")
        seen.add(slug)
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
            dwhere = f"{where} dimension {j}"
            if isinstance(dim, str):
                dim = {"slug": dim}
            if not isinstance(dim, dict):
                raise ValueError(f'{dwhere}: expected a name or {{"slug", "categories"?}}.')
            extra = sorted(set(dim) - {"slug", "label", "categories"})
            if extra:
                raise ValueError(f"{dwhere}: unknown key '{extra[0]}'.")
            dslug = dim.get("slug")
            if not isinstance(dslug, str) or not _SLUG.match(dslug) or len(dslug) > 60:
                raise ValueError(
                    f"{dwhere}: the name must be lower-case letters, digits, '-' or '_'."
                )
            if dslug in {d.slug for d in dims} or dslug in RESERVED_COLUMNS:
                raise ValueError(f"{dwhere}: '{dslug}' is used twice or is a reserved column name.")
            dlabel = dim.get("label", _label_from_slug(dslug))
            if not isinstance(dlabel, str) or not dlabel.strip():
                raise ValueError(f"{dwhere}: 'label' must be text.")
            cats = dim.get("categories")
            if cats is not None:
                if not isinstance(cats, list) or not cats:
                    raise ValueError(f"{dwhere}: 'categories' must be a non-empty list.")
                clean = []
                for k, cat in enumerate(cats, start=1):
                    if isinstance(cat, bool) or not isinstance(cat, (str, int)):
                        raise ValueError(f"{dwhere} category {k}: expected text or a whole number.")
                    text = str(cat).strip()
                    if not text or len(text) > 60:
                        raise ValueError(f"{dwhere} category {k}: empty or too long.")
                    if text.lower() in {c.lower() for c in clean}:
                        raise ValueError(f"{dwhere}: category '{text}' is listed twice.")
                    clean.append(text)
                cats = tuple(clean)
            dims.append(DimensionSpec(dslug, dlabel.strip(), cats))
        specs.append(MetricSpec(slug, label.strip(), unit.strip(), notes, tuple(dims)))
    return specs


# Column names of the tidy format that a dimension may not take.
RESERVED_COLUMNS = {"force", "period", "metric", "value", "status", "note"}


def _category_attrs(text: str) -> dict:
    low = text.strip().lower()
    if low in _UNKNOWN_WORDS:
        return {"value": UNKNOWN, "numeric_value": None, "is_unknown": True}
    if re.fullmatch(r"\d+", low):
        return {"value": str(int(low)), "numeric_value": int(low), "is_unknown": False}
    return {"value": text.strip(), "numeric_value": None, "is_unknown": False}


def _save_dimension(metric: Metric, spec: DimensionSpec, position: int) -> Dimension:
    dim, _ = Dimension.objects.get_or_create(
        metric=metric,
        slug=spec.slug,
        defaults={"label": spec.label, "inferred": spec.categories is None, "position": position},
    )
    dim.label, dim.position, dim.inferred = spec.label, position, spec.categories is None
    dim.save()
    if spec.categories:
        existing = {c.value.lower(): c for c in dim.categories.all()}
        for pos, text in enumerate(spec.categories):
            attrs = _category_attrs(text)
            cat = existing.get(attrs["value"].lower()) or Category(
                dimension=dim, value=attrs["value"]
            )
            cat.label = text if attrs["value"] != UNKNOWN else "Unknown"
            cat.numeric_value, cat.is_unknown, cat.position = (
                attrs["numeric_value"],
                attrs["is_unknown"],
                pos,
            )
            cat.save()
    return dim


@transaction.atomic
def metric_save(
    *, campaign: Campaign, spec: MetricSpec, actor=None, position: int | None = None
) -> Metric:
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
    return metric


def metrics_apply(
    campaign: Campaign, specs: list[MetricSpec], *, actor=None, update: bool = False
) -> None:
    """Campaign JSON hook: runs inside load_campaign's transaction. Metrics not listed are kept."""
    for position, spec in enumerate(specs):
        metric_save(campaign=campaign, spec=spec, actor=actor, position=position)


def dimension_spec_from_text(text: str) -> list[DimensionSpec]:
    """'victim_age' or 'offence: rape, sexual assault, other' per line (the web form)."""
    dims = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        name, _, cats = line.partition(":")
        slug = slugify(name.strip()).replace("-", "_")
        categories = tuple(c.strip() for c in cats.split(",") if c.strip()) or None
        dims.append({"slug": slug, **({"categories": list(categories)} if categories else {})})
    return metrics_validate([{"slug": "x", "label": "x", "dimensions": dims}])[0].dimensions


# --- categories ---------------------------------------------------------------------------


@dataclass(frozen=True)
class CategoryRef:
    """A category named in input; `category` is None until an inferred one is created."""

    dimension: Dimension
    value: str
    numeric_value: int | None
    is_unknown: bool
    category: Category | None


class CategoryIndex:
    """Dimensions and categories of a campaign's metrics, loaded in two queries."""

    def __init__(self, campaign: Campaign) -> None:
        self.dimensions: dict[int, list[Dimension]] = {}
        self.by_value: dict[int, dict[str, Category]] = {}
        self.by_id: dict[int, Category] = {}
        dims = list(
            Dimension.objects.filter(metric__campaign=campaign).order_by("metric", "position", "pk")
        )
        for dim in dims:
            self.dimensions.setdefault(dim.metric_id, []).append(dim)
            self.by_value[dim.pk] = {}
        for cat in Category.objects.filter(dimension__in=dims).select_related("dimension"):
            self.add(cat)

    def add(self, cat: Category) -> None:
        self.by_id[cat.pk] = cat
        index = self.by_value.setdefault(cat.dimension_id, {})
        index[cat.value.lower()] = cat
        if cat.label:
            index.setdefault(cat.label.lower(), cat)

    def resolve(self, dimension: Dimension, raw) -> CategoryRef:
        if isinstance(raw, float) and raw.is_integer():
            raw = int(raw)
        text = str(raw).strip()
        attrs = _category_attrs(text)
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

    def ensure(self, refs: Iterable[CategoryRef]) -> None:
        """Create the inferred categories not yet in the database."""
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
        parts = [metric.slug, period.label]
        for pk in filter(None, key.split(".")):
            cat = self.by_id.get(int(pk))
            if cat:
                parts.append(f"{cat.dimension.slug}={cat.value}")
        return " / ".join(parts) if key else " / ".join(parts + ["total"])


def category_key(categories: Sequence[Category]) -> str:
    """'' for the total; else category ids in dimension order joined by '.'."""
    ordered = sorted(categories, key=lambda c: (c.dimension.position, c.dimension_id))
    return ".".join(str(c.pk) for c in ordered)


# --- figures ------------------------------------------------------------------------------

KEEP = object()


@dataclass
class CellInput:
    """One cell to set. parsed=None deletes the figure; note/attachment/location KEEP by default."""

    request: FoiRequest
    metric: Metric
    period: Period
    categories: tuple[CategoryRef, ...] = ()
    parsed: Parsed | None = None
    note: Any = KEEP
    attachment_id: Any = KEEP
    location: Any = KEEP
    source: str = ""


@dataclass
class ApplyResult:
    created: int = 0
    changed: int = 0
    deleted: int = 0
    unchanged: int = 0
    requests: set[int] = field(default_factory=set)
    changed_requests: set[int] = field(default_factory=set)

    @property
    def written(self) -> int:
        return self.created + self.changed + self.deleted


def _new_state(old: Figure | None, cell: CellInput, law: str) -> dict | None:
    if cell.parsed is None:
        return None
    p = cell.parsed
    exemption = p.exemption
    if exemption and ":" not in exemption:
        exemption = f"{law}:{exemption}"
    state = {
        "kind": p.kind,
        "value": p.value,
        "lower": p.lower,
        "upper": p.upper,
        "raw_text": p.raw_text[:200],
        "exemption": exemption,
        "note": old.note if old else "",
        "attachment": old.attachment_id if old else None,
        "location": old.location if old else "",
    }
    if p.kind == Kind.REFUSED and not exemption and old is not None and old.kind == Kind.REFUSED:
        state["exemption"] = old.exemption
    if cell.note is not KEEP:
        state["note"] = cell.note or ""
    if cell.attachment_id is not KEEP:
        state["attachment"] = cell.attachment_id
    if cell.location is not KEEP:
        state["location"] = (cell.location or "")[:200]
    return state


def _display(state: dict | None) -> str:
    if state is None:
        return ""
    kind = state["kind"]
    if kind == Kind.REPORTED:
        return f"{state['value']:,}"
    if kind == Kind.SUPPRESSED:
        return f"{state['raw_text'] or '*'} ({state['lower']}-{state['upper']})"
    text = Kind(kind).label.lower()
    return f"{text} ({state['exemption']})" if state.get("exemption") else text


_FIELDS = ["kind", "value", "lower", "upper", "raw_text", "exemption", "note", "location"]


def plan_cells(cells: Sequence[CellInput], index: CategoryIndex) -> dict:
    """Compare cells with what is stored, without writing. Keys are resolved for known categories;
    cells naming a category not yet created are always "created"."""
    existing = _existing(cells)
    plan = {"created": [], "changed": [], "unchanged": [], "deleted": []}
    for cell in cells:
        if any(ref.category is None for ref in cell.categories):
            plan["created" if cell.parsed else "unchanged"].append(cell)
            continue
        key = category_key([index.category_of(r) for r in cell.categories])
        old = existing.get((cell.request.pk, cell.metric.pk, cell.period.pk, key))
        new = _new_state(old, cell, cell.request.force.law)
        if old is None:
            plan["created" if new else "unchanged"].append(cell)
        elif new is None:
            plan["deleted"].append(cell)
        elif new == old.state():
            plan["unchanged"].append(cell)
        else:
            plan["changed"].append(cell)
    return plan


def _existing(cells: Sequence[CellInput]) -> dict[tuple, Figure]:
    request_ids = {c.request.pk for c in cells}
    metric_ids = {c.metric.pk for c in cells}
    period_ids = {c.period.pk for c in cells}
    if not cells:
        return {}
    return {
        (f.request_id, f.metric_id, f.period_id, f.category_key): f
        for f in Figure.objects.filter(
            request_id__in=request_ids, metric_id__in=metric_ids, period_id__in=period_ids
        )
    }


def _mark_pending(request_ids: Iterable[int], actor, comment: str) -> None:
    ids = sorted(set(request_ids))
    if not ids:
        return
    now = timezone.now()
    reviews = {
        r.request_id: r for r in FigureReview.objects.select_for_update().filter(request_id__in=ids)
    }
    new, changed = [], []
    for request_id in ids:
        review = reviews.get(request_id)
        if review is None:
            new.append(
                FigureReview(
                    request_id=request_id,
                    state=ReviewState.PENDING,
                    submitted_by=actor,
                    submitted_at=now,
                )
            )
            continue
        review.state, review.submitted_by, review.submitted_at = ReviewState.PENDING, actor, now
        changed.append(review)
    FigureReview.objects.bulk_create(new)
    FigureReview.objects.bulk_update(changed, ["state", "submitted_by", "submitted_at"])
    ReviewEvent.objects.bulk_create(
        ReviewEvent(
            request_id=rid, action=ReviewEvent.Action.SUBMITTED, actor=actor, comment=comment
        )
        for rid in ids
    )


@transaction.atomic
def figures_apply(
    *,
    campaign: Campaign,
    actor,
    cells: Sequence[CellInput],
    index: CategoryIndex | None = None,
    approve: bool = False,
    summary: str = "",
) -> ApplyResult:
    """Set many cells at once, all or nothing. Unchanged cells write nothing (re-imports are
    no-ops); each change writes a history row; requests with changes go back to review.

    actor=None is the command line (someone with shell access): figures are recorded as
    entered by nobody in particular and always wait for a reviewer."""
    if actor is not None and not can_edit(actor):
        raise ServiceError("You need the staff role to enter figures.")
    if approve and (actor is None or not can_review(actor)):
        raise ServiceError("Approving figures needs the reviewer role.")
    index = index or CategoryIndex(campaign)
    for cell in cells:
        if cell.request.campaign_id != campaign.pk or cell.metric.campaign_id != campaign.pk:
            raise ServiceError("A figure does not belong to this campaign.")
    index.ensure(ref for cell in cells for ref in cell.categories)
    existing = _existing(cells)
    result = ApplyResult()
    creates: list[tuple[Figure, CellInput, str]] = []
    updates: list[tuple[Figure, dict, dict, CellInput, str]] = []
    deletes: list[tuple[Figure, CellInput, str]] = []
    seen: set[tuple] = set()
    for cell in cells:
        cats = [index.category_of(r) for r in cell.categories]
        key = category_key(cats)
        ident = (cell.request.pk, cell.metric.pk, cell.period.pk, key)
        if ident in seen:
            raise ServiceError(
                f"The cell {index.cell_name(cell.metric, cell.period, key)} is given twice."
            )
        seen.add(ident)
        result.requests.add(cell.request.pk)
        old = existing.get(ident)
        new = _new_state(old, cell, cell.request.force.law)
        if old is None and new is None:
            continue
        if old is None:
            fig = Figure(
                request=cell.request,
                metric=cell.metric,
                period=cell.period,
                category_key=key,
                category=cats[0] if len(cats) == 1 else None,
                entered_by=actor,
                updated_by=actor,
                attachment_id=new.pop("attachment"),
                **new,
            )
            creates.append((fig, cell, key))
        elif new is None:
            deletes.append((old, cell, key))
        else:
            before = old.state()
            if new == before:
                result.unchanged += 1
                continue
            attachment = new.pop("attachment")
            for name, val in new.items():
                setattr(old, name, val)
            old.attachment_id = attachment
            old.updated_by = actor
            updates.append((old, before, old.state(), cell, key))
    now = timezone.now()
    Figure.objects.bulk_create([fig for fig, _, _ in creates])
    for fig, _, _, _, _ in updates:
        fig.updated_at = now
    Figure.objects.bulk_update(
        [u[0] for u in updates], _FIELDS + ["attachment", "updated_by", "updated_at"]
    )

    def change(fig, cell, key, action, *, old=None, new=None, keep_figure=True):
        return FigureChange(
            figure=fig if keep_figure else None,
            request_id=fig.request_id,
            metric_id=fig.metric_id,
            period_id=fig.period_id,
            category_key=key,
            cell=index.cell_name(cell.metric, cell.period, key),
            action=action,
            old=old,
            new=new,
            old_display=_display(old) if old is not None else "",
            new_display=_display(new) if new is not None else "",
            source=cell.source[:300],
            actor=actor,
        )

    history = [
        *(
            change(fig, cell, key, FigureChange.Action.CREATED, new=fig.state())
            for fig, cell, key in creates
        ),
        *(
            change(fig, cell, key, FigureChange.Action.CHANGED, old=before, new=after)
            for fig, before, after, cell, key in updates
        ),
        *(
            change(fig, cell, key, FigureChange.Action.DELETED, old=fig.state(), keep_figure=False)
            for fig, cell, key in deletes
        ),
    ]
    if deletes:
        Figure.objects.filter(pk__in=[fig.pk for fig, _, _ in deletes]).delete()
    FigureChange.objects.bulk_create(history)
    result.created, result.changed, result.deleted = len(creates), len(updates), len(deletes)
    result.changed_requests = {fig.request_id for fig, *_ in creates + updates + deletes}
    if result.changed_requests:
        _mark_pending(result.changed_requests, actor, summary or "Figures changed.")
        # A request whose last figure was deleted has nothing to review.
        FigureReview.objects.filter(
            request_id__in=result.changed_requests, request__figures__isnull=True
        ).delete()
    if approve:
        _approve(result.requests, actor, comment=summary or "Approved on import.")
    return result


@transaction.atomic
def figure_update(
    *,
    figure_id: int,
    actor,
    parsed: Parsed | None,
    note: str,
    attachment_id: int | None,
    location: str,
) -> ApplyResult:
    """Change one figure's value, note or provenance (the figure's own edit page)."""
    fig = Figure.objects.select_related(
        "request__force", "request__campaign", "metric", "period"
    ).get(pk=figure_id)
    index = CategoryIndex(fig.request.campaign)
    refs = tuple(
        CategoryRef(c.dimension, c.value, c.numeric_value, c.is_unknown, c)
        for c in (index.by_id[int(pk)] for pk in fig.category_key.split(".") if pk)
    )
    if attachment_id is not None and not fig.request.attachments.filter(pk=attachment_id).exists():
        raise ServiceError("That attachment belongs to another request.", "attachment")
    cell = CellInput(
        request=fig.request,
        metric=fig.metric,
        period=fig.period,
        categories=refs,
        parsed=parsed,
        note=note,
        attachment_id=attachment_id,
        location=location,
        source="figure edit",
    )
    return figures_apply(campaign=fig.request.campaign, actor=actor, cells=[cell], index=index)


# --- review -------------------------------------------------------------------------------


def _own_figures(request_id: int, actor) -> bool:
    from django.db.models import Q

    return (
        Figure.objects.filter(request_id=request_id)
        .filter(Q(entered_by=actor) | Q(updated_by=actor))
        .exists()
    )


def _approve(request_ids: Iterable[int], actor, comment: str) -> None:
    ids = sorted(set(request_ids))
    now = timezone.now()
    existing = {
        r.request_id: r for r in FigureReview.objects.select_for_update().filter(request_id__in=ids)
    }
    new = [
        FigureReview(request_id=rid, submitted_by=actor, submitted_at=now)
        for rid in ids
        if rid not in existing
    ]
    FigureReview.objects.bulk_create(new)
    FigureReview.objects.filter(request_id__in=ids).update(
        state=ReviewState.APPROVED, reviewed_by=actor, reviewed_at=now, comment=""
    )
    ReviewEvent.objects.bulk_create(
        ReviewEvent(
            request_id=rid, action=ReviewEvent.Action.APPROVED, actor=actor, comment=comment
        )
        for rid in ids
    )


def _lock_review(request_id: int) -> FigureReview:
    review = FigureReview.objects.select_for_update().filter(request_id=request_id).first()
    if review is None or not Figure.objects.filter(request_id=request_id).exists():
        raise ServiceError("This request has no figures to review.")
    return review


@transaction.atomic
def figures_approve(*, request_id: int, actor, comment: str = "") -> FigureReview:
    """A reviewer approves a request's figures. Not their own, unless the team allows it."""
    if not can_review(actor):
        raise ServiceError("You need the reviewer role to approve figures.")
    review = _lock_review(request_id)
    if review.state != ReviewState.PENDING:
        raise ServiceError(
            f"These figures are {review.get_state_display().lower()}, not awaiting review."
        )
    if not settings.FIGURES_ALLOW_SELF_APPROVAL and _own_figures(request_id, actor):
        raise ServiceError(
            "You entered or changed some of these figures; another reviewer must approve them."
        )
    _approve([request_id], actor, comment)
    review.refresh_from_db()
    return review


@transaction.atomic
def figures_send_back(*, request_id: int, actor, comment: str) -> FigureReview:
    if not can_review(actor):
        raise ServiceError("You need the reviewer role to send figures back.")
    if not comment.strip():
        raise ServiceError("Say what needs correcting.", "comment")
    review = _lock_review(request_id)
    if review.state != ReviewState.PENDING:
        raise ServiceError(
            f"These figures are {review.get_state_display().lower()}, not awaiting review."
        )
    review.state, review.comment = ReviewState.SENT_BACK, comment.strip()
    review.reviewed_by, review.reviewed_at = actor, timezone.now()
    review.save(update_fields=["state", "comment", "reviewed_by", "reviewed_at"])
    ReviewEvent.objects.create(
        request_id=request_id,
        action=ReviewEvent.Action.SENT_BACK,
        actor=actor,
        comment=comment.strip(),
    )
    return review


@transaction.atomic
def figures_resubmit(*, request_id: int, actor) -> FigureReview:
    """Put sent-back figures back in the queue without changing them (e.g. the force confirmed)."""
    if not can_edit(actor):
        raise ServiceError("You need the staff role to resubmit figures.")
    review = _lock_review(request_id)
    if review.state != ReviewState.SENT_BACK:
        raise ServiceError("Only figures sent back can be resubmitted.")
    _mark_pending([request_id], actor, "Resubmitted without changes.")
    review.refresh_from_db()
    return review


def figure_import_stage(*, campaign: Campaign, actor, filename: str, data: bytes) -> FigureImport:
    """Keep an uploaded file between its preview and the confirm that applies it."""
    if not can_edit(actor):
        raise ServiceError("You need the staff role to import figures.")
    return FigureImport.objects.create(
        campaign=campaign, filename=PurePath(filename).name[:255], data=data, uploaded_by=actor
    )
