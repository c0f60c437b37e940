"""The daily reminders job: a digest for each person, and polite chasers to late forces.

One run, for a given `today`, in two steps that the Celery tasks (foi_tracker/tasks.py) spread
over workers and `reminders_send_daily` runs one after the other in one process:

1. `reminders_claim_owed` works out every email owed as of `today` and not yet settled
   (selectors/reminder_runs.py: a few queries, however many requests) and claims them all in
   the sent-log in bulk: one INSERT ... ON CONFLICT DO NOTHING for the new ones (the unique
   constraints let exactly one run win each email), one locked UPDATE for failed claims and
   claims whose worker died (stale), then one read of what this run won. Chasers are keyed on
   the deadline they are about (not on the day of the run), so a run after a missed day still
   finds what that day owed, and a second run for the same date finds everything settled. The
   claims are cut into batches (a request's chasers stay together, first before second).
2. `reminders_send_batch` sends one batch: it first moves the batch's claims to a token of its
   own (so that a copy of the same batch delivered twice sends nothing), renders each email
   with the batch's rows loaded in bulk, sends it, then marks it sent with its timeline event
   (one query per email on PostgreSQL, two elsewhere). A failed send marks the claim failed:
   the next run (or the task's retry) takes it over.
3. A claim left open by a worker that died mid-batch goes stale after
   REMINDERS_STALE_CLAIM_MINUTES and the next run takes it over; a live batch renews its
   claims well before then. The task asks `reminders_run_progress` after dispatching and does
   not report success while any claim is open, so a killed worker's emails go out within
   minutes, not on the next day's run.

Other apps' sections of the digest (the figures') come in as `extra_sections`, from
foi_tracker/digest.py, which every caller that sends the real digest goes through.

This service is deliberately not one transaction: a claim must be committed (visible to other
workers) before its email leaves, and a sent email must be recorded even if a later one fails.
"""

from __future__ import annotations

import logging
import uuid
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.filebased import EmailBackend as FileEmailBackend
from django.db import connection, transaction
from django.db.models import Case, F, TextField, Value, When
from django.db.models.functions import Concat
from django.utils import timezone

from requests_app.calendars import calendars
from requests_app.letters import message_id_domain, new_message_id
from requests_app.models import RequestEvent, SentReminder
from requests_app.models.reminders import ReminderKind, ReminderStatus
from requests_app.selectors.reminder_chasers import (
    ChaserRenderer,
    chasers_pending,
    load_chaser_batch,
)
from requests_app.selectors.reminder_digests import DigestSection, render_digests
from requests_app.selectors.reminder_runs import (
    empty_counts,
    owed_batches,
    reminders_owed_pending,
    stale_before_now,
)
from requests_app.selectors.reminders import Outgoing, Owed, retryable_q

logger = logging.getLogger(__name__)


def new_token() -> str:
    return uuid.uuid4().hex


@dataclass(frozen=True)
class Batch:
    """Claims a batch task sends: their ids and the token they were claimed under."""

    claim_ids: list[int]
    token: str

    def as_task_kwargs(self) -> dict:
        return {"claim_ids": self.claim_ids, "reservation": self.token}


def reminders_send_daily(
    *, today: date, dry_run: bool = False, extra_sections: Sequence[DigestSection] = ()
) -> dict[str, int]:
    """Send what is owed as of `today`, batch after batch in this process. Returns emails sent
    per kind, plus "failed". The Celery task does the same with the batches on workers.

    With dry_run, nothing is claimed or sent and the counts are what would be sent.
    On a day that is not a working day somewhere in the UK no digests go (the next working
    day's catches up); a chaser goes on any working day of the force it is for.
    """
    counts = empty_counts()
    if dry_run:
        for owed in reminders_owed_pending(today=today, extra_sections=extra_sections):
            counts[owed.kind] += 1
        return counts
    cals = calendars()
    owed = reminders_owed_pending(today=today, cals=cals, extra_sections=extra_sections)
    run_token = new_token()
    # Claimed a batch at a time, just before sending it: a process killed mid-run leaves at
    # most one batch of claims to go stale, and a run started meanwhile sends the rest.
    for chunk in owed_batches(owed):
        token = new_token()
        won = _claim(chunk, today=today, run_token=run_token, token=token)
        claim_ids = [won[o.key] for o in chunk if o.key in won]
        if claim_ids:
            sent = reminders_send_batch(
                today=today,
                claim_ids=claim_ids,
                reservation=token,
                extra_sections=extra_sections,
            )
            for kind, n in sent.items():
                counts[kind] += n
    _close_not_owed(today=today, cals=cals, stale_before=stale_before_now())
    return counts


