"""Celery tasks: thin wrappers that take IDs and dates and call a service."""

from __future__ import annotations

import logging
from datetime import date

from celery import shared_task
from celery.utils.time import get_exponential_backoff_interval
from django.conf import settings
from django.utils import timezone

from requests_app.services.mail_fetch import mail_fetch
from requests_app.services.reminders import reminders_open_claims, reminders_send_daily

logger = logging.getLogger(__name__)

RETRY_BACKOFF_SECONDS = 60
RETRY_BACKOFF_MAX_SECONDS = 30 * 60
# Failures back off (1, 2, 4 ... 30 minutes); waiting for a dead worker's claim takes one or two
# retries of up to the stale-claim timeout each.
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


@shared_task(
    bind=True,
    name="requests_app.send_daily_reminders",
    acks_late=True,
    # If the worker process dies mid-run, requeue the job rather than drop it: the sent-log
    # makes a second run send only what the first did not.
    reject_on_worker_lost=True,
    max_retries=MAX_RETRIES,
)
def send_daily_reminders(self, day: str | None = None) -> dict[str, int]:
    """The daily job (beat, 07:00 on weekdays). `day` is YYYY-MM-DD; default today.

    Retries by hand rather than with autoretry_for, so that a retry after midnight still runs
    for the day the job started (autoretry would resend the original, date-less arguments).
    The sent-log makes the retry safe: it sends only what failed or was never sent.
    """
    today = date.fromisoformat(day) if day else timezone.localdate()
    try:
        counts = reminders_send_daily(today=today)
        if counts["failed"]:
            raise RemindersFailed(f"{counts['failed']} reminder emails failed on {today}.")
    except (RemindersFailed, ConnectionError, OSError) as exc:
        # smtplib.SMTPException is an OSError; so are socket timeouts and refused connections.
        countdown = get_exponential_backoff_interval(
            factor=RETRY_BACKOFF_SECONDS,
            retries=self.request.retries,
            maximum=RETRY_BACKOFF_MAX_SECONDS,
            full_jitter=True,
        )
        raise self.retry(exc=exc, kwargs={"day": today.isoformat()}, countdown=countdown) from exc
    # Success only once every claim is settled. A claim this run skipped because another run
    # held it may belong to a worker killed mid-send (its task requeued to us, or never coming
    # back): returning now would leave that email unsent until the next day's run. So come back
    # when the oldest open claim is stale; the next run either finds it sent or takes it over.
    open_claims = reminders_open_claims(today=today)
    if open_claims:
        exc = RemindersUnsettled(
            f"{open_claims.count} reminder emails claimed but not yet sent on {today}."
        )
        raise self.retry(
            exc=exc,
            kwargs={"day": today.isoformat()},
            countdown=settle_countdown(open_claims.retry_in_seconds),
        )
    return counts


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
