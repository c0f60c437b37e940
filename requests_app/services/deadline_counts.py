"""The dashboard's per-campaign deadline counts (CampaignDeadlineCounts, issue 28), stored with
the day they were counted on.

Counted again for a campaign in the transaction of every write to its requests (called by
services/data_versions.py after it raises the campaign's data version: that row lock queues
writers to one campaign, so each counts after the one before it committed), and for every
campaign when the date moves ("overdue" changes with the date and no write): by the beat job
just after midnight (`manage.py count_deadlines`) or, if it has not run, by the first dashboard
of the day."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.db import transaction

from requests_app.calendars import calendars
from requests_app.models import Campaign, CampaignDeadlineCounts
from requests_app.selectors.deadlines import DUE_SOON_WORKING_DAYS, deadline_counts

COUNTED = ["counted_on", "overdue", "long_overdue", "due_soon"]


def _store(ids: list[int], *, today: date, only: bool) -> int:
    counts = deadline_counts(
        today, calendars(), DUE_SOON_WORKING_DAYS, campaign_ids=ids if only else None
    )
    rows = [
        CampaignDeadlineCounts(
            campaign_id=pk,
            counted_on=today,
            overdue=counts.get(pk, (0, 0, 0))[0],
            long_overdue=counts.get(pk, (0, 0, 0))[1],
            due_soon=counts.get(pk, (0, 0, 0))[2],
        )
        for pk in sorted(ids)  # in id order: two writers lock the rows in the same order
    ]
    CampaignDeadlineCounts.objects.bulk_create(
        rows, update_conflicts=True, unique_fields=["campaign"], update_fields=COUNTED
    )
    return len(rows)


def campaign_deadlines_recount(*, campaign_ids: Iterable[int], today: date) -> None:
    """These campaigns' counts, inside the caller's transaction."""
    ids = sorted(set(campaign_ids))
    if ids:
        _store(ids, today=today, only=True)


@transaction.atomic
def deadline_counts_refresh(*, today: date) -> int:
    """Every campaign's counts, as of `today`. Returns how many campaigns were counted."""
    return _store(list(Campaign.objects.values_list("pk", flat=True)), today=today, only=False)
