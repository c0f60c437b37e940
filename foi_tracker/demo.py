"""The demo with its figures: requests_app's people and campaigns, each campaign then given
figures_app's illustrative figures, and the campaign run again given its metrics."""

from __future__ import annotations

from datetime import date

from figures_app.demo import demo_extension
from figures_app.services.metrics import campaign_metrics_copy
from requests_app.demo import demo_load
from requests_app.models import Campaign


def demo_load_with_figures(*, today: date) -> tuple[dict, list[Campaign]]:
    return demo_load(today=today, copy_more=campaign_metrics_copy, extend=demo_extension)
