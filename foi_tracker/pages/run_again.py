"""Running a campaign again: requests_app's page, the figures' metrics copied with it."""

from __future__ import annotations

from figures_app.services.metrics import campaign_metrics_copy
from requests_app.views import series as tracking


def campaign_run_again_page(request, slug):
    return tracking.campaign_run_again_page(request, slug, copy_more=campaign_metrics_copy)
