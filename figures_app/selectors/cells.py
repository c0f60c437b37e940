"""Which saved layout reads a request's file: the force's own, for the metrics this campaign asks."""

from __future__ import annotations

from figures_app.models import CellTemplate
from requests_app.models import FoiRequest


def layout_for(foi: FoiRequest) -> CellTemplate | None:
    """This campaign's layout for the force if one was kept, else the force's latest layout from
    a campaign of the same series, else its latest from any campaign, for metrics this campaign
    also asks (last year's campaign of a series asks the same metrics)."""
    slugs = set(foi.campaign.metrics.values_list("slug", flat=True))
    if not slugs:
        return None
    candidates = (
        CellTemplate.objects.filter(force_id=foi.force_id)
        .select_related("campaign")
        .order_by("-saved_at", "-pk")
    )
    series_id = foi.campaign.series_id
    in_series = elsewhere = None
    for template in candidates[:50]:
        if not set(template.metric_slugs.split(",")) <= slugs:
            continue
        if template.campaign_id == foi.campaign_id:
            return template
        if series_id and template.campaign.series_id == series_id:
            in_series = in_series or template
        elsewhere = elsewhere or template
    return in_series or elsewhere
