"""Counting several lists in one query: a page that shows many paginated lists (the dashboard's
"Needs you") asks the database for every list's length at once, not one COUNT per list."""

from __future__ import annotations

from django.db import connection
from django.db.models import QuerySet


def counts_of(querysets: list[QuerySet]) -> list[int]:
    """len() of each queryset, in one SELECT of scalar subqueries (any database Django runs on).
    Each is counted as it would be paginated: its own filters, no ordering, no joins it only
    needed to fetch related rows."""
    if not querysets:
        return []
    parts, params = [], []
    for queryset in querysets:
        sql, sub_params = queryset.order_by().values("pk").query.sql_with_params()
        parts.append(f"(SELECT COUNT(*) FROM ({sql}) AS counted)")
        params.extend(sub_params)
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts), params)
        return [int(n) for n in cursor.fetchone()]
