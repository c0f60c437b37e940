"""Raise the "Needs you" version (NeedsYouVersion) once the caller's transaction commits: every
service that changes what the dashboard's "Needs you" lists hold calls `needs_you_changed`, so
each person's cached lists (needs_you_cache.py) are worked out afresh on their next load.

Called by services/data_versions.py (every write to a campaign's requests, figures, reviews or
settings, and to the forces it asked), and by the writes the lists show that no campaign's
totals depend on: a new reply flagged or read, a force's address failing or mended, a file
quarantined or the force told about it."""

from __future__ import annotations

from django.db import connection, transaction

from requests_app.models import NeedsYouVersion

_TABLE = NeedsYouVersion._meta.db_table
# The one row; a database emptied by a test or a restore gets it back on the first raise.
_ROW = 1


def _raise_now() -> None:
    table = connection.ops.quote_name(_TABLE)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (id, version) VALUES (%s, 1) "
            f"ON CONFLICT (id) DO UPDATE SET version = {table}.version + 1",
            [_ROW],
        )


def needs_you_changed() -> None:
    """After the commit (at once outside a transaction); nothing if the transaction rolls back.
    A raise that fails after the commit is logged by Django and does not undo the write: the
    lists are then stale until the next raise or the next day (their key has the date)."""
    transaction.on_commit(_raise_now, robust=True)
