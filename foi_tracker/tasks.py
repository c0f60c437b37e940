"""The daily reminders job's Celery tasks (chasers and the staff digest with its figures'
sections). Registered under their requests_app names, which the beat schedule uses."""

from __future__ import annotations

from datetime import date

from celery import shared_task
from celery.utils.time import get_exponential_backoff_interval
from django.utils import timezone

from foi_tracker.digest import FIGURE_SECTIONS
from requests_app.selectors.reminder_runs import reminders_run_progress
from requests_app.services.reminders import new_token, reminders_claim_owed, reminders_send_batch
from requests_app.tasks import (
    MAX_RETRIES,
    RETRY_BACKOFF_MAX_SECONDS,
    RETRY_BACKOFF_SECONDS,
    settle_countdown,
)


class RemindersFailed(Exception):
    """Some emails of a run could not be sent; their claims are marked failed for a retry."""


class RemindersUnsettled(Exception):
    """Emails owed are still claimed but not sent (a run in progress, or a worker that died)."""


def _same_queue(request) -> dict:
    """Routing options that send a task where `request`'s own task came from (as Celery's retry
    does), so that the workers taking the daily job from a queue also take its batches."""
    delivery = request.delivery_info or {}
    if delivery.get("is_eager"):
        return {}
    if delivery.get("exchange") == "" and delivery.get("routing_key"):
        return {"queue": delivery["routing_key"]}
    return {k: delivery[k] for k in ("exchange", "routing_key") if delivery.get(k)}


# While a run's batches are being sent, the daily task looks again after this many seconds
# (doubling from 1 with each look, up to this), so that it reports soon after the last one.
PROGRESS_POLL_MAX_SECONDS = 30


@shared_task(
    bind=True,
    name="requests_app.send_daily_reminders",
    acks_late=True,
    # If the worker process dies mid-run, requeue the job rather than drop it: the sent-log
    # makes a second run send only what the first did not.
    reject_on_worker_lost=True,
    max_retries=MAX_RETRIES,
)
def send_daily_reminders(
    self,
    day: str | None = None,
    run: str | None = None,
    claim: bool = True,
    open_before: int | None = None,
    failures: int = 0,
    waits: int = 0,
) -> dict[str, int]:
    """The daily job (beat, 07:00 on weekdays). `day` is YYYY-MM-DD; default today.

    Claims everything owed in bulk and hands the claims to `send_reminder_batch` tasks, on the
    same queue, so that every worker there shares the sending. It then looks at the run's
    progress, retrying itself, and returns what the run sent (per kind, plus "failed") only
    once every claim is settled. The other arguments carry its state across those retries:
    `run` names the run (its sent-log rows), `claim` says whether to claim what is owed again
    first, `open_before` the open claims it last saw, `failures` and `waits` the retries spent.

    Retries by hand rather than with autoretry_for, so that a retry after midnight still runs
    for the day the job started (autoretry would resend the original, date-less arguments).
    The sent-log makes the retry safe: it sends only what failed or was never sent.
    """
    today = date.fromisoformat(day) if day else timezone.localdate()
    run = run or new_token()
    state = {"day": today.isoformat(), "run": run, "failures": failures, "waits": waits}
    dispatched = 0
    if claim:
        for batch in reminders_claim_owed(
            today=today, run_token=run, extra_sections=FIGURE_SECTIONS
        ):
            send_reminder_batch.apply_async(
                kwargs={"day": today.isoformat(), **batch.as_task_kwargs()},
                **_same_queue(self.request),
            )
            dispatched += len(batch.claim_ids)
    progress = reminders_run_progress(run_token=run, today=today)
    open_claims = progress.open_claims
    if open_claims:
        # Success only once every claim is settled. Claims just handed to batches, or being
        # settled since the last look, belong to live workers: look again soon. Otherwise one
        # may belong to a worker killed mid-send (its task requeued to us, or never coming
        # back): returning now would leave that email unsent until the next day's run. So come
        # back when the oldest open claim is stale; this run then takes it over and sends it.
        moving = dispatched or (open_before is not None and open_claims.count < open_before)
        if moving:
            # Only look: claiming again now would take over failed sends without backing off.
            countdown = min(2**self.request.retries, PROGRESS_POLL_MAX_SECONDS)
            kwargs = {**state, "claim": False, "waits": 0}
        else:
            countdown = open_claims.retry_in_seconds
            kwargs = {**state, "claim": True, "waits": waits + 1}
        exc = RemindersUnsettled(
            f"{open_claims.count} reminder emails claimed but not yet sent on {today}."
        )
        if kwargs["waits"] > self.max_retries:
            raise exc
        raise self.retry(
            exc=exc,
            kwargs={**kwargs, "open_before": open_claims.count},
            countdown=settle_countdown(min(countdown, open_claims.retry_in_seconds)),
            max_retries=None,  # bounded by `waits` and `failures` instead
        )
    if progress.counts["failed"]:
        exc = RemindersFailed(f"{progress.counts['failed']} reminder emails failed on {today}.")
        if failures >= self.max_retries:
            raise exc
        # Failures back off (1, 2, 4 ... 30 minutes), then the failed claims are taken over.
        countdown = get_exponential_backoff_interval(
            factor=RETRY_BACKOFF_SECONDS,
            retries=failures,
            maximum=RETRY_BACKOFF_MAX_SECONDS,
            full_jitter=True,
        )
        raise self.retry(
            exc=exc,
            kwargs={**state, "claim": True, "failures": failures + 1, "waits": 0},
            countdown=countdown,
            max_retries=None,
        )
    return progress.counts


@shared_task(
    name="requests_app.send_reminder_batch",
    acks_late=True,
    # A worker that dies mid-batch gets the task redelivered; the redelivered copy finds the
    # claims held by the dead execution and leaves them to go stale, and the daily task takes
    # them over: never sent twice by two live workers.
    reject_on_worker_lost=True,
)
def send_reminder_batch(day: str, claim_ids: list[int], reservation: str) -> dict[str, int]:
    """Send one batch of the daily job's claims. Send failures are recorded on the claims (the
    daily task retries them), so this task itself does not retry."""
    return reminders_send_batch(
        today=date.fromisoformat(day),
        claim_ids=claim_ids,
        reservation=reservation,
        extra_sections=FIGURE_SECTIONS,
    )
