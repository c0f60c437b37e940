"""One list of the dashboard's "Needs you": the shape both apps' lists take, so the dashboard
(requests_app/views/dashboard.py) pages and counts them alike whoever builds them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class DashboardSection:
    """The dashboard paginates `items` itself (`?<key>_page=N`), so a QuerySet is only ever
    counted and sliced: the page costs the same queries however long the list."""

    key: str  # unique among the sections; names the page parameter
    title: str
    items: Any  # a QuerySet (or a list), in the order shown
    # item(row) -> {"label", "url", "detail", "campaign", "campaign_url"} for one row of `items`.
    item: Callable[[Any], dict]
    url: str = ""  # a page with the whole list and its actions, if there is one
    url_label: str = ""
