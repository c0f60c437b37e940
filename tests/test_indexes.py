"""No index is a leading part of another on the same table: the longer one already serves every
lookup the shorter would, and each index is one more write for every row an import inserts
(issue 11). Read from the database itself, so it holds on SQLite and on PostgreSQL alike."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.db import connection

pytestmark = pytest.mark.django_db

OUR_APPS = ("requests_app", "figures_app", "accounts")


def _partial_index_names(model) -> set[str]:
    """Indexes over some rows only: they cannot stand in for an index over all of them."""
    names = {index.name for index in model._meta.indexes if index.condition is not None}
    names |= {c.name for c in model._meta.constraints if getattr(c, "condition", None) is not None}
    return names


def redundant_indexes() -> list[str]:
    """Each index that another makes redundant, as "table: shorter (columns) leads longer
    (columns)". A unique index (or primary key) says something of its own, so it is never
    redundant; a partial index covers only some rows, so it is never counted either way."""
    found = []
    with connection.cursor() as cursor:
        for model in apps.get_models():
            if model._meta.app_label not in OUR_APPS or not model._meta.managed:
                continue
            table = model._meta.db_table
            partial = _partial_index_names(model)
            constraints = connection.introspection.get_constraints(cursor, table)
            # Unique constraints are indexes too (PostgreSQL's introspection does not say so).
            # Django's "_like" indexes on PostgreSQL use another operator class (for LIKE).
            indexes = {
                name: (tuple(info["columns"]), info["unique"] or info["primary_key"])
                for name, info in constraints.items()
                if (info["index"] or info["unique"])
                and info["columns"]
                and name not in partial
                and not name.endswith("_like")
            }
            for name, (columns, unique) in sorted(indexes.items()):
                if unique:
                    continue
                for other, (longer, _) in sorted(indexes.items()):
                    if other == name or longer[: len(columns)] != columns:
                        continue
                    # Two indexes on the same columns: the second named is the one reported.
                    if longer == columns and other > name and not indexes[other][1]:
                        continue
                    found.append(f"{table}: {name} {columns} leads {other} {longer}")
                    break
    return found


def test_no_index_is_a_leading_part_of_another():
    assert all(apps.is_installed(name) for name in OUR_APPS)  # no label misspelt
    assert redundant_indexes() == []


def test_an_index_that_another_leads_with_is_named():
    """The check finds one: an index on the campaign alone, which request_campaign_status_idx
    (campaign, status) already serves. Rolled back with the test's transaction."""
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE INDEX {quote('probe_campaign_idx')} "
            f"ON {quote('requests_app_foirequest')} ({quote('campaign_id')})"
        )
    assert redundant_indexes() == [
        "requests_app_foirequest: probe_campaign_idx ('campaign_id',) leads "
        "request_campaign_status_idx ('campaign_id', 'status')"
    ]
