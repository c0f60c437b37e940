"""Figure writes: the entry grid, one figure's edit page and the importer share one path,
`figures_apply`. Every change writes a FigureChange row (who, when, old -> new) in the same
transaction, and a change to any figure of a request puts its figures back to awaiting review.
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from figures_app.categories import CategoryIndex, CategoryRef, category_key
from figures_app.models import (
    REPORTING_KINDS,
    Figure,
    FigureChange,
    FigureReview,
    Kind,
    Metric,
    describe_figure,
)
from figures_app.services.review import _approve, mark_pending
from figures_app.values import Parsed
from requests_app.exemptions import EXEMPTIONS_BY_LAW
from requests_app.models import Campaign, FoiRequest, Period
from requests_app.roles import can_edit, can_review
from requests_app.services.errors import ServiceError
from requests_app.services.lifecycle import request_record_response
from requests_app.workflow import AWAITING_RESPONSE, InvalidTransition, Outcome

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser

logger = logging.getLogger(__name__)

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
    if p.kind == Kind.REFUSED and not exemption and old is not None and old.kind == Kind.REFUSED:
        state["exemption"] = old.exemption
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


@transaction.atomic
def figures_apply(
    *,
    campaign: Campaign,
    actor: AbstractBaseUser | None,
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

    def change(fig, cell, key, action, *, old=None, new=None, keep_figure=True) -> FigureChange:
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
            old_display=describe_figure(old),
            new_display=describe_figure(new),
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
        mark_pending(result.changed_requests, actor, summary or "Figures changed.")
        # A request whose last figure was deleted has nothing to review.
        FigureReview.objects.filter(
            request_id__in=result.changed_requests, request__figures__isnull=True
        ).delete()
    if approve:
        _approve(result.requests, actor, comment=summary or "Approved on import.")
    if creates or updates:
        responses_record_from_figures(
            campaign=campaign,
            actor=actor,
            request_ids={fig.request_id for fig, *_ in creates + updates},
        )
    return result


# State follows the answers (issue 10, section 1) ------------------------------------------

RESPONSE_NOTE = "Figures entered: response recorded"


def outcome_from_figures(kinds_by_cell: dict[tuple[int, int], Counter], n_cells: int) -> str | None:
    """The outcome a request's figures show beyond doubt, or None when a person must decide.

    `kinds_by_cell`: (metric id, period id) -> how many figures of each kind the request has
    there (a breakdown has several); `n_cells`: how many (metric, period) pairs were asked.

    - Every pair asked has figures and all are numbers (reported or suppressed): answered in
      full. A suppressed "<5" is an answer (s.40(2) protects the exact number, not the fact).
    - Every pair has figures, at least one a number, some "not held", "refused" or "not
      provided": answered in part.
    - No number at all (everything refused, not held or not provided): None. "Not held" for
      every cell is sometimes a s.12 refusal in other words, and a refusal must be recorded
      with the exemption its notice cites (s.17): the letter decides, not the grid.
    - Numbers for some pairs and nothing yet for others: None. The rest may still be keyed in,
      and "in part" would then be wrong; a person who has the letter records it.
    """
    totals = sum(kinds_by_cell.values(), Counter())
    if not any(totals[kind] for kind in REPORTING_KINDS):
        return None
    if n_cells == 0 or len(kinds_by_cell) < n_cells:
        return None
    gaps = sum(n for kind, n in totals.items() if kind not in REPORTING_KINDS)
    return Outcome.PART if gaps else Outcome.FULL


def responses_record_from_figures(
    *, campaign: Campaign, actor: AbstractBaseUser | None, request_ids: set[int]
) -> list[int]:
    """Record the force's response for each of `request_ids` still awaiting one, now that its
    figures are in; returns the ids recorded. Called inside figures_apply's transaction, so the
    figures and the response commit (or roll back) together.

    Before this, a force whose figures were entered (even approved) stayed "sent, overdue" and
    was chased for an answer it had given. The response is recorded through the lifecycle
    service (the one TRANSITIONS table, the same audit event as by hand), dated the day of
    entry, by whoever entered the figures (None: the command line). Where the figures cannot
    settle the outcome (outcome_from_figures), nothing is recorded: the request stays awaiting
    and shows on the dashboard's "figures in, response not recorded" list, neither chased nor
    counted overdue (requests_app.models.requests.figures_unrecorded_q), until someone records
    the response from the letter.
    """
    awaiting = dict(
        FoiRequest.objects.filter(
            pk__in=request_ids, campaign=campaign, status__in=AWAITING_RESPONSE
        ).values_list("pk", "force__law")
    )
    if not awaiting:
        return []
    n_cells = Metric.objects.filter(campaign=campaign).count() * campaign.periods.count()
    cells: dict[int, dict[tuple[int, int], Counter]] = defaultdict(lambda: defaultdict(Counter))
    exemptions: dict[int, list[str]] = defaultdict(list)
    rows = Figure.objects.filter(request_id__in=awaiting).values_list(
        "request_id", "metric_id", "period_id", "kind", "exemption"
    )
    for request_id, metric_id, period_id, kind, exemption in rows:
        cells[request_id][(metric_id, period_id)][kind] += 1
        if kind == Kind.REFUSED and exemption and exemption not in exemptions[request_id]:
            exemptions[request_id].append(exemption)
    today = timezone.localdate()
    recorded = []
    for request_id, law in sorted(awaiting.items()):
        outcome = outcome_from_figures(cells[request_id], n_cells)
        if outcome is None:
            continue
        valid = {code for code, _ in EXEMPTIONS_BY_LAW[law]}
        counts = sum(cells[request_id].values(), Counter())
        numbers = sum(counts[kind] for kind in REPORTING_KINDS)
        note = (
            f"{RESPONSE_NOTE} ({Outcome(outcome).label.lower()}, from the figures: {numbers} "
            f"given, {sum(counts.values()) - numbers} not held, refused or not provided)."
        )
        try:
            # A savepoint: a response the lifecycle refuses (e.g. a sent date after today) must
            # not undo the figures; the request then stays on the list for a person to record.
            with transaction.atomic():
                request_record_response(
                    request_id=request_id,
                    actor=actor,
                    outcome=outcome,
                    answered_on=today,
                    exemptions=[code for code in exemptions[request_id] if code in valid],
                    note=note,
                )
        except (ServiceError, InvalidTransition) as exc:
            logger.info("Figures in for request %s, response not recorded: %s", request_id, exc)
            continue
        recorded.append(request_id)
    return recorded


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
) -> ApplyResult:
    """Save every cell of a request's entry grid; the provenance given with this save (the file
    and where in it) goes to the cells that change, not to the ones left as they were."""
    if attachment_id is not None and not foi.attachments.filter(pk=attachment_id).exists():
        raise ServiceError("That attachment belongs to another request.", "attachment")
    if attachment_id or location:
        plan = plan_cells(cells, index)
        for cell in plan["created"] + plan["changed"]:
            if attachment_id:
                cell.attachment_id = attachment_id
            if location:
                cell.location = location
    return figures_apply(
        campaign=foi.campaign, actor=actor, cells=cells, index=index, summary="Entered in the grid."
    )
