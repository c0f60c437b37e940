"""The bulk path of imports (issue 11): an import's rows as plain tuples, compared with the
stored figures and written in a number of statements that does not grow with the rows.

figures_apply (services/figures.py) builds a model object per cell and compares them in Python:
fine for a grid, 1,300 rows/s and ~2 KB a row for an import. An import's rows arrive as
BulkFigure tuples (checked by services/imports.py, no model objects) and are written one way per
database, per MANY_CHUNK rows:
- SQLite: the stored figures read once as tuples, compared in Python (figures_diff, which the
  import's preview uses too), and the rows that differ written by two executemany (an upsert,
  then the history rows);
- PostgreSQL: the rows COPYed into a temporary table, compared with the stored figures and
  upserted in one statement (so the has_figures triggers, statement-level, run once a chunk
  rather than once a row: executemany was twelve times slower), which returns the old and new
  values; the history rows are COPYed in.
Either way the history rows are worded in Python by describe_figure (_history), the one
description of a figure.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from typing import NamedTuple

from django.db import connection

from figures_app.models import Figure, FigureChange, Kind, describe_figure


def kept_exemption(*, kind: str, exemption: str, old_kind: str, old_exemption: str) -> str:
    """The exemption a figure keeps: a refusal naming none keeps the one a stored refusal
    names (the grid and a re-import often give only the word "refused")."""
    if kind == Kind.REFUSED and not exemption and old_kind == Kind.REFUSED:
        return old_exemption
    return exemption


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
    # The category as the force wrote it ('ten and under'): written with the figure, not
    # compared (a re-import in other words for the same range changes no figure).
    category_label: str | None = None


_STATE_KEYS = ("kind", "value", "lower", "upper", "raw_text", "exemption", "note")
# What is compared and kept of a stored figure: its id, then Figure.state()'s fields.
_STORED = ("id", *_STATE_KEYS, "attachment_id", "location")
_IDENT = ("request_id", "metric_id", "period_id", "category_key")


def stored_figures(*, request_ids: Iterable[int]) -> dict[tuple, tuple]:
    """(request, metric, period, category key) -> the _STORED fields of every figure of these
    requests, as plain tuples (one query)."""
    rows = Figure.objects.filter(request_id__in=set(request_ids)).values_list(*_IDENT, *_STORED)
    return {row[:4]: row[4:] for row in rows.order_by().iterator(chunk_size=10_000)}


def _bulk_state(fig: BulkFigure, old: tuple | None) -> dict:
    """Figure.state() after writing `fig` over the stored `old` (as _new_state for a cell whose
    attachment and location are kept)."""
    exemption = fig.exemption
    if old is not None:
        exemption = kept_exemption(
            kind=fig.kind, exemption=exemption, old_kind=old[1], old_exemption=old[6]
        )
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
    *, rows: Iterable[BulkFigure], stored: dict[tuple, tuple]
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


def _quoted(model, *names: str) -> str:
    fields = [model._meta.get_field(name.removesuffix("_id")) for name in names]
    return ", ".join(connection.ops.quote_name(f.column) for f in fields)


_FIGURE_COLUMNS = (
    *_IDENT,
    "category_id",
    *_STATE_KEYS,
    "attachment_id",
    "location",
    "entered_by_id",
    "updated_by_id",
    "created_at",
    "updated_at",
    "category_label",
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
    "category_label",
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


def write_rows(
    *,
    rows: Callable[[], Iterable[BulkFigure]],
    request_ids: set[int],
    actor_id: int | None,
    now,
    source: str,
) -> tuple[int, int, int, set[int]]:
    """Write the rows that change a figure, and their history rows (each "`source`N", N its
    line): one way per database. Returns (rows, created, changed, requests changed)."""
    write = _write_copy if connection.vendor == "postgresql" else _write_many
    return write(rows, request_ids=request_ids, actor_id=actor_id, now=now, source=source)


# A figure's state as the history stores it: Figure.state()'s keys, in its order.
_STATE_WORDED = (*_STATE_KEYS, "attachment", "location")


def _worded(state: dict) -> tuple:
    """A state dict's values in _STATE_WORDED order, as _StateWords takes them."""
    return tuple(state[key] for key in _STATE_WORDED)


