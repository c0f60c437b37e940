"""The daily reminders job never sends twice and never loses an email: failed sends kept and
retried, claims left by dead workers, dry runs, the Celery task and the send_reminders command."""

import os
from datetime import date, timedelta
from smtplib import SMTPServerDisconnected

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.core.management import call_command
from django.utils import timezone

from foi_tracker.celery import app as celery_app
from foi_tracker.tasks import RemindersFailed, RemindersUnsettled, send_daily_reminders
from requests_app.models import RequestEvent, SentReminder
from requests_app.models.reminders import ReminderKind, ReminderStatus
from requests_app.selectors.reminder_runs import reminders_open_claims
from requests_app.services.lifecycle import request_record_response
from requests_app.services.reminders import reminders_send_daily
from requests_app.tasks import settle_countdown
from tests.requests_app.reminder_helpers import (
    KENT_EMAIL,
    SCOTLAND_EMAIL,
    at,
    chasers,
    request_for,
    run,
    sent_counts,
)


class FailingEmailBackend(LocmemBackend):
    """An SMTP server that has gone away."""

    def send_messages(self, messages):
        raise SMTPServerDisconnected("Connection unexpectedly closed")


FAILING_BACKEND = "tests.requests_app.test_reminders_delivery.FailingEmailBackend"


def test_a_failed_send_is_kept_and_sent_by_the_next_run(easter_campaign, settings, time_machine):
    settings.EMAIL_BACKEND = FAILING_BACKEND
    counts = run(date(2026, 4, 17), time_machine)
    assert counts["failed"] == 3 and counts["chaser_1"] == 0  # two chasers and the digest
    assert SentReminder.objects.filter(status=ReminderStatus.FAILED).count() == 3
    assert "Connection unexpectedly closed" in SentReminder.objects.first().last_error
    assert not RequestEvent.objects.filter(kind=RequestEvent.Kind.CHASER_SENT).exists()

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    counts = run(date(2026, 4, 17), time_machine)
    assert sent_counts(counts) == {"digest": 1, "chaser_1": 2}
    assert SentReminder.objects.filter(status=ReminderStatus.SENT, attempts=2).count() == 3
    assert RequestEvent.objects.filter(kind=RequestEvent.Kind.CHASER_SENT).count() == 2
    assert sent_counts(run(date(2026, 4, 17), time_machine)) == {}


def test_a_failed_chaser_is_retried_on_a_later_day_and_a_failed_digest_is_superseded(
    easter_campaign, settings, time_machine
):
    settings.EMAIL_BACKEND = FAILING_BACKEND
    run(date(2026, 4, 17), time_machine)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    counts = run(date(2026, 4, 20), time_machine)
    assert sent_counts(counts) == {"digest": 1, "chaser_1": 2}
    old_digest = SentReminder.objects.get(kind=ReminderKind.DIGEST, about_date=date(2026, 4, 17))
    assert old_digest.status == ReminderStatus.SKIPPED
    assert "Superseded" in old_digest.last_error


def test_a_failed_chaser_is_dropped_once_the_force_answers(
    easter_campaign, staff, settings, time_machine
):
    settings.EMAIL_BACKEND = FAILING_BACKEND
    run(date(2026, 4, 17), time_machine)
    kent = request_for(easter_campaign, "Kent Police")
    at(date(2026, 4, 20), time_machine)
    request_record_response(
        request_id=kent.pk, actor=staff, outcome="full", answered_on=date(2026, 4, 20)
    )
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    run(date(2026, 4, 20), time_machine)
    assert [m.to for m in chasers()] == [[SCOTLAND_EMAIL]]
    kent_claim = SentReminder.objects.get(request=kent)
    assert kent_claim.status == ReminderStatus.SKIPPED


def test_a_claim_left_by_a_dead_worker_is_sent_after_the_timeout(easter_campaign, time_machine):
    scotland = request_for(easter_campaign, "Police Scotland")
    day = at(date(2026, 4, 15), time_machine)
    claim = SentReminder.objects.create(
        kind=ReminderKind.CHASER_FIRST,
        request=scotland,
        about_date=scotland.next_due_on,
        to_email=SCOTLAND_EMAIL,
        run_on=day,
        claim_token="dead-worker",
        claimed_at=timezone.now() - timedelta(minutes=5),
    )
    # A fresh claim belongs to a worker that may still be sending: leave it alone.
    assert run(day, time_machine)["chaser_1"] == 0
    SentReminder.objects.filter(pk=claim.pk).update(claimed_at=timezone.now() - timedelta(hours=1))
    assert run(day, time_machine)["chaser_1"] == 1
    assert run(day, time_machine)["chaser_1"] == 0
    assert len(chasers()) == 1


def test_a_dry_run_sends_and_records_nothing(easter_campaign, time_machine):
    at(date(2026, 4, 17), time_machine)
    counts = reminders_send_daily(today=date(2026, 4, 17), dry_run=True)
    assert sent_counts(counts) == {"digest": 1, "chaser_1": 2}
    assert mail.outbox == [] and not SentReminder.objects.exists()


