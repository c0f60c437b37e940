"""The rows of the dashboard's deadline cards, from Django's cache (issue 28).

Working them out (each shown campaign's first overdue and due-soon requests, read as model
objects, their dates computed, written as HTML) was about half of the dashboard's time under
load, for rows that change only with the data or the date. So one page of cards' rows is stored
under a key made of the campaigns shown with their data versions (services/data_versions.py
raises a campaign's version in the same transaction as every write to its requests, figures,
reviews or settings, and to the forces it asked, the same writes after which the cards' counts
are counted again), the day (overdue and working days left move with the date alone), a digest
of the non-working days the calendars were built from (calendars.py) and of this code. The
versions are read with the counts, in the page's one query of campaigns, before the rows: an
entry is never older than the versions it is stored under.

A cache that fails (Redis down or unreachable) is a miss that stores nothing: the rows are
worked out and served, and a warning logged, never an error page."""

from __future__ import annotations

import hashlib
from datetime import date
from functools import cache

from django.utils.safestring import mark_safe

from requests_app.campaign_rows import deadline_card_html, deadline_rows_html
from requests_app.deadlines import WorkingCalendar
from requests_app.safe_cache import ROOT, cache_get, cache_set, code_digest
from requests_app.selectors.deadlines import CampaignDeadlines, deadline_rows_by_campaign

# What shapes a card's rows: which requests, their computed dates, their HTML.
_SOURCES = (
    "campaign_rows.py",
    "deadlines.py",
    "deadline_cards.py",
    "text.py",
    "workflow.py",
    "templatetags/foi.py",
    "urls.py",
    "selectors/answering.py",
    "selectors/clock.py",
    "selectors/deadlines.py",
    "selectors/requests.py",
    "models/requests.py",
)


@cache
def _code_fingerprint() -> str:
    """A digest of the code above: a deploy that changes the rows never serves the old ones
    (the cache, a table or Redis, outlives it)."""
    return code_digest(ROOT / "requests_app" / name for name in _SOURCES)


def cards_key(
    cards: list[CampaignDeadlines], *, today: date, calendars_key: str, per_campaign: int
) -> str:
    shown = ",".join(f"{c.pk}.{c.version}" for c in cards)
    page = hashlib.sha256(shown.encode()).hexdigest()[:24]
    return (
        f"deadline-cards:{_code_fingerprint()}:{calendars_key}:{today.isoformat()}:"
        f"{per_campaign}:{page}"
    )


def fill_deadline_cards(
    cards: list[CampaignDeadlines],
    *,
    today: date,
    cals: dict[str, WorkingCalendar],
    calendars_key: str,
    working_days: int,
    per_campaign: int,
) -> None:
    """Set each card's rows_html and n_rows: one cache read for the page's cards; on a miss the
    rows worked out in one query (deadline_rows_by_campaign) and stored."""
    if not cards:
        return
    key = cards_key(cards, today=today, calendars_key=calendars_key, per_campaign=per_campaign)
    stored = cache_get(key, what="deadline cards")
    if stored is None:
        rows = deadline_rows_by_campaign(
            [c.pk for c in cards], today, cals, working_days, per_campaign=per_campaign
        )
        stored = {}
        for c in cards:
            listed = rows.get(c.pk, [])
            html = str(deadline_rows_html(listed))
            stored[c.pk] = (html, len(listed), str(deadline_card_html(c, html, len(listed))))
        cache_set(key, stored, what="deadline cards")
    for card in cards:
        html, card.n_rows, card_html = stored[card.pk]
        # Written by campaign_rows.deadline_rows_html and deadline_card_html, every value escaped.
        card.rows_html = mark_safe(html)
        card.card_html = mark_safe(card_html)
