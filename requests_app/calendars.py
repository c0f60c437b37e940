"""Working calendars with the hand-added non-working days from the database, cached per process.

Building a calendar means loading decades of bank holidays (deadlines.py); a page that did it on
every request spent most of its time there. So the calendars are built once per process and
reused, and the version that says whether they are still right is the table itself: every call
reads the NonWorkingDay rows (a handful: days proclaimed by hand) in the one query calendars()
has always made, and rebuilds only when they differ from the rows the cached calendars were
built from.

Why the rows and not a signal or a cache key: a day added, changed or deleted in one process (the
admin in one gunicorn worker, a shell, `loaddata`, a queryset `update()` that sends no signal, a
restore) must reach every other process (the other workers, Celery). The project's cache is
per-process by default (LocMem), so a bumped cache key would not be seen elsewhere, and a
signal only fires in the process that saved. Reading the rows sees every change, committed by
anyone, at the next call, with no migration and no extra query.
"""

from __future__ import annotations

import hashlib
import threading

from requests_app.deadlines import FOIA, FOISA, WorkingCalendar
from requests_app.models import NonWorkingDay

Rows = tuple[tuple, ...]

_lock = threading.Lock()
# (the NonWorkingDay rows they were built from, law -> calendar, a digest of the rows);
# replaced whole.
_cached: tuple[Rows, dict[str, WorkingCalendar], str] | None = None


def _build(rows: Rows) -> dict[str, WorkingCalendar]:
    extra: dict[str, dict] = {FOIA: {}, FOISA: {}}
    for day, applies_to, description in rows:
        for law in (FOIA, FOISA) if applies_to == "all" else (applies_to,):
            extra[law][day] = description
    return {law: WorkingCalendar(law, days) for law, days in extra.items()}


def calendars() -> dict[str, WorkingCalendar]:
    """One calendar per law, with a single query; the same calendar objects for as long as the
    non-working days in the database stay the same."""
    return calendars_with_key()[0]


def calendars_with_key() -> tuple[dict[str, WorkingCalendar], str]:
    """calendars(), and a digest of the non-working days they were built from: the same in
    every process for the same rows, so a value worked out with these calendars can be cached
    under it (the dashboard's deadline cards, deadline_cards.py)."""
    global _cached
    rows: Rows = tuple(
        NonWorkingDay.objects.order_by("date", "applies_to", "pk").values_list(
            "date", "applies_to", "description"
        )
    )
    cached = _cached
    if cached is None or cached[0] != rows:
        with _lock:
            cached = _cached
            if cached is None or cached[0] != rows:
                digest = hashlib.sha256(repr(rows).encode()).hexdigest()[:12]
                cached = _cached = (rows, _build(rows), digest)
    # A new dict each time: a caller may add to it; the calendars themselves are immutable.
    return dict(cached[1]), cached[2]


def calendar_for(law: str) -> WorkingCalendar:
    return calendars()[law]


def clear_cache() -> None:
    """Forget the cached calendars (tests)."""
    global _cached
    _cached = None
