"""Celery tasks: thin wrappers that take IDs and dates and call a service."""

from __future__ import annotations

import logging
from datetime import date

from celery import shared_task
from celery.utils.time import get_exponential_backoff_interval
from django.conf import settings
from django.utils import timezone

from requests_app.services.attachments import stored_files_sweep
from requests_app.services.mail_fetch import mail_fetch
from requests_app.services.reminders import (
    new_token,
    reminders_claim_owed,
    reminders_run_progress,
    reminders_send_batch,
)
from requests_app.services.screening import attachments_screen_unscreened

logger = logging.getLogger(__name__)

RETRY_BACKOFF_SECONDS = 60
RETRY_BACKOFF_MAX_SECONDS = 30 * 60
# Failures back off (1, 2, 4 ... 30 minutes), up to this many retries; waiting for a dead
# worker's claim takes one or two waits of up to the stale-claim timeout each, up to as many.
MAX_RETRIES = 8


class RemindersFailed(Exception):
    """Some emails of a run could not be sent; their claims are marked failed for a retry."""


class SendUnsettled(Exception):
    """A request's email is claimed by another worker and not yet recorded as sent."""


class RemindersUnsettled(Exception):
    """Emails owed are still claimed but not sent (a run in progress, or a worker that died)."""


def settle_countdown(wait_seconds: float) -> float:
    """How long to wait before looking at open claims again.

    Until the oldest would be stale, but below the broker's visibility timeout: on Redis a task
    held back (countdown/ETA) longer than that is delivered a second time.
    """
    visibility = settings.CELERY_BROKER_VISIBILITY_TIMEOUT
    return max(1.0, min(wait_seconds, visibility / 2))


@shared_task(name="requests_app.ping")
def ping() -> str:
    """A no-op for checking that a worker takes tasks from the broker and answers."""
    return "pong"


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
        for batch in reminders_claim_owed(today=today, run_token=run):
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
        today=date.fromisoformat(day), claim_ids=claim_ids, reservation=reservation
    )


# Sending the requests (issue 9) -------------------------------------------------------------


@shared_task(
    bind=True,
    name="requests_app.send_request",
    acks_late=True,
    # A worker that dies mid-send gets the task redelivered; the sent-log decides whether the
    # email still has to go (services/sending.py says when a force can get it twice).
    reject_on_worker_lost=True,
    max_retries=MAX_RETRIES,
)
def send_request(self, request_id: int, actor_id: int | None = None) -> str:
    """Send one request's email, once. Retries with backoff when SMTP fails."""
    from django.contrib.auth import get_user_model

    from requests_app.services.sending import (
        Outcome,
        SendFailed,
        request_claim_stale_in,
        request_send,
    )

    actor = get_user_model().objects.filter(pk=actor_id).first() if actor_id else None
    try:
        outcome = request_send(request_id=request_id, actor=actor)
    except (SendFailed, ConnectionError, OSError) as exc:
        countdown = get_exponential_backoff_interval(
            factor=RETRY_BACKOFF_SECONDS,
            retries=self.request.retries,
            maximum=RETRY_BACKOFF_MAX_SECONDS,
            full_jitter=True,
        )
        raise self.retry(exc=exc, countdown=countdown) from exc
    if outcome == Outcome.IN_PROGRESS:
        # Another worker holds the claim: a live one (it will mark it sent) or one killed
        # mid-send, whose task came back to us. Returning now would leave the request unsent
        # until someone sends the campaign again, so come back once the claim would be stale:
        # then it is either sent or ours to take over.
        wait = request_claim_stale_in(request_id)
        if wait is not None:
            raise self.retry(
                exc=SendUnsettled(f"FOI-{request_id} is claimed by another worker."),
                countdown=settle_countdown(wait + 1),
            )
    return outcome


@shared_task(
    name="requests_app.fetch_mail",
    acks_late=True,
    # A worker killed mid-fetch: the task runs again. Safe: a message leaves the mailbox only
    # once stored, and a message stored twice is found to be a duplicate (services/mail_fetch).
    reject_on_worker_lost=True,
)
def fetch_mail() -> dict[str, int]:
    """Beat, every few minutes: read new mail and file it."""
    report = mail_fetch()
    logger.info("%s", report.summary())
    return report.counts


@shared_task(name="requests_app.screen_unscreened_attachments", acks_late=True)
def screen_unscreened_attachments() -> dict[str, int]:
    """Beat, nightly: screen files stored before screening existed (safe to run twice: each
    file is screened once, and a killed run leaves the rest for the next)."""
    counts = attachments_screen_unscreened(limit=SCREEN_BATCH)
    logger.info("Screening unscreened files: %s", counts)
    return counts


@shared_task(name="requests_app.sweep_files", acks_late=True)
def sweep_files() -> int:
    """Beat, nightly: delete stored files no row names, left by transactions that rolled back
    (safe to run twice: a file a row names is never touched)."""
    return len(stored_files_sweep())


# Files screened per nightly run: at up to SCREENING_MAX_SECONDS each, a backlog is worked
# through over several nights rather than holding a worker for hours.
SCREEN_BATCH = 500