class _StateWords:
    """A figure state's stored JSON and its description (describe_figure), worked out once per
    distinct state: an import's rows share a few hundred values, so its 100,000 history rows
    need that many json.dumps and describe_figure calls, not 200,000 of each. A state is given
    as its values in _STATE_WORDED order; past MAX_STATES states the memory starts again."""

    MAX_STATES = 50_000

    def __init__(self, as_json: Callable[[dict], object]) -> None:
        self.as_json = as_json
        self.seen: dict[tuple, tuple[object, str]] = {}

    def of(self, values: tuple) -> tuple[object, str]:
        words = self.seen.get(values)
        if words is None:
            if len(self.seen) >= self.MAX_STATES:
                self.seen.clear()
            state = dict(zip(_STATE_WORDED, values, strict=True))
            words = self.seen[values] = (self.as_json(state), describe_figure(state))
        return words


def _history(
    ident: tuple,
    cell: str,
    line: int,
    before: tuple | None,
    after: tuple,
    *,
    words: _StateWords,
    source: str,
    actor_id: int | None,
    when,
) -> tuple:
    """A history row's values after its figure's id (_CHANGE_COLUMNS[1:]): the same on both
    ways of writing, worded by describe_figure. `before` (None: created) and `after` are the
    states' values in _STATE_WORDED order."""
    old_json, old_display = (None, describe_figure(None)) if before is None else words.of(before)
    new_json, new_display = words.of(after)
    return (
        *ident,
        cell,
        FigureChange.Action.CREATED if before is None else FigureChange.Action.CHANGED,
        old_json,
        new_json,
        old_display,
        new_display,
        (source + str(line))[:300],
        actor_id,
        when,
    )


