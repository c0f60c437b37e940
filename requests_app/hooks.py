"""Small, explicit extension points that figures_app (and others) fill in AppConfig.ready().

requests_app never imports figures_app; instead figures_app registers here what it adds:
- a campaign run again copies its metrics; the demo adds figures.
Which requests have figures is not a hook but a column, FoiRequest.has_figures, that figures_app
keeps with database triggers (figures_app/has_figures.py).
"""

from __future__ import annotations

from collections.abc import Callable

# fn(source_campaign, new_campaign, actor) when a campaign is run again for the next period
# (requests_app/services/series.py), inside its transaction: figures_app copies the metrics and
# their dimensions. Raise ServiceError to roll the whole run back.
CAMPAIGN_COPIED: list[Callable[..., None]] = []

# Extra demo content: fn(campaign, *, actor, today) called by `load_demo` after the tracking demo.
DEMO_EXTENSIONS: list[Callable[..., None]] = []
