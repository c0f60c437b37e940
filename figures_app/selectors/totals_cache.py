"""One metric's totals, served from Django's cache (issue 28): the totals page, the JSON API,
the CSV and XLSX, and a release's payload all read them through `cached_metric_totals`.

The key is the campaign, its data version (requests_app/services/data_versions.py: raised in
the same transaction as every write to the campaign's figures, reviews, requests, periods,
metrics or settings), the metric, the basis and the day. A reader that sees a version sees the
data written with it, so an entry is never stale; the day is in the key because the reasons a
force has no figure ("no reply yet, overdue") move with the date and no write.

The totals are worked out by `metric_totals` (selectors/totals.py), untouched: this module only
wraps it. A cache that fails (Redis down or unreachable) is a miss that stores nothing: the
totals are worked out, served, and a warning logged, never an error page."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import cache

from figures_app.models import Metric
from figures_app.selectors.totals import Totals, metric_totals
from requests_app.safe_cache import ROOT, cache_get, cache_set, code_digest
from requests_app.selectors.data_versions import campaign_data_version


@cache
def _code_fingerprint() -> str:
    """A digest of the code that shapes a cached Totals and what is made of it (figures_app's
    selectors and modules, requests_app's models): an entry pickled by an older release is never
    unpickled into a newer one's classes, nor an older JSON served, since the cache (a table, or
    Redis) outlives a deploy."""
    figures = ROOT / "figures_app"
    requests = ROOT / "requests_app"
    return code_digest(
        [
            *figures.glob("selectors/*.py"),
            *figures.glob("*.py"),
            *requests.glob("models/*.py"),
            # The "why no figure" reasons a cached Totals holds are worded here.
            requests / "exemptions.py",
            requests / "workflow.py",
        ]
    )


def totals_key(*, campaign_id: int, version: int, metric_id: int, basis: str, today: date) -> str:
    return (
        f"totals:{_code_fingerprint()}:{campaign_id}:{version}:{metric_id}:{basis}:"
        f"{today.isoformat()}"
    )


def cached_metric_totals(
    *, metric: Metric, basis: str, today: date, version: int | None = None
) -> Totals:
    """metric_totals from the cache, or worked out and stored. `version` is the campaign's data
    version when the caller read it with the metric (the views annotate it: no query); else it
    is read here, one query. Read it before the data, never after: a version read later than
    the figures could name figures older than itself."""
    if version is None:
        version = campaign_data_version(metric.campaign_id)
    key = totals_key(
        campaign_id=metric.campaign_id,
        version=version,
        metric_id=metric.pk,
        basis=basis,
        today=today,
    )
    totals = cache_get(key, what="totals")
    if totals is None:
        totals = metric_totals(metric=metric, basis=basis, today=today)
        cache_set(key, totals, what="totals")
    return totals


def cached_totals_output(
    *,
    metric: Metric,
    basis: str,
    today: date,
    version: int,
    name: str,
    make: Callable[[Totals], str],
) -> str:
    """Something made of the cached totals (the API's JSON: `name` says which), kept beside
    them under the same key, so a hit is one read and no unpickling or rewriting of the totals.
    Made from `cached_metric_totals` on a miss, so it says what the page and files say."""
    key = (
        totals_key(
            campaign_id=metric.campaign_id,
            version=version,
            metric_id=metric.pk,
            basis=basis,
            today=today,
        )
        + f":{name}"
    )
    made = cache_get(key, what="totals")
    if made is None:
        made = make(cached_metric_totals(metric=metric, basis=basis, today=today, version=version))
        cache_set(key, made, what="totals")
    return made
