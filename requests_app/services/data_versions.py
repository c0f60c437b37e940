"""Raise the data version of campaigns (CampaignDataVersion, issue 28) inside the caller's
transaction: every service that writes what a campaign's totals are worked out from calls one
of these, so the cached totals (figures_app/selectors/totals_cache.py) are read afresh next;
and count the campaigns' deadlines again for the dashboard (services/deadline_counts.py); and,
after the commit, raise the "Needs you" version (services/needs_you_version.py).

Three statements each: an upsert of the versions over the campaigns in id order (two writers
raising the same campaigns lock their rows in the same order, so they queue and never
deadlock), then the campaigns' deadlines counted and stored."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone

from requests_app.models import Campaign, CampaignDataVersion, FoiRequest
from requests_app.services.deadline_counts import campaign_deadlines_recount
from requests_app.services.needs_you_version import needs_you_changed

_TABLE = CampaignDataVersion._meta.db_table


def _raise(campaigns: QuerySet) -> None:
    # The lists show these campaigns' requests (even when a campaign was just deleted).
    needs_you_changed()
    sql, params = campaigns.values("pk").order_by().query.sql_with_params()
    quoted = connection.ops.quote_name(_TABLE)
    campaign = connection.ops.quote_name(Campaign._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quoted} (campaign_id, version) "
            f"SELECT id, 1 FROM {campaign} WHERE id IN ({sql}) ORDER BY id "
            f"ON CONFLICT (campaign_id) DO UPDATE SET version = {quoted}.version + 1 "
            "RETURNING campaign_id",
            params,
        )
        raised = [pk for (pk,) in cursor.fetchall()]
    # After the version's row lock, so a writer to the same campaign that committed first is
    # counted: the dashboard's counts are kept in the same transaction (issue 28).
    campaign_deadlines_recount(campaign_ids=raised, today=timezone.localdate())


def campaigns_data_changed(*, campaign_ids: Iterable[int]) -> None:
    ids = sorted(set(campaign_ids))
    if ids:
        _raise(Campaign.objects.filter(pk__in=ids))


def requests_data_changed(*, request_ids: Iterable[int]) -> None:
    """The campaigns of these requests."""
    ids = sorted(set(request_ids))
    if ids:
        _raise(
            Campaign.objects.filter(
                pk__in=FoiRequest.objects.filter(pk__in=ids).values("campaign_id")
            )
        )


def forces_data_changed(*, force_ids: Iterable[int]) -> None:
    """Every campaign that asked these forces (a force renamed shows in their totals)."""
    ids = sorted(set(force_ids))
    if ids:
        _raise(Campaign.objects.filter(requests__force_id__in=ids).distinct())
