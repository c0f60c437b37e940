"""FoiRequest.has_figures, kept by the database: triggers on the figures table set it when a
request's first figure arrives and clear it when its last one goes, whatever wrote the figures
(figures_apply, an import's COPY or executemany, a cascade from a metric or a request, a shell).

Why triggers, not the services: figures are written by several bulk paths and deleted by
cascades no service sees, and a wrong flag is a chaser sent to a force whose figures are in, or
a late force missing from the dashboard.

The triggers are created by a migration, figures_app/migrations/0010_has_figures_triggers.py,
which holds their SQL:

PostgreSQL: statement-level triggers over the transition tables, so an import of 100k figures
updates each of its requests once. Each first locks the requests it touches (FOR NO KEY UPDATE,
in id order: compatible with the foreign-key checks' KEY SHARE), then writes in a statement of
its own. Under READ COMMITTED that statement's snapshot is taken after the lock is granted, so it
sees the figures of a transaction that held the lock and committed: an insert and a delete of
the same request's figures in two transactions cannot leave the flag wrong either way round.

SQLite: row-level triggers (one writer at a time, so no race). SQLite drops a table's triggers
when a migration rebuilds it: the migration's docstring says what a later migration altering
the figures or requests table must do, and a test checks the triggers are there after all
migrations.

This module: the triggers' names, which are present, and putting every flag right (after
figures were written with the triggers off, as the benchmark's bulk load does).
"""

from __future__ import annotations

FIGURE = "figures_app_figure"
REQUEST = "requests_app_foirequest"
TRIGGERS = ("has_figures_insert", "has_figures_delete", "has_figures_update")

# Every request whose flag says otherwise than its figures, set by a semi-join and an anti-join.
# (One UPDATE comparing the flag with an EXISTS is a subquery per request: on a table with no
# statistics yet, as after a bulk load, PostgreSQL ran it as a scan of all the figures for each
# of 48k requests.)
_RESYNC = [
    f"""UPDATE {REQUEST} SET has_figures = TRUE
    WHERE NOT has_figures AND id IN (SELECT request_id FROM {FIGURE})""",
    f"""UPDATE {REQUEST} SET has_figures = FALSE
    WHERE has_figures AND NOT EXISTS (SELECT 1 FROM {FIGURE} f WHERE f.request_id = {REQUEST}.id)""",
]


def put_right(connection) -> int:
    """Set every flag that says otherwise than its request's figures; returns how many were."""
    put = 0
    with connection.cursor() as cursor:
        for resync in _RESYNC:
            cursor.execute(resync)
            put += cursor.rowcount
    return put


def installed(connection) -> set[str]:
    """The names of the triggers present."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal",
                [FIGURE],
            )
        else:
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s",
                [FIGURE],
            )
        return {name for (name,) in cursor.fetchall()} & set(TRIGGERS)
