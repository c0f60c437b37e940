"""One line about a request in the dashboard's lists and the digest: the shape both use."""

from __future__ import annotations

from django.urls import reverse


def request_item(foi, detail: str) -> dict:
    return {
        "label": foi.force.name,
        "url": reverse("request_detail", args=[foi.pk]),
        "detail": detail,
        "campaign": foi.campaign.title,
        "campaign_url": reverse("campaign_detail", args=[foi.campaign.slug]),
    }
