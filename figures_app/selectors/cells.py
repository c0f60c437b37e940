"""Which saved layout reads a request's file: the force's own, for the metrics this campaign asks."""

from __future__ import annotations

from figures_app.models import CellTemplate
from requests_app.models import FoiRequest


def layout_for(foi: FoiRequest) -> CellTemplate | None:
    """This campaign's layout for the force if one was kept, else the force's latest layout for a
    metric this campaign also asks (last year's campaign of a series asks the same metrics)."""
    slugs = set(foi.campaign.metrics.values_list("slug", flat=True))
    if not slugs:
        return None
    candidates = CellTemplate.objects.filter(force_id=foi.force_id).order_by("-saved_at", "-pk")
    best = None
    for template in candidates[:50]:
        if not set(template.metric_slugs.split(",")) <= slugs:
            continue
        if template.campaign_id == foi.campaign_id:
            return template
        best = best or template
    return best
