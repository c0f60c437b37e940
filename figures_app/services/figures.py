"""Figure writes: the entry grid and one figure's edit page share one path, `figures_apply`;
imports, up to hundreds of thousands of rows, take the bulk path, `figures_import_bulk`, with the
same rules. Every change writes a FigureChange row (who, when, old -> new) in the same
transaction, and a change to any figure of a request puts its figures back to awaiting review.
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import islice
from typing import TYPE_CHECKING, Any, NamedTuple

from django.db import connection, transaction
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


def _check_actor(actor: AbstractBaseUser | None, approve: bool) -> None:
    if actor is not None and not can_edit(actor):
        raise ServiceError("You need the staff role to enter figures.")
    if approve and (actor is None or not can_review(actor)):
        raise ServiceError("Approving figures needs the reviewer role.")


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
    _check_actor(actor, approve)
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


# The bulk path: imports (issue 11) --------------------------------------------------------
#
# figures_apply builds a model object per cell and compares them in Python: fine for a grid,
# 1,300 rows/s and ~2 KB a row for an import. An import's rows arrive as BulkFigure tuples
# (checked by services/imports.py, no model objects) and are written in a number of statements
# that does not grow with the rows:
# - PostgreSQL: COPY into a temporary table, then one statement that compares it with the
#   stored figures, upserts the rows that differ (INSERT ... SELECT ... ON CONFLICT DO UPDATE)
#   and writes their history rows, formatted in SQL as describe_figure does;
# - elsewhere (SQLite): the stored figures read once as tuples, compared in Python, and the rows
#   that differ written by two executemany (an upsert, then the history rows).
# Both leave the same rows (tests/figures_app/test_import_bulk.py compares them).


class BulkFigure(NamedTuple):
    """One checked import row, keys resolved. Its field order is the staging table's columns."""

    line: int
    request_id: int
    metric_id: int
    period_id: int
    # None only in a plan: a category the import would create, so the figure is new.
    category_key: str | None
    category_id: int | None
    cell: str  # index.cell_name of the cell, for the history
    kind: str
    value: int | None
    lower: int | None
    upper: int | None
    raw_text: str
    exemption: str  # with the law, e.g. "foia:s12"
    note: str | None  # None keeps the stored note (the file has no note column)


# What is compared and kept of a stored figure: its id, then Figure.state()'s fields.
_STORED = (
    "id",
    "kind",
    "value",
    "lower",
    "upper",
    "raw_text",
    "exemption",
    "note",
    "attachment_id",
    "location",
)
_STATE_KEYS = ("kind", "value", "lower", "upper", "raw_text", "exemption", "note")
_IDENT = ("request_id", "metric_id", "period_id", "category_key")
# Tests set this to run the portable path on PostgreSQL too and compare what the two write.
PORTABLE = False


def stored_figures(request_ids: Iterable[int]) -> dict[tuple, tuple]:
    """(request, metric, period, category key) -> the _STORED fields of every figure of these
    requests, as plain tuples (one query)."""
    rows = Figure.objects.filter(request_id__in=set(request_ids)).values_list(*_IDENT, *_STORED)
    return {row[:4]: row[4:] for row in rows.order_by().iterator(chunk_size=10_000)}


def _bulk_state(fig: BulkFigure, old: tuple | None) -> dict:
    """Figure.state() after writing `fig` over the stored `old` (as _new_state for a cell whose
    attachment and location are kept)."""
    exemption = fig.exemption
    if fig.kind == Kind.REFUSED and not exemption and old is not None and old[1] == Kind.REFUSED:
        exemption = old[6]
    if fig.note is not None:
        note = fig.note
    else:
        note = old[7] if old is not None else ""
    return {
        "kind": fig.kind,
        "value": fig.value,
        "lower": fig.lower,
        "upper": fig.upper,
        "raw_text": fig.raw_text,
        "exemption": exemption,
        "note": note,
        "attachment": old[8] if old is not None else None,
        "location": old[9] if old is not None else "",
    }


def _stored_state(old: tuple) -> dict:
    return dict(zip(_STATE_KEYS, old[1:8], strict=True)) | {
        "attachment": old[8],
        "location": old[9],
    }


