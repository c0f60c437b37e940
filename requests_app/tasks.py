"""Celery tasks: thin wrappers that take IDs and dates and call a service."""

from __future__ import annotations

import logging

from celery import shared_task
from celery.utils.time import get_exponential_backoff_interval
from django.conf import settings
from django.utils import timezone

from requests_app.services.attachments import stored_files_sweep
from requests_app.services.deadline_counts import deadline_counts_refresh
from requests_app.services.errors import ServiceError
from requests_app.services.mail_checks import mail_check_finish
from requests_app.services.mail_fetch import mail_fetch
from requests_app.services.screening import attachments_screen_unscreened, quarantined_files_move

logger = logging.getLogger(__name__)

RETRY_BACKOFF_SECONDS = 60
RETRY_BACKOFF_MAX_SECONDS = 30 * 60
# Failures back off (1, 2, 4 ... 30 minutes), up to this many retries; waiting for a dead
# worker's claim takes one or two waits of up to the stale-claim timeout each, up to as many.
MAX_RETRIES = 8


class SendUnsettled(Exception):
    """A request's email is claimed by another worker and not yet recorded as sent."""


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

    from requests_app.selectors.sending import request_claim_stale_in
    from requests_app.services.sending import Outcome, SendFailed, request_send

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
def fetch_mail(check_id: int | None = None) -> dict[str, int]:
    """Beat, every few minutes: read new mail and file it. With `check_id` (a person pressed
    "Check for mail now"), what it did, or why it failed, is stored for the Inbox to show."""
    try:
        report = mail_fetch()
    except Exception as exc:
        if check_id is not None:
            mail_check_finish(check_id=check_id, error=_failure(exc))
        raise
    logger.info("%s", report.summary())
    if check_id is not None:
        mail_check_finish(check_id=check_id, report=report)
    return report.counts


def _failure(exc: Exception) -> str:
    """A ServiceError's message is written for people; anything else is named, not dumped."""
    if isinstance(exc, ServiceError):
        return str(exc)
    return f"{type(exc).__name__} while reading the mailbox; the details are in the worker's log."


@shared_task(name="requests_app.screen_unscreened_attachments", acks_late=True)
def screen_unscreened_attachments() -> dict[str, int]:
    """Beat, nightly: screen files stored before screening existed (safe to run twice: each
    file is screened once, and a killed run leaves the rest for the next)."""
    counts = attachments_screen_unscreened(limit=SCREEN_BATCH)
    counts["moved_to_quarantine"] = quarantined_files_move()
    logger.info("Screening unscreened files: %s", counts)
    return counts


@shared_task(name="requests_app.sweep_files", acks_late=True)
def sweep_files() -> int:
    """Beat, nightly: delete stored files no row names, left by transactions that rolled back
    (safe to run twice: a file a row names is never touched)."""
    return len(stored_files_sweep())


@shared_task(name="requests_app.count_deadlines", acks_late=True)
def count_deadlines() -> int:
    """Beat, just after midnight: every campaign's deadline counts for the new day, so the
    first dashboard of the day does not pay for them (safe to run twice: it counts again)."""
    return deadline_counts_refresh(today=timezone.localdate())


# Files screened per nightly run: at up to SCREENING_MAX_SECONDS each, a backlog is worked
# through over several nights rather than holding a worker for hours.
SCREEN_BATCH = 500