def _write_many(
    rows: Callable[[], Iterable[BulkFigure]],
    *,
    request_ids: set[int],
    actor_id: int | None,
    now,
    source: str,
) -> tuple[int, int, int, set[int]]:
    """SQLite: compare in Python, then two executemany per MANY_CHUNK rows that change, an
    upsert of the figures and the history rows."""
    stored = stored_figures(request_ids=request_ids)
    when = Figure._meta.get_field("updated_at").get_db_prep_save(now, connection)
    adapt_json = connection.ops.adapt_json_value

    # What JSONField.get_db_prep_save gives for a dict, at a third of its cost per row.
    words = _StateWords(lambda state: adapt_json(state, None))

    counts: Counter[str] = Counter()
    changed_requests: set[int] = set()
    written = {"source": source, "actor_id": actor_id, "when": when}

    def counted() -> Iterator[BulkFigure]:
        for fig in rows():
            counts["rows"] += 1
            yield fig

    def upserts() -> Iterator[tuple]:
        for fig, before, after in figures_diff(rows=counted(), stored=stored):
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
                fig.category_label,
            )

    def changes() -> Iterator[tuple]:
        for fig, before, after in figures_diff(rows=rows(), stored=stored):
            ident = (fig.request_id, fig.metric_id, fig.period_id, fig.category_key)
            yield (
                *ident,  # the figure's id, by the subquery
                *_history(
                    ident,
                    fig.cell,
                    fig.line,
                    None if before is None else _worded(before),
                    _worded(after),
                    words=words,
                    **written,
                ),
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


def _copy_sql() -> dict[str, str]:
    """The PostgreSQL way's statements (table and column names from the models)."""
    quote = connection.ops.quote_name
    figure = quote(Figure._meta.db_table)
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
            "category_label text",
        ]
    )
    old = ", ".join(f"f.{quote(key)} AS o_{key}" for key in _STATE_KEYS)
    # The stored figure of a staged row's cell. The file's requests are named as well
    # (f.request_id = ANY(...)): then PostgreSQL reads only their figures, by the request
    # index, rather than hash every figure in the database (2.6M at scale: a second a statement).
    stored_cell = " AND ".join(f"f.{c} = s.{c}" for c in ident.split(", "))
    upsert = _upsert_sql(
        f'SELECT {", ".join(_IDENT)}, category_id, kind, "value", "lower", "upper", '
        "raw_text, exemption, note, attachment_id, location, %(actor)s::bigint, "
        "%(actor)s::bigint, %(now)s::timestamptz, %(now)s::timestamptz, category_label "
        "FROM changed"
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
        # The rows that differ, upserted; returned with their figure's id, old and new values
        # for the history, which _history words in Python.
        "write": f"""
            WITH compared AS (
                SELECT s.line, {", ".join(f"s.{c}" for c in _IDENT)}, s.category_id, s.cell,
                       s.kind, s."value", s."lower", s."upper", s.raw_text,
                       {exemption} AS exemption, {note} AS note,
                       f.attachment_id, COALESCE(f.location, '') AS location,
                       s.category_label,
                       f.id AS o_id, {old},
                       ({differs}) AS differs
                FROM {_STAGE} s LEFT JOIN {figure} f
                    ON f.request_id = ANY(%(requests)s) AND {stored_cell}
            ), changed AS (
                SELECT * FROM compared WHERE differs
            ), written AS (
                {upsert}
                RETURNING id, {ident}
            )
            SELECT w.id, c.line, {", ".join(f"c.{c}" for c in _IDENT)}, c.cell,
                   c.o_id IS NULL, {", ".join(f"c.o_{key}" for key in _STATE_KEYS)},
                   {", ".join(f"c.{quote(key)}" for key in _STATE_KEYS)},
                   c.attachment_id, c.location
            FROM changed c JOIN written w USING ({ident})
            ORDER BY c.line
        """,
        "history": (
            f"COPY {quote(FigureChange._meta.db_table)} "
            f"({_quoted(FigureChange, *_CHANGE_COLUMNS)}) FROM STDIN"
        ),
        "empty": f"TRUNCATE {_STAGE}",
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
    """PostgreSQL: per MANY_CHUNK rows, COPY into a temporary table, compare and upsert in one
    statement (so the has_figures triggers run once a chunk, not once a row), then COPY the
    history rows it returns, worded in Python."""
    sql = _copy_sql()
    requests = sorted(request_ids)
    params = {"actor": actor_id, "now": now, "source": source, "requests": requests}
    written = {
        "source": source,
        "actor_id": actor_id,
        "when": now,
        "words": _StateWords(json.dumps),
    }
    counts: Counter[str] = Counter()
    changed_requests: set[int] = set()
    with connection.cursor() as cursor:
        # A second import in the same transaction (tests, a batch) finds the table still there.
        cursor.execute(sql["drop"])
        cursor.execute(sql["create"])
        for chunk in _chunks(rows()):
            counts["rows"] += len(chunk)
            with cursor.copy(sql["copy"]) as copy:
                for fig in chunk:
                    copy.write_row(fig)
            # Temporary tables are never analysed automatically: without this the planner
            # guesses their size and may loop over the stored figures row by row.
            cursor.execute(f"ANALYZE {_STAGE}")
            cursor.execute(sql["lock"], params)
            cursor.execute(sql["write"], params)
            history = [_written_history(row, **written) for row in cursor.fetchall()]
            for created, request_id, _ in history:
                counts["created" if created else "changed"] += 1
                changed_requests.add(request_id)
            with cursor.copy(sql["history"]) as copy:
                for _, _, row in history:
                    copy.write_row(row)
            cursor.execute(sql["empty"])
        cursor.execute(sql["drop"])
    return counts["rows"], counts["created"], counts["changed"], changed_requests


def _written_history(row: tuple, **written) -> tuple[bool, int, tuple]:
    """(created?, request id, history row) of a row the write statement returned."""
    figure_id, line, *ident = row[:6]
    cell, created = row[6], row[7]
    n = len(_STATE_KEYS)
    kept = row[8 + 2 * n : 10 + 2 * n]  # attachment, location
    before = None if created else row[8 : 8 + n] + kept
    change = _history(tuple(ident), cell, line, before, row[8 + n : 8 + 2 * n] + kept, **written)
    return created, ident[0], (figure_id, *change)
