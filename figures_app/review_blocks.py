"""The review queue's block for each request (its figures' rows as HTML, the warnings to check,
how many figures), and its campaigns with reviews pending, from Django's cache (issue 28).

Reading a page's figures as rows (some 1,400 at scale 100), comparing them for the warnings and
writing their rows was most of the queue's time under load, for blocks that change only when a
request's figures do. So a page's blocks are stored under a key made of, for each request on it:
- the request and the version of its figures (the id of its latest FigureChange: every write
  to a figure records one; the page reads it with the reviews, as the approve form's "seen");
- its campaign's data version (services raise it with every change to the metrics, periods,
  categories or settings whose labels the rows show: requests_app/services/data_versions.py);
and a digest of the code that writes the blocks (the cache outlives a deploy). One entry a page,
not one a request: the database cache writes each entry with queries of its own, and a page's
queries stay the same however many requests it shows.

Both versions are read with the page's reviews, before the figures: an entry is never older
than the versions it is stored under.

The campaigns with reviews pending (the queue's counts and its campaign filter: a GROUP BY over
every pending review, 35 ms at a thousand campaigns) are kept under a digest of every
campaign's data version (raised with every review's move, in its transaction), read before
them. A cache that fails is a miss that stores nothing
(requests_app/safe_cache.py)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from django.utils.safestring import SafeString, mark_safe

from figures_app.review_rows import figure_rows_html
from figures_app.selectors.review import QueueCampaign, queue_campaigns
from figures_app.selectors.review_figures import RequestFigures, figures_and_warnings
from requests_app.safe_cache import ROOT, cache_get, cache_set, code_digest
from requests_app.selectors.data_versions import data_versions_digest

_WHAT = "review queue blocks"


@dataclass(frozen=True)
class ReviewBlock:
    """What the queue shows of one request's figures."""

    rows_html: SafeString
    warnings: list[str]
    n_figures: int


@cache
def _code_fingerprint() -> str:
    figures = ROOT / "figures_app"
    return code_digest(
        [
            figures / "review_blocks.py",
            figures / "review_rows.py",
            figures / "bound_words.py",
            figures / "models.py",
            figures / "selectors" / "review_figures.py",
            figures / "selectors" / "review.py",
            ROOT / "foi_tracker" / "urls.py",
        ]
    )


def page_key(reviews: Sequence) -> str:
    shown = ",".join(f"{r.request_id}.{r.version}.{r.campaign_version}" for r in reviews)
    page = hashlib.sha256(shown.encode()).hexdigest()[:24]
    return f"review-blocks:{_code_fingerprint()}:{page}"


def review_blocks(reviews: Sequence) -> dict[int, ReviewBlock]:
    """The block of each review's request, by request id: one cache read for the page; on a
    miss the page's figures read together (figures_and_warnings) and its blocks stored in one
    entry (a query or two, however many requests: the database cache writes each entry with
    queries of its own). Each review carries `request_id`, `version` and `campaign_version`
    (selectors.review.review_queue_page)."""
    if not reviews:
        return {}
    key = page_key(reviews)
    stored = cache_get(key, what=_WHAT)
    if stored is None:
        read = figures_and_warnings(
            [r.request_id for r in reviews], versions={r.request_id: r.version for r in reviews}
        )
        empty = RequestFigures()
        stored = {}
        for r in reviews:
            figures = read.get(r.request_id, empty)
            stored[r.request_id] = (
                str(figure_rows_html(figures.figures)),
                list(figures.warnings),
                len(figures.figures),
            )
        cache_set(key, stored, what=_WHAT)
    # Written by review_rows.figure_rows_html, every value escaped.
    return {
        request_id: ReviewBlock(mark_safe(html), warnings, n_figures)
        for request_id, (html, warnings, n_figures) in stored.items()
    }


def cached_queue_campaigns() -> list[QueueCampaign]:
    """selectors.review.queue_campaigns, from the cache when no campaign's data moved since."""
    key = f"review-campaigns:{_code_fingerprint()}:{data_versions_digest()}"
    campaigns = cache_get(key, what=_WHAT)
    if campaigns is None:
        campaigns = queue_campaigns()
        cache_set(key, campaigns, what=_WHAT)
    return campaigns
