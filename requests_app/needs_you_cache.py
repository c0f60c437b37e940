"""The dashboard's "Needs you" lists for one person, from Django's cache (issue 28).

Building the lists' querysets, counting them and reading their first rows was about two thirds
of the dashboard's time once its deadline cards were cached (docs/benchmarks.md), for lists that
change only with the data or the date. So each person's lists, as shown (counts, rows, paging),
are stored under a key made of:
- the "Needs you" version (services/needs_you_version.py), raised after every commit that can
  change any list: every write that raises a campaign's data version, a new reply flagged or
  read, a force's address failing or mended, a file quarantined or its force told;
- the person, their roles and the scope ("your campaigns" or all), which choose the lists;
- the day (overdue and complaint windows move with the date alone), and a digest of the
  non-working days the calendars were built from (calendars.py);
- the page's query string (each list's page, and the links that keep the others');
- a digest of the code (the cache outlives a deploy).

The version is read before the lists, so an entry is never older than the version it is stored
under. A write whose raise was lost (the process died between its commit and the raise) shows
for at most NEEDS_YOU_TIMEOUT. A cache that fails is a miss that stores nothing (safe_cache.py)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import date
from functools import cache

from requests_app.roles import can_edit, can_review, can_view
from requests_app.safe_cache import ROOT, cache_get, cache_set, code_digest
from requests_app.selectors.data_versions import needs_you_version

# How long an entry may serve when a raise was lost; every write raises the version, so an entry
# is otherwise replaced on the next load after a change.
NEEDS_YOU_TIMEOUT = 10 * 60
_WHAT = '"Needs you" lists'


@cache
def _code_fingerprint() -> str:
    """The lists are chosen, counted and worded across the apps (the figures' lists are built in
    figures_app and foi_tracker): a digest of all their Python, migrations aside."""
    return code_digest(
        path
        for app in ("requests_app", "figures_app", "foi_tracker")
        for path in (ROOT / app).rglob("*.py")
        if "migrations" not in path.parts
    )


def needs_you_key(request, *, scope: str, today: date, calendars_key: str, version: int) -> str:
    user = request.user
    roles = "".join(
        flag
        for flag, held in (("v", can_view(user)), ("e", can_edit(user)), ("r", can_review(user)))
        if held
    )
    query = hashlib.sha256(request.GET.urlencode().encode()).hexdigest()[:16]
    return (
        f"needs-you:{_code_fingerprint()}:{version}:{user.pk}:{roles}:{scope}:"
        f"{today.isoformat()}:{calendars_key}:{query}"
    )


def cached_needs_you(
    request, *, scope: str, today: date, calendars_key: str, work_out: Callable[[], list[dict]]
) -> list[dict]:
    """The lists from the cache, or `work_out()` stored. `work_out` must return only plain
    values (strings, numbers, dicts and lists of them): the entry is pickled, and may be read by
    another process or host."""
    key = needs_you_key(
        request,
        scope=scope,
        today=today,
        calendars_key=calendars_key,
        version=needs_you_version(),
    )
    stored = cache_get(key, what=_WHAT)
    if stored is None:
        stored = work_out()
        cache_set(key, stored, what=_WHAT, timeout=NEEDS_YOU_TIMEOUT)
    return stored
