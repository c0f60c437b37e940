"""The daily reminders job at scale (issue 11): what is owed is worked out in a constant number of
queries, sending costs two queries per email, the sending is cut into batch tasks, and the
guarantees (never twice, never lost) hold for batches: a live batch keeps its claims, a batch
delivered twice sends once, a dead batch's claims are retried once stale."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from foi_tracker import tasks
from requests_app.deadlines import FOIA, FOISA, WorkingCalendar
from requests_app.models import Force, RequestEvent, SentReminder, StaffProfile
from requests_app.models.reminders import ReminderKind, ReminderStatus
from requests_app.selectors import reminder_runs
from requests_app.selectors.reminder_chasers import chaser_dates, last_deadline_chased
from requests_app.selectors.reminder_runs import reminders_open_claims
from requests_app.services.campaigns import campaign_create
from requests_app.services.reminders import (
    reminders_claim_owed,
    reminders_send_batch,
    reminders_send_daily,
)
from tests.conftest import NSPCC_PERIODS

LONDON = ZoneInfo("Europe/London")
SENT_ON = date(2026, 10, 1)
FIRST_CHASER_DAY = date(2026, 10, 30)  # FOIA due Thu 29 Oct: first chasers on Fri 30 Oct
BOTH_CHASERS_DAY = date(2026, 11, 16)  # ten working days later: both chasers owed at once


def at(day: date, time_machine) -> date:
    time_machine.move_to(datetime(day.year, day.month, day.day, 7, 0, tzinfo=LONDON), tick=False)
    return day


def make_campaigns(staff, forces, count: int, *, start: int = 0) -> None:
    Force.objects.filter(pk__in=[f.pk for f in forces]).update(foi_email="foi@force.example.org")
    for i in range(start, start + count):
        campaign_create(
            actor=staff,
            owner=staff,
            slug=f"scale-{i}",
            title=f"Scale {i}",
            request_text="Dear {force_name}, how many in {periods}?",
            forces=forces,
            periods=NSPCC_PERIODS,
            sent_on=SENT_ON,
            chase_forces=True,
        )


def queries(fn) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as ctx:
        result = fn()
    return len(ctx.captured_queries), result


@pytest.mark.parametrize("law", [FOIA, FOISA])
@pytest.mark.parametrize("chase_again_after", [1, 10, 25])
def test_the_sql_thresholds_say_what_chaser_dates_say(law, chase_again_after):
    """A deadline is owed its chaser exactly when it is on or before the threshold: across
    Christmas, New Year (2 Jan in Scotland) and Easter, for every day of the run."""
    cal = WorkingCalendar(law)
    for offset in range(0, 150, 3):
        today = date(2025, 12, 1) + timedelta(days=offset)
        first_last = last_deadline_chased(cal, today, 1)
        second_last = last_deadline_chased(cal, today, 1 + chase_again_after)
        for back in range(1, 70):
            due = today - timedelta(days=back)
            first, second = chaser_dates(due, chase_again_after, cal)
            assert (due <= first_last) == (first <= today), (today, due)
            assert (due <= second_last) == (second <= today), (today, due)


@pytest.fixture
def sent_everything(staff, england_and_wales, time_machine):
    """Campaigns to all 43 forces; build(n) adds n more and sends all that is owed."""
    made = [0]

    def build(count: int) -> date:
        at(SENT_ON, time_machine)
        make_campaigns(staff, england_and_wales, count, start=made[0])
        made[0] += count
        day = at(BOTH_CHASERS_DAY, time_machine)
        reminders_send_daily(today=day)
        return day

    return build


def test_a_run_with_nothing_new_owed_takes_the_same_few_queries_at_any_size(sent_everything):
    day = sent_everything(1)  # 43 requests, both chasers and the digest sent
    assert SentReminder.objects.filter(status=ReminderStatus.SENT).count() == 43 * 2 + 1
    small, counts = queries(lambda: reminders_send_daily(today=day))
    assert sum(counts.values()) == 0
    small_dry, _ = queries(lambda: reminders_send_daily(today=day, dry_run=True))

    sent_everything(2)  # three times the requests
    large, counts = queries(lambda: reminders_send_daily(today=day))
    assert sum(counts.values()) == 0
    large_dry, _ = queries(lambda: reminders_send_daily(today=day, dry_run=True))
    assert small == large <= 20
    assert small_dry == large_dry <= 20


def test_the_daily_task_with_nothing_new_owed_takes_the_same_few_queries(sent_everything):
    day = sent_everything(1)
    small, counts = queries(lambda: tasks.send_daily_reminders.delay(day.isoformat()).get())
    assert sum(counts.values()) == 0
    sent_everything(2)
    large, counts = queries(lambda: tasks.send_daily_reminders.delay(day.isoformat()).get())
    assert sum(counts.values()) == 0
    assert small == large <= 20


def test_working_out_what_is_owed_takes_the_same_queries_at_any_size(
    staff, england_and_wales, time_machine
):
    at(SENT_ON, time_machine)
    make_campaigns(staff, england_and_wales, 1)
    day = at(BOTH_CHASERS_DAY, time_machine)
    small, counts = queries(lambda: reminders_send_daily(today=day, dry_run=True))
    assert counts["chaser_1"] == counts["chaser_2"] == 43 and counts["digest"] == 1
    at(SENT_ON, time_machine)
    make_campaigns(staff, england_and_wales, 2, start=1)
    at(BOTH_CHASERS_DAY, time_machine)
    large, counts = queries(lambda: reminders_send_daily(today=day, dry_run=True))
    assert counts["chaser_1"] == counts["chaser_2"] == 3 * 43
    assert small == large <= 20


def test_sending_costs_two_queries_per_email_and_a_constant(staff, england_and_wales, time_machine):
    """Each chaser: its timeline event and its sent-log row. Each batch: a few queries to take
    its claims and load its requests, periods and thread, whatever its size."""
    at(SENT_ON, time_machine)
    make_campaigns(staff, england_and_wales, 1)
    day = at(FIRST_CHASER_DAY, time_machine)
    small, counts = queries(lambda: reminders_send_daily(today=day))
    small_emails = sum(counts.values())
    assert counts["chaser_1"] == 43 and counts["digest"] == 1

    at(SENT_ON, time_machine)
    make_campaigns(staff, england_and_wales, 3, start=1)
    day = at(FIRST_CHASER_DAY, time_machine)
    large, counts = queries(lambda: reminders_send_daily(today=day))
    large_emails = sum(counts.values())
    assert counts["chaser_1"] == 3 * 43 and counts["digest"] == 0  # sent with the first
    assert large - small <= 2 * (large_emails - small_emails)
    assert large <= 2 * large_emails + 40
    assert len(mail.outbox) == small_emails + large_emails


def test_big_days_are_cut_into_batch_tasks_that_each_send_their_share(
    staff, england_and_wales, time_machine, monkeypatch
):
    monkeypatch.setattr(reminder_runs, "BATCH_SIZE", 10)
    at(SENT_ON, time_machine)
    make_campaigns(staff, england_and_wales, 1)
    day = at(BOTH_CHASERS_DAY, time_machine)
    batches = []
    original = tasks.send_reminder_batch.apply_async

    def spy(*args, **kwargs):
        batches.append(kwargs["kwargs"]["claim_ids"])
        return original(*args, **kwargs)

    monkeypatch.setattr(tasks.send_reminder_batch, "apply_async", spy)
    counts = tasks.send_daily_reminders.delay(day.isoformat()).get()
    assert counts["chaser_1"] == counts["chaser_2"] == 43 and counts["digest"] == 1
    # 86 chasers in batches of about 10 (a request's two chasers are never split), the digest
    # in a batch of its own.
    assert len(batches) == 10
    assert all(len(ids) <= 10 for ids in batches)
    assert sorted(pk for ids in batches for pk in ids) == sorted(
        SentReminder.objects.values_list("pk", flat=True)
    )
    # Each request's second chaser went after its first, in the same thread.
    for request_id in SentReminder.objects.values_list("request_id", flat=True).distinct():
        if request_id is None:
            continue
        rows = SentReminder.objects.filter(request_id=request_id).order_by("sent_at", "pk")
        assert [r.kind for r in rows] == ["chaser_1", "chaser_2"]
    assert len(mail.outbox) == 87
    assert len({m.extra_headers["Message-ID"] for m in mail.outbox}) == 87


def test_batches_go_to_the_queue_the_daily_task_came_from():
    class Request:
        def __init__(self, delivery_info):
            self.delivery_info = delivery_info

    assert tasks._same_queue(Request({"exchange": "", "routing_key": "reminders"})) == {
        "queue": "reminders"
    }
    assert tasks._same_queue(Request({"exchange": "celery", "routing_key": "celery"})) == {
        "exchange": "celery",
        "routing_key": "celery",
    }
    assert tasks._same_queue(Request({"is_eager": True})) == {}
    assert tasks._same_queue(Request(None)) == {}


class ClockedEmailBackend(LocmemBackend):
    """A slow SMTP server: each message takes `minutes` (the test's clock moves on), and
    `during(n)` runs after the n-th message, while the batch is still sending."""

    traveller = None
    minutes = 0
    during = None
    sent = 0

    def send_messages(self, messages):
        done = super().send_messages(messages)
        cls = ClockedEmailBackend
        cls.sent += len(messages)
        cls.traveller.shift(timedelta(minutes=cls.minutes))
        if cls.during:
            cls.during(cls.sent)
        return done


@pytest.fixture
def clocked_backend(settings, time_machine):
    settings.EMAIL_BACKEND = "tests.requests_app.test_reminders_scale.ClockedEmailBackend"
    settings.REMINDERS_STALE_CLAIM_MINUTES = 30
    ClockedEmailBackend.sent = 0
    ClockedEmailBackend.during = None
    yield ClockedEmailBackend
    ClockedEmailBackend.traveller = None


def test_a_slow_batch_renews_its_claims_so_no_other_run_takes_them_over(
    staff, england_and_wales, time_machine, clocked_backend
):
    StaffProfile.objects.create(user=staff, receive_digest=False)  # chasers only
    at(SENT_ON, time_machine)
    make_campaigns(staff, england_and_wales[:6], 1)
    day = at(FIRST_CHASER_DAY, time_machine)
    clocked_backend.traveller = time_machine
    clocked_backend.minutes = 12  # the batch takes 72 minutes; claims go stale after 30
    taken_by_others = []

    def another_run(sent: int) -> None:
        taken_by_others.extend(reminders_claim_owed(today=day, run_token=f"other-{sent}"))

    clocked_backend.during = another_run
    counts = tasks.send_daily_reminders.delay(day.isoformat()).get()
    assert counts["chaser_1"] == 6
    assert taken_by_others == []
    assert len(mail.outbox) == 6
    assert SentReminder.objects.filter(status=ReminderStatus.SENT, attempts=1).count() == 6


class DyingEmailBackend(LocmemBackend):
    """The worker process dies while sending the first message of its batch."""

    def send_messages(self, messages):
        raise SystemExit("worker killed")


def test_a_batch_delivered_again_after_its_worker_died_waits_for_the_claims_to_go_stale(
    staff, england_and_wales, time_machine, settings
):
    at(SENT_ON, time_machine)
    make_campaigns(staff, england_and_wales[:5], 1)
    day = at(FIRST_CHASER_DAY, time_machine)
    (chasers, digests) = reminders_claim_owed(today=day, run_token="run")
    settings.EMAIL_BACKEND = "tests.requests_app.test_reminders_scale.DyingEmailBackend"
    with pytest.raises(SystemExit):
        reminders_send_batch(today=day, **chasers.as_task_kwargs())
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    # The broker hands the batch to another worker: its claims belong to the dead execution,
    # which may (for all anyone knows) still be sending, so the copy sends nothing.
    assert sum(reminders_send_batch(today=day, **chasers.as_task_kwargs()).values()) == 0
    assert reminders_send_batch(today=day, **digests.as_task_kwargs())["digest"] == 1
    assert reminders_open_claims(today=day).count == 5
    # Once stale, the next run takes them over and sends each once.
    time_machine.move_to(timezone.now() + timedelta(minutes=31), tick=False)
    assert reminders_send_daily(today=day)["chaser_1"] == 5
    assert not reminders_open_claims(today=day)
    assert len(mail.outbox) == 6
    assert RequestEvent.objects.filter(kind=RequestEvent.Kind.CHASER_SENT).count() == 5


def test_a_request_answered_after_the_run_claimed_its_chaser_is_skipped(
    staff, england_and_wales, time_machine
):
    from requests_app.services.lifecycle import request_record_response

    at(SENT_ON, time_machine)
    make_campaigns(staff, england_and_wales[:2], 1)
    day = at(FIRST_CHASER_DAY, time_machine)
    (chasers, _) = reminders_claim_owed(today=day, run_token="run")
    answered = SentReminder.objects.get(pk=chasers.claim_ids[0]).request_id
    request_record_response(request_id=answered, actor=staff, outcome="full", answered_on=day)
    counts = reminders_send_batch(today=day, **chasers.as_task_kwargs())
    assert counts["chaser_1"] == 1
    skipped = SentReminder.objects.get(request_id=answered)
    assert skipped.status == ReminderStatus.SKIPPED and "No longer owed" in skipped.last_error


@pytest.fixture
def kent_and_scotland_addresses(db):
    Force.objects.filter(name="Kent Police").update(foi_email="foi@kent.example.org")
    Force.objects.filter(name="Police Scotland").update(foi_email="foi@scotland.example.org")
    return Force.objects.get(name="Kent Police"), Force.objects.get(name="Police Scotland")


def test_an_abandoned_claim_waits_for_its_forces_next_working_day_without_holding_the_job(
    staff, kent_and_scotland_addresses, time_machine
):
    """Sent Mon 17 March 2025: both first chasers owed from Tue 15 April. On Thu 17 April a
    worker died mid-send of Kent's. The next run is on Easter Monday, a working day in Scotland
    only: Kent's claim becomes failed (not skipped: it is still owed; not left open: the job
    would wait on it all day), and goes on Tuesday."""
    kent, scotland = kent_and_scotland_addresses
    at(date(2025, 3, 17), time_machine)
    campaign = campaign_create(
        actor=staff,
        owner=staff,
        slug="easter-2025",
        title="Easter 2025",
        request_text="Dear {force_name}",
        forces=[kent, scotland],
        periods=NSPCC_PERIODS,
        sent_on=date(2025, 3, 17),
        chase_forces=True,
    )
    kent_request = campaign.requests.get(force=kent)
    thursday = at(date(2025, 4, 17), time_machine)
    SentReminder.objects.create(
        kind=ReminderKind.CHASER_FIRST,
        request=kent_request,
        about_date=kent_request.next_due_on,
        to_email=kent.foi_email,
        run_on=thursday,
        claim_token="dead-worker",
        claimed_at=timezone.now(),
    )
    assert reminders_send_daily(today=thursday)["chaser_1"] == 1  # Scotland's

    easter_monday = at(date(2025, 4, 21), time_machine)
    result = tasks.send_daily_reminders.delay(easter_monday.isoformat()).get()
    assert sum(result.values()) == 0
    claim = SentReminder.objects.get(request=kent_request)
    assert claim.status == ReminderStatus.FAILED
    assert "stopped mid-send" in claim.last_error and "next working day" in claim.last_error
    assert not reminders_open_claims(today=easter_monday)

    assert reminders_send_daily(today=at(date(2025, 4, 22), time_machine))["chaser_1"] == 1
    claim.refresh_from_db()
    assert claim.status == ReminderStatus.SENT
    chased = [m.to[0] for m in mail.outbox if m.extra_headers["X-FOI-Tracker-Kind"] == "chaser_1"]
    assert sorted(chased) == [kent.foi_email, scotland.foi_email]