def figures_diff(
    rows: Iterable[BulkFigure], stored: dict[tuple, tuple]
) -> Iterator[tuple[BulkFigure, dict | None, dict]]:
    """(row, old state or None when new, new state) for each row that creates or changes a
    figure; rows that would leave their figure as it is yield nothing."""
    for fig in rows:
        old = None
        if fig.category_key is not None:
            old = stored.get((fig.request_id, fig.metric_id, fig.period_id, fig.category_key))
        if old is None:
            yield fig, None, _bulk_state(fig, None)
            continue
        # Most rows of a re-import are unchanged: compare tuples before building any dict.
        note = old[7] if fig.note is None else fig.note
        if (fig.kind, fig.value, fig.lower, fig.upper, fig.raw_text, fig.exemption, note) == old[
            1:8
        ]:
            continue
        before, after = _stored_state(old), _bulk_state(fig, old)
        if after != before:
            yield fig, before, after


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
) -> ApplyResult:
    """Write an import's rows as figures_apply would write the same cells (never a deletion),
    all or nothing, in a number of queries that does not depend on the number of rows.

    `new_categories` are created first (inferred categories the rows name); `rows` returns the
    rows afresh on each call, keys resolved once those categories exist (the SQLite path reads
    them twice rather than hold them); `request_ids` are the requests the file names, all
    approved with `approve`; each history row's source is "`source` line N"."""
    _check_actor(actor, approve)
    index.ensure(new_categories)
    now = timezone.now()
    actor_id = actor.pk if actor is not None else None
    write = _write_copy if connection.vendor == "postgresql" and not PORTABLE else _write_many
    written = write(
        rows, request_ids=request_ids, actor_id=actor_id, now=now, source=f"{source} line "
    )
    result = ApplyResult(requests=set(request_ids))
    total, result.created, result.changed, result.changed_requests = written
    result.unchanged = total - result.created - result.changed
    if result.changed_requests:
        mark_pending(result.changed_requests, actor, summary or "Figures changed.")
    if approve:
        _approve(result.requests, actor, comment=summary or "Approved on import.")
    if result.changed_requests:
        responses_record_from_figures(
            campaign=campaign, actor=actor, request_ids=result.changed_requests
        )
    return result


def _quoted(model, *names: str) -> str:
    fields = [model._meta.get_field(name.removesuffix("_id")) for name in names]
    return ", ".join(connection.ops.quote_name(f.column) for f in fields)


_FIGURE_COLUMNS = (
    *_IDENT,
    "category_id",
    "kind",
    "value",
    "lower",
    "upper",
    "raw_text",
    "exemption",
    "note",
    "attachment_id",
    "location",
    "entered_by_id",
    "updated_by_id",
    "created_at",
    "updated_at",
)
# Set on an existing figure (figures_apply's bulk_update fields).
_FIGURE_UPDATED = (
    "kind",
    "value",
    "lower",
    "upper",
    "raw_text",
    "exemption",
    "note",
    "attachment_id",
    "location",
    "updated_by_id",
    "updated_at",
)
_CHANGE_COLUMNS = (
    "figure_id",
    *_IDENT,
    "cell",
    "action",
    "old",
    "new",
    "old_display",
    "new_display",
    "source",
    "actor_id",
    "created_at",
)


def _upsert_sql(select: str) -> str:
    figure = Figure._meta.db_table
    updates = ", ".join(
        f"{name} = excluded.{name}" for name in _quoted(Figure, *_FIGURE_UPDATED).split(", ")
    )
    return (
        f"INSERT INTO {connection.ops.quote_name(figure)} ({_quoted(Figure, *_FIGURE_COLUMNS)}) "
        f"{select} ON CONFLICT ({_quoted(Figure, *_IDENT)}) DO UPDATE SET {updates}"
    )


# Rows per executemany: SQLite's driver is handed a list (Django's wrapper would buffer a
# generator whole anyway), so memory stays flat whatever the size of the file.
MANY_CHUNK = 10_000


def _chunks(items: Iterable[tuple]) -> Iterator[list[tuple]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, MANY_CHUNK)):
        yield chunk


