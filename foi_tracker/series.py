"""Running a campaign again for the next period with its figures' metrics: requests_app makes the
campaign, figures_app copies the metrics, in requests_app's one transaction."""

from __future__ import annotations

from figures_app.services.metrics import campaign_metrics_copy
from requests_app.services.series import RunAgain, campaign_run_again


def campaign_run_again_with_metrics(
    *, campaign_id: int, actor, slug: str | None = None, title: str | None = None
) -> RunAgain:
    return campaign_run_again(
        campaign_id=campaign_id,
        actor=actor,
        slug=slug,
        title=title,
        copy_more=campaign_metrics_copy,
    )
