"""Reads for a run of the daily reminders job: every email owed as of a day, cut into batches,
what a dry run would send, and how a run stands (what it sent, the claims still open). The
claims and the sends themselves are services/reminders.py."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db.models import Count, Min
from django.utils import timezone

from requests_app.calendars import calendars
from requests_app.deadlines import WorkingCalendar
from requests_app.models import SentReminder
from requests_app.models.reminders import ReminderKind, ReminderStatus
from requests_app.selectors.reminder_chasers import (
    ChaserRenderer,
    chasers_pending,
    load_chaser_batch,
)
from requests_app.selectors.reminder_digests import (
    DigestSection,
    digests_pending,
    render_digests,
)
from requests_app.selectors.reminders import Outgoing, Owed

# Emails per batch task. Small enough that several workers share a big day and that a killed
# worker leaves at most this many claims to go stale; large enough that the per-batch queries
# (take the claims, load requests, periods and thread: about six) cost little per email.
BATCH_SIZE = 200


# Digests per batch task: each lists all of its person's late requests (thousands, for the owner
# of many campaigns), so fewer to a batch.
DIGEST_BATCH_SIZE = 10


def empty_counts() -> dict[str, int]:
    counts = {kind: 0 for kind in ReminderKind.values}
    counts["failed"] = 0
    return counts


def stale_before_now() -> datetime:
    return timezone.now() - timedelta(minutes=settings.REMINDERS_STALE_CLAIM_MINUTES)


def reminders_owed_pending(
    *,
    today: date,
    cals: dict[str, WorkingCalendar] | None = None,
    extra_sections: Sequence[DigestSection] = (),
):
    """Every email owed as of `today` and not yet sent, skipped or held by a live run, in the
    order a run sends them. `extra_sections`: other apps' sections of the digest
    (foi_tracker/digest.py), which decide, with requests_app's own, who is owed one."""
    cals = cals or calendars()
    stale_before = stale_before_now()
    return [
        *chasers_pending(today=today, cals=cals, stale_before=stale_before),
        *digests_pending(
            today=today, cals=cals, stale_before=stale_before, extra_sections=extra_sections
        ),
    ]


def reminders_pending(
    *, today: date, extra_sections: Sequence[DigestSection] = ()
) -> list[Outgoing]:
    """What a run would send now, with subjects (the dry run's list; bodies are not rendered)."""
    cals = calendars()
    owed = reminders_owed_pending(today=today, cals=cals, extra_sections=extra_sections)
    renderer = ChaserRenderer(cals, subject_only=True)
    pending = []
    for chunk in owed_batches([o for o in owed if o.request_id is not None], size=2000):
        batch = load_chaser_batch([o.request_id for o in chunk])
        for o in chunk:
            foi = batch.requests.get(o.request_id)
            out = renderer.render(
                kind=o.kind,
                about_date=o.about_date,
                foi=foi,
                periods=batch.periods.get(foi.campaign_id, []) if foi else [],
            )
            if out is not None:
                pending.append(out)
    digests = render_digests(
        [o.recipient_id for o in owed if o.recipient_id is not None],
        today=today,
        cals=cals,
        subject_only=True,
        extra_sections=extra_sections,
    )
    return [*pending, *digests.values()]


def owed_batches(owed: list[Owed], size: int | None = None) -> list[list[Owed]]:
    """`owed` (in Owed.order) cut into batches of about BATCH_SIZE (or `size`): chasers and
    digests apart, a request's chasers never split (the second is threaded under the first)."""
    chunks: list[list[Owed]] = []
    previous = None
    for o in owed:
        group = ("chaser", o.request_id) if o.request_id is not None else ("digest",)
        limit = size or (BATCH_SIZE if group[0] == "chaser" else DIGEST_BATCH_SIZE)
        if (
            not chunks
            or group[0] != previous[0]
            or (len(chunks[-1]) >= limit and group != previous)
        ):
            chunks.append([])
        chunks[-1].append(o)
        previous = group
    return chunks


@dataclass(frozen=True)
class OpenClaims:
    """Claims not yet settled (neither sent nor closed) after a run, and when to look again."""

    count: int
    retry_in_seconds: float

    def __bool__(self) -> bool:
        return self.count > 0


def reminders_open_claims(*, today: date) -> OpenClaims:
    """Emails still claimed but not marked sent, from runs up to `today`.

    Each is held either by a batch still sending (it will mark it soon) or by a worker that died
    (it goes stale and the next run takes it over). The caller cannot tell which, so it waits
    until the oldest would be stale, then runs again: by then the live batch has marked it, or
    the new run sends it. `retry_in_seconds` is that wait (at least one second). One query.
    """
    found = SentReminder.objects.filter(status=ReminderStatus.CLAIMED, run_on__lte=today).aggregate(
        count=Count("pk"), oldest=Min("claimed_at")
    )
    if not found["count"]:
        return OpenClaims(count=0, retry_in_seconds=0.0)
    stale_at = found["oldest"] + timedelta(minutes=settings.REMINDERS_STALE_CLAIM_MINUTES)
    wait = (stale_at - timezone.now()).total_seconds()
    return OpenClaims(count=found["count"], retry_in_seconds=max(1.0, wait + 1.0))


@dataclass(frozen=True)
class RunProgress:
    """Where a run stands: what it has sent (per kind, plus "failed"), and every open claim."""

    counts: dict[str, int]
    open_claims: OpenClaims


def reminders_run_progress(*, run_token: str, today: date) -> RunProgress:
    """Two queries: this run's sent-log rows by kind and status, and the open claims."""
    counts = empty_counts()
    rows = (
        SentReminder.objects.filter(
            run_token=run_token, status__in=[ReminderStatus.SENT, ReminderStatus.FAILED]
        )
        .values_list("kind", "status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    tally = Counter()
    for kind, status, n in rows:
        tally[kind if status == ReminderStatus.SENT else "failed"] += n
    counts.update(tally)
    return RunProgress(counts=counts, open_claims=reminders_open_claims(today=today))