def test_the_task_runs_the_same_service(easter_campaign, time_machine):
    at(date(2026, 4, 17), time_machine)
    result = send_daily_reminders.delay("2026-04-17").get()
    assert sent_counts(result) == {"digest": 1, "chaser_1": 2}
    # With no date the task runs for today (Europe/London).
    assert sent_counts(send_daily_reminders.delay().get()) == {}


def test_the_task_retries_failed_sends_then_gives_up_leaving_them_failed(
    easter_campaign, settings, time_machine
):
    settings.EMAIL_BACKEND = FAILING_BACKEND
    at(date(2026, 4, 17), time_machine)
    # Without propagation, eager mode runs the retries the way a worker would.
    propagates = celery_app.conf.task_eager_propagates
    celery_app.conf.task_eager_propagates = False
    try:
        result = send_daily_reminders.apply(kwargs={"day": "2026-04-17"})
    finally:
        celery_app.conf.task_eager_propagates = propagates
    assert isinstance(result.result, RemindersFailed)
    claims = SentReminder.objects.all()
    assert {c.status for c in claims} == {ReminderStatus.FAILED}
    assert {c.attempts for c in claims} == {send_daily_reminders.max_retries + 1}


def test_the_command_prints_counts_per_kind(easter_campaign, capsys, time_machine):
    at(date(2026, 4, 17), time_machine)
    call_command("send_reminders", "--date", "2026-04-17", "--dry-run")
    out = capsys.readouterr().out
    assert "would send chaser_1 to foi@kent.example.org" in out
    assert "Would send on Fri 17 Apr 2026" in out and "First chaser (answer): 2" in out
    assert mail.outbox == []

    call_command("send_reminders", "--date", "2026-04-17")
    out = capsys.readouterr().out
    assert "Sent on Fri 17 Apr 2026" in out
    assert "Staff digest: 1" in out and "First chaser (answer): 2" in out and "Total: 3" in out

    call_command("send_reminders", "--date", "2026-04-17")
    assert "Total: 0" in capsys.readouterr().out

    call_command("send_reminders", "--date", "2026-04-18")
    assert "not a working day (Saturday)" in capsys.readouterr().out


def test_the_command_rejects_a_bad_date(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="not a date"):
        call_command("send_reminders", "--date", "17/04/2026")


def test_the_command_fails_loudly_when_emails_fail(easter_campaign, settings, time_machine):
    from django.core.management.base import CommandError

    settings.EMAIL_BACKEND = FAILING_BACKEND
    at(date(2026, 4, 17), time_machine)
    with pytest.raises(CommandError, match="3 emails failed"):
        call_command("send_reminders", "--date", "2026-04-17")


class DyingEmailBackend(LocmemBackend):
    """Sends one message, then the worker process dies while sending the next."""

    sent = 0

    def send_messages(self, messages):
        if DyingEmailBackend.sent >= 1:
            raise SystemExit("worker killed")
        DyingEmailBackend.sent += 1
        return super().send_messages(messages)


def test_a_worker_killed_mid_run_yields_every_email_exactly_once(
    easter_campaign, settings, time_machine
):
    settings.EMAIL_BACKEND = "tests.requests_app.test_reminders_delivery.DyingEmailBackend"
    DyingEmailBackend.sent = 0
    day = at(date(2026, 4, 17), time_machine)
    with pytest.raises(SystemExit):
        reminders_send_daily(today=day)
    assert len(mail.outbox) == 1
    statuses = sorted(SentReminder.objects.values_list("status", flat=True))
    assert statuses == [ReminderStatus.CLAIMED, ReminderStatus.SENT]

    # Run again at once: the claim the dead worker held may still be in flight, so it waits;
    # everything else goes out.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert sum(reminders_send_daily(today=day).values()) == 1
    assert len(mail.outbox) == 2
    # Past the stale-claim timeout the next run sends it; after that there is nothing left.
    time_machine.move_to(timezone.now() + timedelta(minutes=31), tick=False)
    assert sum(reminders_send_daily(today=day).values()) == 1
    assert sum(reminders_send_daily(today=day).values()) == 0
    assert len(mail.outbox) == 3
    assert sorted(m.extra_headers["X-FOI-Tracker-Kind"] for m in mail.outbox) == [
        "chaser_1",
        "chaser_1",
        "digest",
    ]
    assert {m.to[0] for m in chasers()} == {KENT_EMAIL, SCOTLAND_EMAIL}


def eager_without_propagation(task, **kwargs):
    """Run a task eagerly the way a worker would: retries run, the last error is the result."""
    propagates = celery_app.conf.task_eager_propagates
    celery_app.conf.task_eager_propagates = False
    try:
        return task.apply(kwargs=kwargs)
    finally:
        celery_app.conf.task_eager_propagates = propagates


