"""The dashboard's partial indexes match the queries they were made for (PostgreSQL): a change to
how a selector writes its WHERE (the order of a status list, a negation) would otherwise leave
an index unused, and the lists scanning every request again, with no test failing."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection, transaction

from figures_app.selectors.to_enter import figures_to_enter
from requests_app.models import FoiRequest
from requests_app.selectors import figures_unrecorded_requests, new_reply_requests, owed_by_forces

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL (set DATABASE_URL=postgres://...)",
    ),
]

TODAY = date(2026, 12, 3)


def plan(queryset) -> str:
    """The plan PostgreSQL would take with sequential scans priced out: which index it can use."""
    sql, params = queryset.query.sql_with_params()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.parametrize(
    ("name", "queryset"),
    [
        ("request_owed_due_idx", lambda: owed_by_forces(FoiRequest.objects.all(), TODAY)),
        ("request_new_reply_idx", lambda: new_reply_requests(FoiRequest.objects.all())),
        ("request_figures_unrecorded_idx", lambda: figures_unrecorded_requests()),
        ("request_figures_to_enter_idx", lambda: figures_to_enter()),
    ],
)
def test_each_list_can_read_its_partial_index(name, queryset):
    assert name in plan(queryset())
