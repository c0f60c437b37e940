"""Small, explicit extension points that figures_app (and others) fill in AppConfig.ready().

requests_app never imports figures_app; instead figures_app registers here what it adds:
- extra keys of the campaign JSON (e.g. "metrics"), validated before anything is written and
  applied inside the same transaction as the campaign;
- extra sections of the campaign form (the metrics);
- extra sections of the staff digest (e.g. "figures awaiting your review");
- extra lists in the dashboard's "Needs you" (the same figures reviews, paginated), and a
  section of a force's page (its figures per campaign).
Which requests have figures is not a hook but a column, FoiRequest.has_figures, that figures_app
keeps with database triggers (figures_app/has_figures.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class CampaignJsonExtension:
    key: str
    # validate(value) -> cleaned value; raises ValueError with a message naming what is wrong.
    validate: Callable[[Any], Any]
    # apply(campaign, cleaned) inside the campaign's transaction (after create or update).
    apply: Callable[[Any, Any], None]


CAMPAIGN_JSON_EXTENSIONS: dict[str, CampaignJsonExtension] = {}

# section(user, today) -> list of dicts {"label", "url", "detail"}; empty when nothing to say.
DIGEST_SECTIONS: dict[str, Callable[..., list[dict]]] = {}


@dataclass(frozen=True)
class DashboardSection:
    """One list in the dashboard's "Needs you" (requests_app's own lists use it too).

    The dashboard paginates `items` itself (`?<key>_page=N`), so a QuerySet is only ever
    counted and sliced: the page costs the same queries however long the list."""

    key: str  # unique among the sections; names the page parameter
    title: str
    items: Any  # a QuerySet (or a list), in the order shown
    # item(row) -> {"label", "url", "detail", "campaign", "campaign_url"} for one row of `items`.
    item: Callable[[Any], dict]
    url: str = ""  # a page with the whole list and its actions, if there is one
    url_label: str = ""


# fn(user, today) -> list of DashboardSection for this person (none when nothing applies, e.g.
# "waiting for your review" for someone who is not a reviewer). Registered in AppConfig.ready().
DASHBOARD_SECTIONS: list[Callable[..., list[DashboardSection]]] = []


def register_campaign_json_extension(extension: CampaignJsonExtension) -> None:
    CAMPAIGN_JSON_EXTENSIONS[extension.key] = extension


def register_digest_section(title: str, section: Callable[..., list[dict]]) -> None:
    DIGEST_SECTIONS[title] = section


# Extra sections of the campaign form (figures_app adds the metrics, so that a campaign is set up
# in one form). make(campaign_or_None, post_data_or_None) -> an object with
#   template_name: rendered inside the form with {"section": the object};
#   is_valid() -> bool (errors are shown by its template);
#   save(campaign, actor): called in the campaign's transaction after it is created or updated;
#     raises ServiceError to roll the whole form back, with the message shown on the form;
#   add_error(message): show a ServiceError raised by save.
CAMPAIGN_FORM_SECTIONS: list[Callable[..., Any]] = []

# Links in the top navigation: (label, url_name, predicate(user) -> bool).
NAV_LINKS: list[tuple[str, str, Callable[..., bool]]] = []

# Links on a campaign page: fn(campaign) -> list of (label, url).
CAMPAIGN_PAGE_LINKS: list[Callable[..., list[tuple[str, str]]]] = []

# Sections rendered on a request page below its timeline: fn(http_request, foi) -> HTML string.
REQUEST_PAGE_SECTIONS: list[Callable[..., str]] = []

# Sections rendered on a force's page below its requests: fn(http_request, force) -> HTML string
# (figures_app: the force's figures per campaign).
FORCE_PAGE_SECTIONS: list[Callable[..., str]] = []

# fn(source_campaign, new_campaign, actor) when a campaign is run again for the next period
# (requests_app/services/series.py), inside its transaction: figures_app copies the metrics and
# their dimensions. Raise ServiceError to roll the whole run back.
CAMPAIGN_COPIED: list[Callable[..., None]] = []

# Extra demo content: fn(campaign, *, actor, today) called by `load_demo` after the tracking demo.
DEMO_EXTENSIONS: list[Callable[..., None]] = []