def _write_many(
    rows: Callable[[], Iterable[BulkFigure]],
    *,
    request_ids: set[int],
    actor_id: int | None,
    now,
    source: str,
) -> tuple[int, int, int, set[int]]:
    """SQLite (and any database): compare in Python, then two executemany per MANY_CHUNK rows
    that change, an upsert of the figures and the history rows. Returns (rows, created,
    changed, requests changed)."""
    stored = stored_figures(request_ids)
    when = Figure._meta.get_field("updated_at").get_db_prep_save(now, connection)
    adapt_json = connection.ops.adapt_json_value

    def as_json(state: dict | None):
        # What JSONField.get_db_prep_save gives for a dict (SQL NULL for None), at a third of
        # its cost per row.
        return None if state is None else adapt_json(state, None)

    counts: Counter[str] = Counter()
    changed_requests: set[int] = set()

    def counted() -> Iterator[BulkFigure]:
        for fig in rows():
            counts["rows"] += 1
            yield fig

    def upserts() -> Iterator[tuple]:
        for fig, before, after in figures_diff(counted(), stored):
            counts["created" if before is None else "changed"] += 1
            changed_requests.add(fig.request_id)
            yield (
                *(fig.request_id, fig.metric_id, fig.period_id, fig.category_key),
                fig.category_id,
                *(after[key] for key in _STATE_KEYS),
                after["attachment"],
                after["location"],
                actor_id,
                actor_id,
                when,
                when,
            )

    def changes() -> Iterator[tuple]:
        for fig, before, after in figures_diff(rows(), stored):
            ident = (fig.request_id, fig.metric_id, fig.period_id, fig.category_key)
            yield (
                *ident,  # the figure's id, by the subquery
                *ident,
                fig.cell,
                FigureChange.Action.CREATED if before is None else FigureChange.Action.CHANGED,
                as_json(before),
                as_json(after),
                describe_figure(before),
                describe_figure(after),
                (source + str(fig.line))[:300],
                actor_id,
                when,
            )

    quote = connection.ops.quote_name
    where = " AND ".join(f"{column} = %s" for column in _quoted(Figure, *_IDENT).split(", "))
    figure_id = (
        f"(SELECT {_quoted(Figure, 'id')} FROM {quote(Figure._meta.db_table)} WHERE {where})"
    )
    upsert = _upsert_sql(f"VALUES ({', '.join(['%s'] * len(_FIGURE_COLUMNS))})")
    history = (
        f"INSERT INTO {quote(FigureChange._meta.db_table)} "
        f"({_quoted(FigureChange, *_CHANGE_COLUMNS)}) "
        f"VALUES ({', '.join([figure_id] + ['%s'] * (len(_CHANGE_COLUMNS) - 1))})"
    )
    with connection.cursor() as cursor:
        for chunk in _chunks(upserts()):
            cursor.executemany(upsert, chunk)
        if changed_requests:
            for chunk in _chunks(changes()):
                cursor.executemany(history, chunk)
    return counts["rows"], counts["created"], counts["changed"], changed_requests


_STAGE = "figure_import_stage"


def _describe_sql(prefix: str) -> str:
    """describe_figure in SQL, over the columns {prefix}kind, {prefix}value, ..."""
    p = prefix
    words = " ".join(
        f"WHEN '{kind.value}' THEN '{kind.label.lower()}'"
        for kind in Kind
        if kind not in (Kind.REPORTED, Kind.SUPPRESSED)
    )
    return (
        f"CASE {p}kind WHEN '{Kind.REPORTED}' THEN to_char({p}value, 'FM9,999,999,990') "
        f"WHEN '{Kind.SUPPRESSED}' THEN COALESCE(NULLIF({p}raw_text, ''), '*') || ' (' || "
        f"{p}lower || '-' || {p}upper || ')' "
        f"ELSE (CASE {p}kind {words} END) || "
        f"CASE WHEN {p}exemption <> '' THEN ' (' || {p}exemption || ')' ELSE '' END END"
    )


def _state_sql(prefix: str) -> str:
    """Figure.state() as jsonb, over the same columns (attachment and location are kept, so
    the same before and after)."""
    pairs = [f"'{key}', {prefix}{key}" for key in _STATE_KEYS]
    pairs += ["'attachment', c.attachment_id", "'location', c.location"]
    return f"jsonb_build_object({', '.join(pairs)})"


