"""Saving a campaign with its metrics: the campaign form's one write, in one transaction, so a
metric the service refuses leaves the campaign as it was (or not created at all)."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from figures_app.services.metrics import MetricEdit, campaign_metrics_sync
from requests_app.models import Campaign
from requests_app.services.campaigns import campaign_create, campaign_update


@transaction.atomic
def campaign_save_with_metrics(
    *,
    campaign_id: int | None,
    actor,
    slug: str,
    fields: dict[str, Any],
    metrics: list[MetricEdit],
) -> Campaign:
    """Create (campaign_id None, with `slug`; `actor` owns it) or update the campaign from
    `fields` (campaign_create's and campaign_update's keywords), then sync its metrics. Raises
    ServiceError naming the field (a metric's: "metrics"); nothing is then written."""
    if campaign_id is not None:
        campaign = campaign_update(campaign_id=campaign_id, actor=actor, **fields)
    else:
        campaign = campaign_create(actor=actor, owner=actor, slug=slug, **fields)
    campaign_metrics_sync(campaign=campaign, actor=actor, specs=metrics)
    return campaign
