"""A campaign's page: requests_app's table of its requests, with links to its figures."""

from __future__ import annotations

from django.urls import reverse

from requests_app.views import campaigns as tracking


def figure_links(campaign) -> list[tuple[str, str]]:
    links = [
        ("Totals", reverse("figures_campaign_totals", args=[campaign.slug])),
        ("Metrics", reverse("figures_metrics", args=[campaign.slug])),
        ("Import figures", reverse("figures_import", args=[campaign.slug])),
        ("Export figures (CSV)", reverse("figures_export_csv", args=[campaign.slug])),
        ("Export figures and totals (XLSX)", reverse("figures_export_xlsx", args=[campaign.slug])),
    ]
    if campaign.series_id:  # issue 14
        links.append(
            ("Series over the years", reverse("figures_series", args=[campaign.series.slug]))
        )
    return links


def campaign_detail(request, slug):
    return tracking.campaign_detail(request, slug, links=figure_links)
