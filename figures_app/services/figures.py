"""Figure writes: the entry grid and one figure's edit page share one path, `figures_apply`;
imports, up to hundreds of thousands of rows, take the bulk path, `figures_import_bulk`, with the
same rules. Every change writes a FigureChange row (who, when, old -> new) in the same
transaction, and a change to any figure of a request puts its figures back to awaiting review.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from figures_app.categories import (
    CategoryIndex,
    CategoryRef,
    answer_overlaps,
    category_key,
    dimension_name,
    refs_label,
)
from figures_app.models import Figure, FigureChange, FigureReview, Metric, describe_figure
from figures_app.services.figure_rows import BulkFigure, kept_exemption, write_rows
from figures_app.services.responses_from_figures import responses_record_from_figures
from figures_app.services.review import _approve, mark_pending
from figures_app.values import Parsed
from requests_app.models import Campaign, FoiRequest, Period
from requests_app.roles import can_edit, can_review
from requests_app.services.errors import ServiceError

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser

KEEP = object()
MAX_LOCATION = Figure._meta.get_field("location").max_length


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
    # The categories as the force wrote them (Figure.category_label); KEEP takes the refs'.
    category_label: Any = KEEP


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
        "raw_text": p.raw_text,
        "exemption": exemption,
        "note": old.note if old else "",
        "attachment": old.attachment_id if old else None,
        "location": old.location if old else "",
    }
    if old is not None:
        state["exemption"] = kept_exemption(
            kind=p.kind, exemption=exemption, old_kind=old.kind, old_exemption=old.exemption
        )
    if cell.note is not KEEP:
        state["note"] = cell.note or ""
    if cell.attachment_id is not KEEP:
        state["attachment"] = cell.attachment_id
    if cell.location is not KEEP:
        location = cell.location or ""
        if len(location) > MAX_LOCATION:
            # Refused, never cut: a cut value would differ on every re-import.
            raise ServiceError(
                f"The location is {len(location):,} characters; at most {MAX_LOCATION}.",
                "location",
            )
        state["location"] = location
    return state


_FIELDS = ["kind", "value", "lower", "upper", "raw_text", "exemption", "note", "location"]


def plan_cells(*, cells: Sequence[CellInput], index: CategoryIndex) -> dict:
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


def _check_actor(actor: AbstractBaseUser | None, approve: bool) -> None:
    if actor is not None and not can_edit(actor):
        raise ServiceError("You need the staff role to enter figures.")
    if approve and (actor is None or not can_review(actor)):
        raise ServiceError("Approving figures needs the reviewer role.")


@dataclass
class _Writes:
    """What applying the cells writes: new figures, changed ones (with their state before and
    after) and deleted ones, each with its cell and category key."""

    creates: list[tuple[Figure, CellInput, str]] = field(default_factory=list)
    updates: list[tuple[Figure, dict, dict, CellInput, str]] = field(default_factory=list)
    deletes: list[tuple[Figure, CellInput, str]] = field(default_factory=list)
    # Every stored figure of the cells' requests, metrics and periods (read once).
    stored: list[Figure] = field(default_factory=list)


@transaction.atomic
def figures_apply(
    *,
    campaign: Campaign,
    actor: AbstractBaseUser | None,
    cells: Sequence[CellInput],
    index: CategoryIndex | None = None,
    approve: bool = False,
    summary: str = "",
    answered_on: Mapping[int, date] | None = None,
) -> ApplyResult:
    """Set many cells at once, all or nothing. Unchanged cells write nothing (re-imports are
    no-ops); each change writes a history row; requests with changes go back to review.
    `answered_on` (request id -> date): when the force answered, for a request whose response
    the figures record (responses_record_from_figures).

    actor=None is the command line (someone with shell access): figures are recorded as
    entered by nobody in particular and always wait for a reviewer."""
    _check_actor(actor, approve)
    index = index or CategoryIndex(campaign)
    for cell in cells:
        if cell.request.campaign_id != campaign.pk or cell.metric.campaign_id != campaign.pk:
            raise ServiceError("A figure does not belong to this campaign.")
    index.ensure(ref for cell in cells for ref in cell.categories)
    result = ApplyResult()
    writes = _sort_cells(cells, index=index, actor=actor, result=result)
    _refuse_overlaps(writes, index=index)
    _write(writes, index=index, actor=actor)
    result.created = len(writes.creates)
    result.changed = len(writes.updates)
    result.deleted = len(writes.deletes)
    written = writes.creates + writes.updates + writes.deletes
    result.changed_requests = {fig.request_id for fig, *_ in written}
    if result.changed_requests:
        mark_pending(
            request_ids=result.changed_requests, actor=actor, comment=summary or "Figures changed."
        )
        # A request whose last figure was deleted has nothing to review.
        FigureReview.objects.filter(
            request_id__in=result.changed_requests, request__figures__isnull=True
        ).delete()
    if approve:
        _approve(result.requests, actor, comment=summary or "Approved on import.")
    if writes.creates or writes.updates:
        responses_record_from_figures(
            campaign=campaign,
            actor=actor,
            request_ids={fig.request_id for fig, *_ in writes.creates + writes.updates},
            answered_on=answered_on,
        )
    return result


def _sort_cells(
    cells: Sequence[CellInput],
    *,
    index: CategoryIndex,
    actor: AbstractBaseUser | None,
    result: ApplyResult,
) -> _Writes:
    """Compare each cell with its stored figure: what to create, change or delete (model
    objects, changed in memory, not yet saved). Counts unchanged cells and the requests named
    in `result`; a cell given twice is refused."""
    existing = _existing(cells)
    writes = _Writes(stored=list(existing.values()))
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
        if old is None and new is not None:
            fig = Figure(
                request=cell.request,
                metric=cell.metric,
                period=cell.period,
                category_key=key,
                category=cats[0] if len(cats) == 1 else None,
                category_label=(
                    refs_label(cell.categories)
                    if cell.category_label is KEEP
                    else cell.category_label
                ),
                entered_by=actor,
                updated_by=actor,
                attachment_id=new.pop("attachment"),
                **new,
            )
            writes.creates.append((fig, cell, key))
        elif old is not None and new is None:
            writes.deletes.append((old, cell, key))
        elif old is not None and new == old.state():
            result.unchanged += 1
        elif old is not None:
            before = old.state()
            old.attachment_id = new.pop("attachment")
            for name, val in new.items():
                setattr(old, name, val)
            old.updated_by = actor
            writes.updates.append((old, before, old.state(), cell, key))
    return writes


def _refuse_overlaps(writes: _Writes, *, index: CategoryIndex) -> None:
    """Ranges of one force's answer may not overlap ('11-15' beside '0-12' counts 11 and 12
    twice): the figures stored for the cells' answers, less those deleted, then those created
    (only a new figure is refused: an edit of figures stored before ranges existed is not)."""
    gone = {fig.pk for fig, _, _ in writes.deletes}
    answers = {(fig.request_id, fig.metric_id, fig.period_id) for fig, *_ in writes.creates}
    if not answers:
        return
    cells = [
        ("stored", (f.request_id, f.metric_id, f.period_id), f.category_key)
        for f in writes.stored
        if f.category_key
        and f.pk not in gone
        and (f.request_id, f.metric_id, f.period_id) in answers
    ]
    cells += [
        ("new", (f.request_id, f.metric_id, f.period_id), key) for f, _, key in writes.creates
    ]
    for where, cat, _, before in answer_overlaps(index, cells):
        if where != "new":
            continue
        raise ServiceError(
            f"The {dimension_name(cat.dimension)} {cat.value} overlaps {before.value} in the "
            "same answer (same force, period and measure): a force's ranges may not overlap."
        )


def _write(writes: _Writes, *, index: CategoryIndex, actor: AbstractBaseUser | None) -> None:
    """Save the sorted figures and their history rows: a statement per kind of write."""
    now = timezone.now()
    Figure.objects.bulk_create([fig for fig, _, _ in writes.creates])
    for fig, *_ in writes.updates:
        fig.updated_at = now
    Figure.objects.bulk_update(
        [fig for fig, *_ in writes.updates], _FIELDS + ["attachment", "updated_by", "updated_at"]
    )
    Action = FigureChange.Action
    history = [
        *(
            _history_row(fig, cell, key, Action.CREATED, index, actor, new=fig.state())
            for fig, cell, key in writes.creates
        ),
        *(
            _history_row(fig, cell, key, Action.CHANGED, index, actor, old=before, new=after)
            for fig, before, after, cell, key in writes.updates
        ),
        *(
            _history_row(fig, cell, key, Action.DELETED, index, actor, old=fig.state())
            for fig, cell, key in writes.deletes
        ),
    ]
    if writes.deletes:
        Figure.objects.filter(pk__in=[fig.pk for fig, _, _ in writes.deletes]).delete()
    FigureChange.objects.bulk_create(history)


def _history_row(
    fig: Figure,
    cell: CellInput,
    key: str,
    action: str,
    index: CategoryIndex,
    actor: AbstractBaseUser | None,
    *,
    old: dict | None = None,
    new: dict | None = None,
) -> FigureChange:
    return FigureChange(
        # A deleted figure's history outlives it: the row names the cell, not the figure.
        figure=None if action == FigureChange.Action.DELETED else fig,
        request_id=fig.request_id,
        metric_id=fig.metric_id,
        period_id=fig.period_id,
        category_key=key,
        cell=index.cell_name(cell.metric, cell.period, key),
        action=action,
        old=old,
        new=new,
        old_display=describe_figure(old),
        new_display=describe_figure(new),
        source=cell.source[:300],
        actor=actor,
    )


@transaction.atomic
def figures_import_bulk(
    *,
    campaign: Campaign,
    actor: AbstractBaseUser | None,
    index: CategoryIndex,
    new_categories: Iterable[CategoryRef],
    rows: Callable[[], Iterable[BulkFigure]],
    request_ids: set[int],
    approve: bool = False,
    summary: str = "",
    source: str = "",
    answered_on: Mapping[int, date] | None = None,
) -> ApplyResult:
    """Write an import's rows as figures_apply would write the same cells (never a deletion),
    all or nothing, in a number of queries that does not depend on the number of rows.

    `new_categories` are created first (inferred categories the rows name); `rows` returns the
    rows afresh on each call, keys resolved once those categories exist (the SQLite path reads
    them twice rather than hold them); `request_ids` are the requests the file names, all
    approved with `approve`; each history row's source is "`source` line N"; `answered_on` as
    figures_apply's."""
    _check_actor(actor, approve)
    index.ensure(new_categories)
    now = timezone.now()
    actor_id = actor.pk if actor is not None else None
    written = write_rows(
        rows=rows, request_ids=request_ids, actor_id=actor_id, now=now, source=f"{source} line "
    )
    result = ApplyResult(requests=set(request_ids))
    total, result.created, result.changed, result.changed_requests = written
    result.unchanged = total - result.created - result.changed
    if result.changed_requests:
        mark_pending(
            request_ids=result.changed_requests, actor=actor, comment=summary or "Figures changed."
        )
    if approve:
        _approve(result.requests, actor, comment=summary or "Approved on import.")
    if result.changed_requests:
        responses_record_from_figures(
            campaign=campaign,
            actor=actor,
            request_ids=result.changed_requests,
            answered_on=answered_on,
        )
    return result