# Claims -------------------------------------------------------------------------------------


def reminders_claim_owed(
    *, today: date, run_token: str, extra_sections: Sequence[DigestSection] = ()
) -> list[Batch]:
    """Claim every email owed as of `today` and not yet settled, in bulk; return the claims this
    run won, in batches. Also closes failed and abandoned claims nobody owes any more.

    `run_token` names the run (the daily task keeps it across its retries) so that the task can
    report what it sent.
    """
    cals = calendars()
    stale_before = stale_before_now()
    owed = reminders_owed_pending(today=today, cals=cals, extra_sections=extra_sections)
    token = new_token()
    won = _claim(owed, today=today, run_token=run_token, token=token)
    batches = []
    for chunk in owed_batches(owed):
        claim_ids = [won[o.key] for o in chunk if o.key in won]  # the rest: another run's
        if claim_ids:
            batches.append(Batch(claim_ids=claim_ids, token=token))
    _close_not_owed(today=today, cals=cals, stale_before=stale_before)
    return batches


def _claim(owed: list[Owed], *, today: date, run_token: str, token: str) -> dict[tuple, int]:
    """Claim `owed` under `token`: Owed.key -> sent-log id of each claim won. Three queries
    (the insert in chunks of 500), two more when failed or stale claims are taken over."""
    now = timezone.now()
    # ignore_conflicts: INSERT ... ON CONFLICT DO NOTHING (PostgreSQL), INSERT OR IGNORE
    # (SQLite). The unique constraint, not a read-then-write, picks the winner; rows go in one
    # fixed order (Owed.order) so that two runs inserting the same keys cannot deadlock.
    SentReminder.objects.bulk_create(
        [
            SentReminder(
                kind=o.kind,
                about_date=o.about_date,
                request_id=o.request_id,
                recipient_id=o.recipient_id,
                to_email=o.to_email,
                status=ReminderStatus.CLAIMED,
                run_on=today,
                run_token=run_token,
                claim_token=token,
                claimed_at=now,
                message_id=new_message_id() if o.request_id is not None else "",
            )
            for o in owed
            if o.retry_pk is None
        ],
        ignore_conflicts=True,
        batch_size=500,
    )
    retry_pks = sorted(o.retry_pk for o in owed if o.retry_pk is not None)
    for start in range(0, len(retry_pks), 500):  # after a day the SMTP server was down
        _take_over(
            retry_pks[start : start + 500], today=today, run_token=run_token, token=token, now=now
        )
    return {
        (kind, about_date, request_id, recipient_id): pk
        for pk, kind, about_date, request_id, recipient_id in SentReminder.objects.filter(
            claim_token=token, status=ReminderStatus.CLAIMED
        ).values_list("pk", "kind", "about_date", "request_id", "recipient_id")
    }


