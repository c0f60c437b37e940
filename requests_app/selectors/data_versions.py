"""Reads of a campaign's data version (issue 28; services/data_versions.py raises it) and of the
"Needs you" version (services/needs_you_version.py)."""

from __future__ import annotations

import hashlib

from django.db.models import F, Value
from django.db.models.functions import Coalesce

from requests_app.models import CampaignDataVersion, NeedsYouVersion


def campaign_data_version(campaign_id: int) -> int:
    """0 for a campaign no service has written to since the version was introduced."""
    version = (
        CampaignDataVersion.objects.filter(campaign_id=campaign_id)
        .values_list("version", flat=True)
        .first()
    )
    return version or 0


def data_version_of(campaign_path: str = "campaign"):
    """An annotation reading the version with a query that already joins the campaign (the
    totals views' metrics query), so a cache hit costs no query for it."""
    return Coalesce(F(f"{campaign_path}__data_version__version"), Value(0))


def needs_you_version() -> int:
    """The "Needs you" version (services/needs_you_version.py raises it): 0 before any raise."""
    version = NeedsYouVersion.objects.filter(pk=1).values_list("version", flat=True).first()
    return version or 0


def data_versions_digest() -> str:
    """A digest of every campaign's data version (one row a campaign, read whole: under a
    millisecond at a thousand campaigns): it changes in the transaction of any write to any
    campaign's data, a campaign created or deleted included, for a cache of something read
    across all campaigns."""
    rows = CampaignDataVersion.objects.order_by("campaign_id").values_list("campaign_id", "version")
    return hashlib.sha256(repr(list(rows)).encode()).hexdigest()[:24]
