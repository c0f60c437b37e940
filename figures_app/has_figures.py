"""FoiRequest.has_figures, kept by the database: triggers on the figures table set it when a
request's first figure arrives and clear it when its last one goes, whatever wrote the figures
(figures_apply, an import's COPY or executemany, a cascade from a metric or a request, a shell).

Why triggers, not the services: figures are written by several bulk paths and deleted by
cascades no service sees, and a wrong flag is a chaser sent to a force whose figures are in, or
a late force missing from the dashboard.

PostgreSQL: statement-level triggers over the transition tables, so an import of 100k figures
updates each of its requests once. Each first locks the requests it touches (FOR NO KEY UPDATE,
in id order: compatible with the foreign-key checks' KEY SHARE), then writes in a statement of
its own. Under READ COMMITTED that statement's snapshot is taken after the lock is granted, so it
sees the figures of a transaction that held the lock and committed: an insert and a delete of
the same request's figures in two transactions cannot leave the flag wrong either way round.

SQLite: row-level triggers (one writer at a time, so no race).

SQLite cannot keep triggers through Django's way of altering a table (a copy under a new name,
the old table dropped): the copy has no triggers, and a trigger naming a dropped table makes the
rename fail. So the triggers are dropped before every `migrate` (pre_migrate) and created again
after it (post_migrate), and the flag is then put right for any request a migration changed:
see figures_app/apps.py. Creating them is idempotent.
"""

from __future__ import annotations

FIGURE = "figures_app_figure"
REQUEST = "requests_app_foirequest"
TRIGGERS = ("has_figures_insert", "has_figures_delete", "has_figures_update")

_POSTGRES_FUNCTIONS = f"""
CREATE OR REPLACE FUNCTION has_figures_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM {REQUEST} r WHERE r.id IN (SELECT request_id FROM new_rows)
        ORDER BY r.id FOR NO KEY UPDATE;
    UPDATE {REQUEST} r SET has_figures = TRUE
        WHERE r.id IN (SELECT request_id FROM new_rows) AND NOT r.has_figures;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION has_figures_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM {REQUEST} r WHERE r.id IN (SELECT request_id FROM old_rows)
        ORDER BY r.id FOR NO KEY UPDATE;
    UPDATE {REQUEST} r SET has_figures = FALSE
        WHERE r.id IN (SELECT request_id FROM old_rows) AND r.has_figures
        AND NOT EXISTS (SELECT 1 FROM {FIGURE} f WHERE f.request_id = r.id);
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION has_figures_moved() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    touched bigint[];
BEGIN
    -- Only figures moved to another request matter (none, in practice: then nothing is locked).
    SELECT array_agg(DISTINCT request_id) INTO touched FROM (
        SELECT o.request_id FROM old_rows o JOIN new_rows n ON n.id = o.id
            WHERE n.request_id <> o.request_id
        UNION ALL
        SELECT n.request_id FROM old_rows o JOIN new_rows n ON n.id = o.id
            WHERE n.request_id <> o.request_id
    ) AS moved;
    IF touched IS NOT NULL THEN
        PERFORM 1 FROM {REQUEST} r WHERE r.id = ANY (touched) ORDER BY r.id FOR NO KEY UPDATE;
        UPDATE {REQUEST} r SET has_figures = EXISTS (
                SELECT 1 FROM {FIGURE} f WHERE f.request_id = r.id)
            WHERE r.id = ANY (touched);
    END IF;
    RETURN NULL;
END $$;
"""

_POSTGRES_TRIGGERS = [
    f"CREATE TRIGGER has_figures_insert AFTER INSERT ON {FIGURE} "
    "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION has_figures_inserted()",
    f"CREATE TRIGGER has_figures_delete AFTER DELETE ON {FIGURE} "
    "REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION has_figures_deleted()",
    # Transition tables cannot go with a column list (UPDATE OF request_id): every UPDATE
    # statement fires it, and it only reads the rows that statement changed.
    f"CREATE TRIGGER has_figures_update AFTER UPDATE ON {FIGURE} "
    "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows "
    "FOR EACH STATEMENT EXECUTE FUNCTION has_figures_moved()",
]

_SQLITE_TRIGGERS = [
    f"""CREATE TRIGGER IF NOT EXISTS has_figures_insert AFTER INSERT ON {FIGURE}
    BEGIN
        UPDATE {REQUEST} SET has_figures = 1 WHERE id = NEW.request_id AND NOT has_figures;
    END""",
    f"""CREATE TRIGGER IF NOT EXISTS has_figures_delete AFTER DELETE ON {FIGURE}
    BEGIN
        UPDATE {REQUEST} SET has_figures = EXISTS (
            SELECT 1 FROM {FIGURE} WHERE request_id = OLD.request_id
        ) WHERE id = OLD.request_id;
    END""",
    f"""CREATE TRIGGER IF NOT EXISTS has_figures_update AFTER UPDATE OF request_id ON {FIGURE}
    WHEN OLD.request_id <> NEW.request_id
    BEGIN
        UPDATE {REQUEST} SET has_figures = 1 WHERE id = NEW.request_id;
        UPDATE {REQUEST} SET has_figures = EXISTS (
            SELECT 1 FROM {FIGURE} WHERE request_id = OLD.request_id
        ) WHERE id = OLD.request_id;
    END""",
]

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


def installable(connection) -> bool:
    """The figures table and the flag's column both exist (a migrate can stop short of them)."""
    tables = set(connection.introspection.table_names())
    if FIGURE not in tables or REQUEST not in tables:
        return False
    with connection.cursor() as cursor:
        columns = connection.introspection.get_table_description(cursor, REQUEST)
    return any(column.name == "has_figures" for column in columns)


def install(connection) -> int:
    """Create the triggers (again), then put right every flag that is wrong; returns how many
    were. Safe to run any number of times."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(_POSTGRES_FUNCTIONS)
            for name, create in zip(TRIGGERS, _POSTGRES_TRIGGERS, strict=True):
                cursor.execute(f"DROP TRIGGER IF EXISTS {name} ON {FIGURE}")
                cursor.execute(create)
        elif connection.vendor == "sqlite":
            for create in _SQLITE_TRIGGERS:
                cursor.execute(create)
        else:
            raise NotImplementedError(f"has_figures triggers for {connection.vendor}")
        put_right = 0
        for resync in _RESYNC:
            cursor.execute(resync)
            put_right += cursor.rowcount
        return put_right


def remove(connection) -> None:
    """Drop the triggers (before a migrate: see the module's docstring)."""
    if FIGURE not in connection.introspection.table_names():
        return
    with connection.cursor() as cursor:
        for name in TRIGGERS:
            if connection.vendor == "postgresql":
                cursor.execute(f"DROP TRIGGER IF EXISTS {name} ON {FIGURE}")
            else:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")


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
