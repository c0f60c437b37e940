"""The triggers that keep FoiRequest.has_figures (figures_app/has_figures.py says why and how),
created once here, then every flag put right (a database that had figures before them).

SQLite and table rebuilds: SQLite alters most columns by copying a table under a new name and
dropping the old one. The copy has no triggers, so a later migration that rebuilds the figures
table silently drops these triggers; and a rebuild of requests_app_foirequest fails at the
rename, as the triggers name the table while it is gone. A later migration that alters either
table in a way SQLite rebuilds must drop the triggers first and create them again after:

    triggers = importlib.import_module("figures_app.migrations.0010_has_figures_triggers")
    operations = [
        migrations.RunPython(triggers.drop_triggers, triggers.create_triggers),
        ...  # the alteration
        migrations.RunPython(triggers.create_triggers, triggers.drop_triggers),
    ]

tests/figures_app/test_has_figures.py checks that the triggers are there after every migration
has run, so a migration that forgets fails the tests rather than leaving the flag unkept.
(Until this migration, pre_migrate and post_migrate signals dropped and recreated them around
every `migrate`.) It runs after requests_app's migrations of its day for the same reason.
"""

from django.db import migrations

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




def create_triggers(apps, schema_editor) -> None:
    """Create the triggers (again: safe to run twice), then put right every flag."""
    connection = schema_editor.connection
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
        for resync in _RESYNC:
            cursor.execute(resync)


def drop_triggers(apps, schema_editor) -> None:
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        for name in TRIGGERS:
            if connection.vendor == "postgresql":
                cursor.execute(f"DROP TRIGGER IF EXISTS {name} ON {FIGURE}")
            else:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("figures_app", "0009_foreign_key_indexes_led_by_others"),
        ("requests_app", "0019_force_address_changes_and_mail_events"),
    ]

    operations = [migrations.RunPython(create_triggers, drop_triggers)]