@transaction.atomic
def figure_update(
    *,
    figure_id: int,
    actor: AbstractBaseUser,
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
    refs = index.refs_for_key(fig.category_key)
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


@transaction.atomic
def figures_save_grid(
    *,
    foi: FoiRequest,
    actor: AbstractBaseUser,
    cells: Sequence[CellInput],
    index: CategoryIndex,
    attachment_id: int | None = None,
    location: str = "",
    answered_on: date | None = None,
) -> ApplyResult:
    """Save every cell of a request's entry grid; the provenance given with this save (the file
    and where in it) goes to the cells that change, not to the ones left as they were.
    `answered_on`: the date the person says the force answered (used only if the figures
    record the response)."""
    if attachment_id is not None and not foi.attachments.filter(pk=attachment_id).exists():
        raise ServiceError("That attachment belongs to another request.", "attachment")
    if attachment_id or location:
        plan = plan_cells(cells=cells, index=index)
        for cell in plan["created"] + plan["changed"]:
            if attachment_id:
                cell.attachment_id = attachment_id
            if location:
                cell.location = location
    return figures_apply(
        campaign=foi.campaign,
        actor=actor,
        cells=cells,
        index=index,
        summary="Entered in the grid.",
        answered_on={foi.pk: answered_on} if answered_on else None,
    )