def _take_over(retry_pks: list[int], *, today: date, run_token: str, token: str, now) -> None:
    """Take over claims whose send failed, or whose worker died before marking them.

    Locked in primary-key order, skipping rows another run has locked (it is taking them over
    itself), so that two runs neither deadlock nor both win; the status is checked again under
    the lock. SQLite ignores the lock: it lets one writer at a time anyway.
    """
    with transaction.atomic():
        locked = list(
            SentReminder.objects.select_for_update(skip_locked=True)
            .filter(retryable_q(stale_before_now()), pk__in=retry_pks)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        SentReminder.objects.filter(pk__in=locked).update(
            status=ReminderStatus.CLAIMED,
            run_on=today,
            run_token=run_token,
            claim_token=token,
            claimed_at=now,
        )


def _close_not_owed(*, today: date, cals, stale_before: datetime) -> None:
    """Close failed and stale claims nobody owes any more, so that the admin's "failed" list
    means work to do and no open claim waits forever for a run that will never take it over.

    A chaser whose request was answered, or whose deadline moved, since it failed; a digest
    from an earlier day (today's digest carries the current picture instead). A stale claim
    still owed to a force that does not work today becomes failed: it goes on the force's
    next working day, and meanwhile holds up no one waiting for open claims to settle.
    """
    closable = list(
        SentReminder.objects.filter(retryable_q(stale_before), run_on__lte=today).values_list(
            "pk", "kind", "about_date", "request_id", "status"
        )
    )
    if not closable:
        return
    request_ids = {request_id for _, _, _, request_id, _ in closable if request_id is not None}
    owed_any_day = set()
    if request_ids:
        owed_any_day = {
            (o.request_id, o.kind, o.about_date)
            for o in chasers_pending(
                today=today,
                cals=cals,
                stale_before=stale_before,
                request_ids=request_ids,
                any_day=True,
                include_settled=True,
            )
        }
    reasons: dict[tuple[str, str, str], list[int]] = {}
    for pk, kind, about_date, request_id, status in closable:
        if kind == ReminderKind.DIGEST:
            if about_date >= today:
                continue
            new_status, reason = ReminderStatus.SKIPPED, f"Superseded by the digest of {today}."
        elif (request_id, kind, about_date) in owed_any_day:
            if status != ReminderStatus.CLAIMED:
                continue  # failed and owed: retried on the force's next working day
            new_status = ReminderStatus.FAILED
            reason = f"{today} is not a working day for the force: it goes on the next working day."
        else:
            new_status = ReminderStatus.SKIPPED
            reason = f"No longer owed on {today} (answered, withdrawn or deadline moved)."
        if status == ReminderStatus.CLAIMED:
            reason = f"Abandoned by a worker that stopped mid-send. {reason}"
        reasons.setdefault((status, new_status, reason), []).append(pk)
    for (status, new_status, reason), pks in reasons.items():
        # Conditional on the state read above: a run that took a row over meanwhile keeps it.
        SentReminder.objects.filter(retryable_q(stale_before), pk__in=pks, status=status).update(
            status=new_status,
            last_error=Case(
                When(last_error="", then=Value(reason)),
                default=Concat(F("last_error"), Value("\n" + reason), output_field=TextField()),
                output_field=TextField(),
            ),
        )


# Sending a batch ----------------------------------------------------------------------------


# The file backend names each file after the second and id(connection). A connection freed
# while the clock is still in the same second lets the next one reuse its id, and its email
# go into the same file; the last thousand are kept alive so that ids are not reused.
_FILE_CONNECTIONS: deque = deque(maxlen=1000)


@dataclass
class _Sender:
    """Sends one batch's emails: one mail connection for the batch, claims renewed in time."""

    token: str
    today: date
    counts: dict[str, int] = field(default_factory=empty_counts)
    renewed_at: datetime = field(default_factory=timezone.now)
    connection: object = None

    def renew_if_due(self) -> None:
        # A batch may take longer than the stale-claim timeout (a slow SMTP server). Renewing
        # the claims still to send at a third of it keeps another run from taking them over
        # while this worker is alive; a dead worker stops renewing, and its claims go stale.
        now = timezone.now()
        if now - self.renewed_at < timedelta(minutes=settings.REMINDERS_STALE_CLAIM_MINUTES / 3):
            return
        SentReminder.objects.filter(claim_token=self.token, status=ReminderStatus.CLAIMED).update(
            claimed_at=now
        )
        self.renewed_at = now

    def mail_connection(self):
        # The file backend (the zero-configuration default, and what checkers count) writes one
        # file per connection: a connection per email keeps one email per file. Any other
        # backend (SMTP) keeps one connection for the batch rather than a handshake per email.
        connection = get_connection()
        if isinstance(connection, FileEmailBackend):
            _FILE_CONNECTIONS.append(connection)
            return connection
        if self.connection is None:
            self.connection = connection
        return self.connection

    def close(self) -> None:
        if self.connection is not None:
            try:
                self.connection.close()
            except Exception:  # a connection that already failed; the next batch opens anew
                logger.debug("Reminders: closing the mail connection failed", exc_info=True)
            self.connection = None

    def send(self, claim: SentReminder, out: Outgoing, references: list[str]) -> bool:
        self.renew_if_due()
        try:
            message = _message(out, self.mail_connection(), message_id=_message_id(claim))
            if out.in_reply_to:
                message.extra_headers["In-Reply-To"] = out.in_reply_to
                message.extra_headers["References"] = " ".join([out.in_reply_to, *references])
            message.send()
        except Exception as exc:  # anything that stops delivery: keep the claim, retry later
            logger.warning("Reminders: sending %s to %s failed: %r", out.kind, out.to_email, exc)
            SentReminder.objects.filter(pk=claim.pk, claim_token=self.token).update(
                status=ReminderStatus.FAILED,
                attempts=F("attempts") + 1,
                last_error=repr(exc)[:2000],
                to_email=out.to_email,
                subject=out.subject[:250],
            )
            self.counts["failed"] += 1
            self.close()  # a broken SMTP connection: the next email opens a new one
            return False
        if _mark_sent(claim, out, today=self.today, token=self.token):
            self.counts[out.kind] += 1
            logger.info("Reminders: sent %s to %s (%s)", out.kind, out.to_email, out.subject)
            return True
        return False


def reminders_send_batch(
    *,
    today: date,
    claim_ids: list[int],
    reservation: str,
    extra_sections: Sequence[DigestSection] = (),
) -> dict[str, int]:
    """Send the claims `claim_ids` still held under `reservation`. Returns emails sent per kind,
    plus "failed". About six queries for the batch, then one per email sent (two for a chaser
    off PostgreSQL)."""
    token = new_token()
    # Take the batch's claims under a token of this execution: a second delivery of the same
    # batch (a broker redelivering it while this worker still runs) finds none left to take.
    SentReminder.objects.filter(
        pk__in=claim_ids, claim_token=reservation, status=ReminderStatus.CLAIMED
    ).update(claim_token=token, claimed_at=timezone.now())
    # A request's first chaser before its second ("chaser_1" < "chaser_2"), digests last.
    claims = list(
        SentReminder.objects.filter(claim_token=token, status=ReminderStatus.CLAIMED).order_by(
            F("request_id").asc(nulls_last=True), "recipient_id", "kind"
        )
    )
    sender = _Sender(token=token, today=today)
    if not claims:
        return sender.counts
    cals = calendars()
    outgoing, sent_before = _render(claims, today=today, cals=cals, extra_sections=extra_sections)
    try:
        for claim in claims:
            out = outgoing.get(claim.pk)
            if out is None:
                _skip(claim, token=token, today=today)
                continue
            references = [_message_id(row) for row in sent_before.get(claim.request_id, [])]
            if sender.send(claim, out, references) and claim.request_id is not None:
                # A late run sending both chasers of a request chains the second to the first.
                sent_before.setdefault(claim.request_id, []).append(claim)
    finally:
        sender.close()
    return sender.counts


def _render(
    claims: list[SentReminder], *, today: date, cals, extra_sections: Sequence[DigestSection]
) -> tuple[dict[int, Outgoing], dict[int, list[SentReminder]]]:
    """(claim pk -> Outgoing for the claims still owed, request id -> the chasers already sent
    in its thread, oldest first)."""
    rendered: dict[int, Outgoing] = {}
    chasers = [c for c in claims if c.request_id is not None]
    batch = load_chaser_batch([c.request_id for c in chasers])
    renderer = ChaserRenderer(cals)
    for claim in chasers:
        foi = batch.requests.get(claim.request_id)
        out = renderer.render(
            kind=claim.kind,
            about_date=claim.about_date,
            foi=foi,
            periods=batch.periods.get(foi.campaign_id, []) if foi else [],
        )
        if out is not None:
            rendered[claim.pk] = out
    digests = [c for c in claims if c.recipient_id is not None]
    if digests:
        by_recipient = render_digests(
            [c.recipient_id for c in digests],
            today=today,
            cals=cals,
            extra_sections=extra_sections,
        )
        for claim in digests:
            if claim.recipient_id in by_recipient and claim.about_date == today:
                rendered[claim.pk] = by_recipient[claim.recipient_id]
    return rendered, {pk: list(rows) for pk, rows in batch.sent_before.items()}


def _skip(claim: SentReminder, *, token: str, today: date) -> None:
    """A claim whose email is no longer owed by the time its batch runs (the force answered,
    the deadline moved, the person's digest became empty)."""
    SentReminder.objects.filter(pk=claim.pk, claim_token=token).update(
        status=ReminderStatus.SKIPPED,
        last_error=f"No longer owed when its batch ran on {today}.",
    )


def _mark_sent(claim: SentReminder, out: Outgoing, *, today: date, token: str) -> bool:
    """Record a sent email: its sent-log row marked sent and, for a chaser, its timeline event.
    One query on PostgreSQL, two elsewhere.

    The trade-off, made here: the email has left before it is recorded. A worker killed in
    between leaves a claim that goes stale and is sent again: at-least-once delivery, with one
    possible duplicate per killed worker (the one message in flight), carrying the same
    Message-ID as the first so that mail software can tell. The alternative, marking sent
    before sending, is at-most-once: a kill in the same window would lose the chaser silently.
    A late force is better chased twice than not at all, and the window is one round trip to
    the database after the SMTP server's "250 OK". Marking a batch sent at once would save
    that round trip per email and widen the window to the whole batch.
    """
    marked = {
        "status": ReminderStatus.SENT.value,
        "sent_at": timezone.now(),
        "to_email": out.to_email,
        "subject": out.subject[:250],
    }
    if out.request_id is not None and connection.vendor == "postgresql":
        updated = _mark_sent_with_event(claim, out, today=today, token=token, **marked)
    else:
        if out.request_id is not None:
            # Without a statement that writes both, the event goes first: it is true as soon
            # as the email has left. If the worker dies before the row is marked, the force
            # did get that chaser, and the resend once the claim is stale writes a second
            # event for the second email; the other order would lose the event of an email
            # that went.
            RequestEvent.objects.create(**_chaser_event(claim, out, today=today))
        updated = SentReminder.objects.filter(pk=claim.pk, claim_token=token).update(
            attempts=F("attempts") + 1, last_error="", **marked
        )
    if not updated:
        # Another run took the claim over as stale while this one was sending: it sends (and
        # records) the email again, and counts it.
        logger.warning("Reminders: claim %s was taken over while sending.", claim.pk)
        return False
    return True


def _chaser_event(claim: SentReminder, out: Outgoing, *, today: date) -> dict:
    return {
        "request_id": out.request_id,
        "kind": RequestEvent.Kind.CHASER_SENT.value,
        "happened_on": today,
        "note": out.event_note,
        "data": {**out.event_data, "reminder_id": claim.pk},
    }


def _mark_sent_with_event(claim, out, *, today: date, token: str, **marked) -> bool:
    """PostgreSQL: UPDATE the claim and INSERT its event in one statement (a data-modifying
    WITH): one round trip per chaser, and both or neither. Columns come from the models; a
    field added to RequestEvent without a value here fails the tests that send chasers."""
    quote = connection.ops.quote_name
    log, events = SentReminder._meta, RequestEvent._meta

    def column(meta, name: str) -> str:
        return quote(meta.get_field(name).column)

    event = _chaser_event(claim, out, today=today)
    values = {
        "request": event["request_id"],
        "kind": event["kind"],
        "actor": None,
        "created_at": marked["sent_at"],
        "happened_on": event["happened_on"],
        "from_status": "",
        "to_status": "",
        "note": event["note"],
        "data": events.get_field("data").get_db_prep_save(event["data"], connection),
    }
    sets = ", ".join(f"{column(log, name)} = %s" for name in marked)
    attempts = column(log, "attempts")
    sql = (
        f"WITH marked AS (UPDATE {quote(log.db_table)} SET {sets}, "
        f"{attempts} = {attempts} + 1, {column(log, 'last_error')} = '' "
        f"WHERE {column(log, 'id')} = %s AND {column(log, 'claim_token')} = %s RETURNING 1) "
        f"INSERT INTO {quote(events.db_table)} "
        f"({', '.join(column(events, name) for name in values)}) "
        f"SELECT {', '.join(['%s'] * len(values))} FROM marked"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*marked.values(), claim.pk, token, *values.values()])
        return cursor.rowcount == 1


# Progress -----------------------------------------------------------------------------------


# Messages -----------------------------------------------------------------------------------


def _message_id(claim: SentReminder) -> str:
    """One Message-ID per sent-log row: a resend after a crash repeats it (RFC 5322 3.6.4).

    Chasers carry the random one chosen at the claim (a reply naming it acts on the request).
    Digests, and rows claimed before chasers' Message-IDs were random, get one derived from
    the row: nothing is matched by it (mail/matching.py looks up stored Message-IDs only).
    """
    if claim.message_id:
        return claim.message_id
    return f"<foi-reminder-{claim.pk}.{claim.kind}.{claim.about_date:%Y%m%d}@{message_id_domain()}>"


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