def test_the_task_does_not_report_success_while_a_claim_is_open(easter_campaign, time_machine):
    # A worker killed mid-send left a fresh claim: the rerun (requeued to another worker)
    # sends the rest but must not report success, or nothing would send that one until
    # tomorrow. It retries until the claim is stale (eager mode runs the retries at once, so
    # here they run out and the last error is the result).
    scotland = request_for(easter_campaign, "Police Scotland")
    day = at(date(2026, 4, 17), time_machine)
    SentReminder.objects.create(
        kind=ReminderKind.CHASER_FIRST,
        request=scotland,
        about_date=scotland.next_due_on,
        to_email=SCOTLAND_EMAIL,
        run_on=day,
        claim_token="dead-worker",
        claimed_at=timezone.now(),
    )
    result = eager_without_propagation(send_daily_reminders, day="2026-04-17")
    assert isinstance(result.result, RemindersUnsettled)
    assert [m.to for m in chasers()] == [[KENT_EMAIL]]

    # Once the claim is stale the next retry takes it over, sends it and succeeds.
    time_machine.move_to(timezone.now() + timedelta(minutes=31), tick=False)
    result = eager_without_propagation(send_daily_reminders, day="2026-04-17")
    assert result.successful() and sent_counts(result.result) == {"chaser_1": 1}
    assert sorted(m.to[0] for m in chasers()) == [KENT_EMAIL, SCOTLAND_EMAIL]
    assert not SentReminder.objects.filter(status=ReminderStatus.CLAIMED).exists()


def test_open_claims_say_when_the_oldest_goes_stale(easter_campaign, settings, time_machine):
    settings.REMINDERS_STALE_CLAIM_MINUTES = 30
    kent = request_for(easter_campaign, "Kent Police")
    day = at(date(2026, 4, 17), time_machine)
    assert not reminders_open_claims(today=day)
    SentReminder.objects.create(
        kind=ReminderKind.CHASER_FIRST,
        request=kent,
        about_date=kent.next_due_on,
        to_email=KENT_EMAIL,
        run_on=day,
        claim_token="other-run",
        claimed_at=timezone.now() - timedelta(minutes=10),
    )
    open_claims = reminders_open_claims(today=day)
    assert open_claims.count == 1 and open_claims.retry_in_seconds == 20 * 60 + 1
    # The retry never waits past the broker's visibility timeout (Redis would redeliver it).
    settings.CELERY_BROKER_VISIBILITY_TIMEOUT = 600
    assert settle_countdown(open_claims.retry_in_seconds) == 300


def test_a_stale_claim_nobody_owes_any_more_is_closed(easter_campaign, staff, time_machine):
    # A worker died mid-send of a chaser; the force answered before anyone took the claim over.
    kent = request_for(easter_campaign, "Kent Police")
    day = at(date(2026, 4, 17), time_machine)
    claim = SentReminder.objects.create(
        kind=ReminderKind.CHASER_FIRST,
        request=kent,
        about_date=kent.next_due_on,
        to_email=KENT_EMAIL,
        run_on=day,
        claim_token="dead-worker",
        claimed_at=timezone.now(),
    )
    request_record_response(request_id=kent.pk, actor=staff, outcome="full", answered_on=day)
    time_machine.move_to(timezone.now() + timedelta(minutes=31), tick=False)
    reminders_send_daily(today=day)
    claim.refresh_from_db()
    assert claim.status == ReminderStatus.SKIPPED and "stopped mid-send" in claim.last_error
    assert not reminders_open_claims(today=day)
    assert chasers(KENT_EMAIL) == []


def test_a_resent_email_repeats_its_message_id(easter_campaign, settings, time_machine):
    """A chaser's Message-ID is chosen at its claim, random (a reply naming it acts on the
    request, so it must be unguessable) and stored; a re-send after a failure repeats it."""
    settings.EMAIL_BACKEND = FAILING_BACKEND
    run(date(2026, 4, 17), time_machine)
    chaser_rows = SentReminder.objects.filter(request__isnull=False)
    stored = {r.message_id for r in chaser_rows}
    assert len(stored) == chaser_rows.count() == 2
    assert all(i.startswith("<foi.") and len(i) > 30 for i in stored)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    run(date(2026, 4, 17), time_machine)
    assert {m.extra_headers["Message-ID"] for m in chasers()} == stored
    (digest,) = SentReminder.objects.filter(request__isnull=True)
    assert digest.message_id == ""  # nothing is ever matched by a digest's


@pytest.mark.parametrize(
    ("stale_minutes", "visibility_seconds", "ok"),
    [("30", "1200", True), ("0.5", "20", True), ("20", "1200", False), ("30", "", True)],
)
def test_settings_refuse_a_visibility_timeout_not_below_the_stale_claim_timeout(
    stale_minutes, visibility_seconds, ok
):
    import subprocess
    import sys

    from django.conf import settings as django_settings

    env = {
        **os.environ,
        "REMINDERS_STALE_CLAIM_MINUTES": stale_minutes,
        "CELERY_BROKER_VISIBILITY_TIMEOUT": visibility_seconds,
        "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
    }
    code = (
        "import foi_tracker.settings as s; "
        "print(s.CELERY_BROKER_TRANSPORT_OPTIONS['visibility_timeout'])"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=django_settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
    )
    if ok:
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == (visibility_seconds or "1200")
    else:
        assert "must be below REMINDERS_STALE_CLAIM_MINUTES" in done.stderr