def _copy_sql() -> dict[str, str]:
    """The PostgreSQL path's statements (table and column names from the models)."""
    figure = connection.ops.quote_name(Figure._meta.db_table)
    change = connection.ops.quote_name(FigureChange._meta.db_table)
    ident = _quoted(Figure, *_IDENT)
    # The stored state a row would leave: the exemption of a refusal that names none and the
    # note when the file has no note column are kept, as _bulk_state does.
    exemption = (
        f"CASE WHEN s.kind = '{Kind.REFUSED}' AND s.exemption = '' AND f.kind = '{Kind.REFUSED}' "
        "THEN f.exemption ELSE s.exemption END"
    )
    note = "COALESCE(s.note, f.note, '')"
    differs = (
        f'f.id IS NULL OR (s.kind, s."value", s."lower", s."upper", s.raw_text, {exemption}, '
        f'{note}) IS DISTINCT FROM (f.kind, f."value", f."lower", f."upper", f.raw_text, '
        "f.exemption, f.note)"
    )
    columns = ", ".join(
        [
            "line integer",
            "request_id bigint",
            "metric_id bigint",
            "period_id bigint",
            "category_key text",
            "category_id bigint",
            "cell text",
            "kind text",
            '"value" integer',
            '"lower" integer',
            '"upper" integer',
            "raw_text text",
            "exemption text",
            "note text",
        ]
    )
    old = {key: f"f.{connection.ops.quote_name(key)} AS o_{key}" for key in _STATE_KEYS}
    # The stored figure of a staged row's cell. The file's requests are named as well
    # (f.request_id = ANY(...)): then PostgreSQL reads only their figures, by the request
    # index, rather than hash every figure in the database (2.6M at scale: a second a statement).
    stored_cell = " AND ".join(f"f.{c} = s.{c}" for c in ident.split(", "))
    upsert = _upsert_sql(
        f'SELECT {", ".join(_IDENT)}, category_id, kind, "value", "lower", "upper", '
        "raw_text, exemption, note, attachment_id, location, %(actor)s::bigint, "
        "%(actor)s::bigint, %(now)s::timestamptz, %(now)s::timestamptz FROM changed"
    )
    return {
        "create": f"CREATE TEMPORARY TABLE {_STAGE} ({columns}) ON COMMIT DROP",
        "copy": f"COPY {_STAGE} ({', '.join(BulkFigure._fields)}) FROM STDIN",
        # Lock the figures about to change before reading them, so that their old values in
        # the history are the ones replaced (a concurrent edit waits, or is waited for).
        "lock": (
            f"SELECT count(*) FROM (SELECT f.id FROM {_STAGE} s JOIN {figure} f USING ({ident}) "
            f"WHERE f.request_id = ANY(%(requests)s) AND ({differs}) "
            "ORDER BY f.id FOR UPDATE OF f) AS locked"
        ),
        "write": f"""
            WITH compared AS (
                SELECT s.line, {", ".join(f"s.{c}" for c in _IDENT)}, s.category_id, s.cell,
                       s.kind, s."value", s."lower", s."upper", s.raw_text,
                       {exemption} AS exemption, {note} AS note,
                       f.attachment_id, COALESCE(f.location, '') AS location,
                       f.id AS o_id, {", ".join(old.values())},
                       ({differs}) AS differs
                FROM {_STAGE} s LEFT JOIN {figure} f
                    ON f.request_id = ANY(%(requests)s) AND {stored_cell}
            ), changed AS (
                SELECT * FROM compared WHERE differs
            ), written AS (
                {upsert}
                RETURNING id, {ident}
            ), history AS (
                INSERT INTO {change} ({_quoted(FigureChange, *_CHANGE_COLUMNS)})
                SELECT w.id, {", ".join(f"c.{c}" for c in _IDENT)}, c.cell,
                       CASE WHEN c.o_id IS NULL THEN '{FigureChange.Action.CREATED}'
                            ELSE '{FigureChange.Action.CHANGED}' END,
                       CASE WHEN c.o_id IS NOT NULL THEN {_state_sql("c.o_")} END,
                       {_state_sql("c.")},
                       CASE WHEN c.o_id IS NULL THEN '' ELSE {_describe_sql("c.o_")} END,
                       {_describe_sql("c.")},
                       LEFT(%(source)s || c.line, 300), %(actor)s::bigint, %(now)s::timestamptz
                FROM changed c JOIN written w USING ({ident})
                ORDER BY c.line
                RETURNING request_id, action
            )
            SELECT request_id, action, count(*) FROM history GROUP BY request_id, action
        """,
        "drop": f"DROP TABLE IF EXISTS {_STAGE}",
    }


def _write_copy(
    rows: Callable[[], Iterable[BulkFigure]],
    *,
    request_ids: set[int],
    actor_id: int | None,
    now,
    source: str,
) -> tuple[int, int, int, set[int]]:
    """PostgreSQL: COPY into a temporary table, compare and write in SQL."""
    sql = _copy_sql()
    total = 0
    with connection.cursor() as cursor:
        # A second import in the same transaction (tests, a batch) finds the table still there.
        cursor.execute(sql["drop"])
        cursor.execute(sql["create"])
        with cursor.copy(sql["copy"]) as copy:
            for fig in rows():
                copy.write_row(fig)
                total += 1
        # Temporary tables are never analysed automatically: without this the planner guesses
        # their size and may loop over the stored figures row by row.
        cursor.execute(f"ANALYZE {_STAGE}")
        requests = sorted(request_ids)
        cursor.execute(sql["lock"], {"requests": requests})
        cursor.execute(
            sql["write"], {"actor": actor_id, "now": now, "source": source, "requests": requests}
        )
        counts = cursor.fetchall()
        cursor.execute(sql["drop"])
    created = sum(n for _, action, n in counts if action == FigureChange.Action.CREATED)
    changed = sum(n for _, action, n in counts if action == FigureChange.Action.CHANGED)
    return total, created, changed, {request_id for request_id, _, _ in counts}


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
