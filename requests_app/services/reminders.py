"""The daily reminders job: a digest for each person, and polite chasers to late forces.

One run, for a given `today`:
1. Work out every email owed as of `today` (services/reminders_owed.py). Chasers are keyed on the deadline they are about
   (not on the day of the run), so a run after a missed day still finds what that day owed,
   and a second run for the same date finds everything already in the sent-log.
2. For each email, claim it in the sent-log in its own committed transaction: insert the row
   (the unique constraints let exactly one worker win), or take over a claim that failed or
   whose worker died mid-send. Only the holder of the claim sends.
3. Send; then mark the claim sent and write the timeline event together. A failed send marks
   the claim failed: the task retries with backoff, the admin lists it, the next run resends it.
4. A claim left open by a worker that died mid-send goes stale after
   REMINDERS_STALE_CLAIM_MINUTES and the next run takes it over. The task asks
   `reminders_open_claims` after each run and retries until none is left, so a killed worker's
   email goes out within minutes, not on the next day's run.

This service is deliberately not one transaction: a claim must be committed (visible to other
workers) before its email leaves, and a sent email must be recorded even if a later one fails.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from requests_app.calendars import calendars
from requests_app.letters import message_id_domain
from requests_app.models import RequestEvent, SentReminder
from requests_app.models.reminders import ReminderKind, ReminderStatus
from requests_app.services.reminders_owed import (  # noqa: F401 - chaser_dates: tests and callers
    Outgoing,
    chaser_dates,
    emails_owed,
)

logger = logging.getLogger(__name__)


def empty_counts() -> dict[str, int]:
    counts = {kind: 0 for kind in ReminderKind.values}
    counts["failed"] = 0
    return counts


def reminders_send_daily(*, today: date, dry_run: bool = False) -> dict[str, int]:
    """Send what is owed as of `today`. Returns emails sent per kind, plus "failed".

    With dry_run, nothing is claimed or sent and the counts are what would be sent.
    On a day that is not a working day somewhere in the UK no digests go (the next working
    day's catches up); a chaser goes on any working day of the force it is for.
    """
    counts = empty_counts()
    cals = calendars()
    outgoing = emails_owed(today=today, cals=cals)
    if dry_run:
        for out in reminders_pending(outgoing):
            counts[out.kind] += 1
        return counts

    token = uuid.uuid4().hex
    # The filebased backend names its file after id(connection) and the second; keeping every
    # connection alive for the run keeps the ids (so the files, one per email) distinct.
    connections = []
    for out in outgoing:
        # One email at a time: claim (committed), send, mark sent (committed). At most one email
        # per worker is ever between its claim and its "sent" mark, so a worker killed with -9
        # leaves at most one open claim behind, and the window in which an email has left but is
        # not yet recorded (see _mark_sent) is one message wide. Batching claims or marks would
        # save a few queries per email and widen both windows to the whole batch.
        claim = _claim(out, today=today, token=token)
        if claim is None:
            continue
        connection = get_connection()
        connections.append(connection)
        try:
            message = _message(out, connection, message_id=_message_id(claim))
            message.extra_headers.update(_thread_headers(out, claim))
            message.send()
        except Exception as exc:  # anything that stops delivery: keep the claim, retry later
            logger.warning("Reminders: sending %s to %s failed: %r", out.kind, out.to_email, exc)
            SentReminder.objects.filter(pk=claim.pk, claim_token=token).update(
                status=ReminderStatus.FAILED,
                attempts=F("attempts") + 1,
                last_error=repr(exc)[:2000],
            )
            counts["failed"] += 1
            continue
        if _mark_sent(claim, out, today=today, token=token):
            counts[out.kind] += 1
            logger.info("Reminders: sent %s to %s (%s)", out.kind, out.to_email, out.subject)
    _skip_no_longer_owed(outgoing, today=today)
    return counts


@dataclass(frozen=True)
class OpenClaims:
    """Claims not yet settled (neither sent nor closed) after a run, and when to look again."""

    count: int
    retry_in_seconds: float

    def __bool__(self) -> bool:
        return self.count > 0


def reminders_open_claims(*, today: date) -> OpenClaims:
    """Emails still claimed but not marked sent, from runs up to `today`.

    Each is held either by a run still sending (it will mark it soon) or by a worker that died
    (it goes stale and the next run takes it over). The caller cannot tell which, so it waits
    until the oldest would be stale, then runs again: by then the live run has marked it, or
    the new run sends it. `retry_in_seconds` is that wait (at least one second).
    """
    open_claims = SentReminder.objects.filter(status=ReminderStatus.CLAIMED, run_on__lte=today)
    oldest = open_claims.order_by("claimed_at").values_list("claimed_at", flat=True).first()
    if oldest is None:
        return OpenClaims(count=0, retry_in_seconds=0.0)
    stale_at = oldest + timedelta(minutes=settings.REMINDERS_STALE_CLAIM_MINUTES)
    wait = (stale_at - timezone.now()).total_seconds()
    return OpenClaims(count=open_claims.count(), retry_in_seconds=max(1.0, wait + 1.0))


def reminders_pending(outgoing: Iterable[Outgoing]) -> list[Outgoing]:
    """The emails a run would send: no row yet, or a failed or stale claim."""
    stale_before = _stale_before()
    pending = []
    for out in outgoing:
        row = SentReminder.objects.filter(**out.key).first()
        if (
            row is None
            or row.status == ReminderStatus.FAILED
            or (row.status == ReminderStatus.CLAIMED and row.claimed_at < stale_before)
        ):
            pending.append(out)
    return pending


def reminders_owed(*, today: date) -> list[Outgoing]:
    """Every email owed as of `today`, whether or not already sent (for dry runs and checks)."""
    return emails_owed(today=today, cals=calendars())


# Claims -------------------------------------------------------------------------------------


def _stale_before():
    return timezone.now() - timedelta(minutes=settings.REMINDERS_STALE_CLAIM_MINUTES)


def _claim(out: Outgoing, *, today: date, token: str) -> SentReminder | None:
    """Claim `out` for this run; None when another run holds it or it was already sent."""
    now = timezone.now()
    with transaction.atomic():
        # ignore_conflicts: the unique constraint, not a read-then-write, picks the winner.
        SentReminder.objects.bulk_create(
            [
                SentReminder(
                    **out.key,
                    to_email=out.to_email,
                    subject=out.subject[:250],
                    status=ReminderStatus.CLAIMED,
                    run_on=today,
                    claim_token=token,
                    claimed_at=now,
                )
            ],
            ignore_conflicts=True,
        )
    # Take over a claim whose send failed, or whose worker died before marking it. The
    # conditional UPDATE is atomic: of two runs, only one sees the old status.
    SentReminder.objects.filter(**out.key).filter(
        Q(status=ReminderStatus.FAILED)
        | Q(status=ReminderStatus.CLAIMED, claimed_at__lt=_stale_before())
    ).update(
        status=ReminderStatus.CLAIMED,
        claim_token=token,
        claimed_at=now,
        run_on=today,
        to_email=out.to_email,
        subject=out.subject[:250],
    )
    return SentReminder.objects.filter(
        **out.key, claim_token=token, status=ReminderStatus.CLAIMED
    ).first()


@transaction.atomic
def _mark_sent(claim: SentReminder, out: Outgoing, *, today: date, token: str) -> bool:
    # The trade-off, made here: the email has left before this commit. A worker killed between
    # the two leaves a claim that goes stale and is sent again: at-least-once delivery, with one
    # possible duplicate per killed worker (the one message in flight), carrying the same
    # Message-ID as the first so that mail software can tell. The alternative, marking sent
    # before sending, is at-most-once: a kill in the same window would lose the chaser silently.
    # A late force is better chased twice than not at all, and the window is milliseconds (one
    # UPDATE and one INSERT after the SMTP server's "250 OK").
    updated = SentReminder.objects.filter(pk=claim.pk, claim_token=token).update(
        status=ReminderStatus.SENT,
        sent_at=timezone.now(),
        attempts=F("attempts") + 1,
        last_error="",
    )
    if not updated:
        # Another run took the claim over as stale while this one was sending.
        logger.warning("Reminders: claim %s was taken over while sending.", claim.pk)
        return False
    if out.request_id is not None:
        RequestEvent.objects.create(
            request_id=out.request_id,
            kind=RequestEvent.Kind.CHASER_SENT,
            happened_on=today,
            note=out.event_note,
            data={**out.event_data, "reminder_id": claim.pk},
        )
    return True


def _skip_no_longer_owed(outgoing: list[Outgoing], *, today: date) -> None:
    """Close failed and stale claims nobody owes any more, so that the admin's "failed" list
    means work to do and no open claim waits forever for a run that will never take it over.

    A chaser whose request was answered, or whose deadline moved, since it failed; a digest
    from an earlier day (today's digest carries the current picture instead).
    """
    owed = {tuple(out.key.values()) for out in outgoing}
    closable = Q(status=ReminderStatus.FAILED) | Q(
        status=ReminderStatus.CLAIMED, claimed_at__lt=_stale_before()
    )
    for row in SentReminder.objects.filter(closable, run_on__lte=today):
        key = (row.kind, row.about_date, row.request_id, row.recipient_id)
        if key in owed:
            continue
        if row.kind == ReminderKind.DIGEST and row.about_date >= today:
            continue
        reason = (
            f"Superseded by the digest of {today:%Y-%m-%d}."
            if row.kind == ReminderKind.DIGEST
            else f"No longer owed on {today:%Y-%m-%d} (answered, withdrawn or deadline moved)."
        )
        if row.status == ReminderStatus.CLAIMED:
            reason = f"Abandoned by a worker that stopped mid-send. {reason}"
        # Conditional on the status and claim read above: a run that took the row over
        # meanwhile keeps it.
        SentReminder.objects.filter(
            pk=row.pk, status=row.status, claim_token=row.claim_token
        ).update(status=ReminderStatus.SKIPPED, last_error=f"{row.last_error}\n{reason}".strip())


def _message_id(claim: SentReminder) -> str:
    """One Message-ID per sent-log row: a resend after a crash repeats it (RFC 5322 3.6.4).

    The domain is that of FOI_FROM_EMAIL, as on the request's own Message-ID, not the host's
    name (often "localhost" on a server): a reference the force's mail system can resolve.
    """
    return f"<foi-reminder-{claim.pk}.{claim.kind}.{claim.about_date:%Y%m%d}@{message_id_domain()}>"


def _thread_headers(out: Outgoing, claim: SentReminder) -> dict[str, str]:
    """In-Reply-To and References that put a chaser in its request's email thread.

    In-Reply-To names the request itself: the force's case-management system opened its case
    from that message, and it is the one Message-ID it is sure to know. References lists the
    request and then every chaser already sent for it (their Message-IDs are derived from the
    sent-log row, so they need no storing), oldest first, so that mail clients threading by
    References (RFC 5322 3.6.4, the JWZ algorithm) show request, first and second chaser in
    order. Read at send time, not when the run works out what it owes: a late run that sends
    the first and second chaser together still chains the second to the first.
    A request marked sent by hand has no Message-ID of ours to reply to: no thread headers.
    """
    if not out.in_reply_to:
        return {}
    earlier = (
        SentReminder.objects.filter(
            request_id=out.request_id,
            kind__in=SentReminder.CHASER_KINDS,
            status=ReminderStatus.SENT,
        )
        .exclude(pk=claim.pk)
        .order_by("sent_at", "pk")
    )
    references = [out.in_reply_to, *(_message_id(row) for row in earlier)]
    return {"In-Reply-To": out.in_reply_to, "References": " ".join(references)}


def _message(out: Outgoing, connection, *, message_id: str | None = None) -> EmailMultiAlternatives:
    headers = _headers(out)
    if message_id:
        headers["Message-ID"] = message_id
    message = EmailMultiAlternatives(
        subject=out.subject,
        body=out.body,
        from_email=out.from_email or settings.DEFAULT_FROM_EMAIL,
        to=[out.to_email],
        reply_to=out.reply_to or None,
        connection=connection,
        headers=headers,
    )
    message.attach_alternative(out.html, "text/html")
    return message


def _headers(out: Outgoing) -> dict[str, str]:
    headers = {"X-FOI-Tracker-Kind": out.kind}
    if out.kind == ReminderKind.DIGEST:
        # RFC 3834: no out-of-office replies to the tracker. Chasers go without it: they are
        # letters from the team, and a force's acknowledgement (with its reference) is welcome.
        headers["Auto-Submitted"] = "auto-generated"
    return headers
