"""The daily reminders job: digests and chasers over a campaign's life, never twice, never lost."""

import os
from datetime import date, datetime, timedelta
from smtplib import SMTPServerDisconnected
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.core.management import call_command
from django.utils import timezone

from foi_tracker.celery import app as celery_app
from foi_tracker.tasks import RemindersFailed, RemindersUnsettled, send_daily_reminders
from requests_app.models import FoiRequest, Force, RequestEvent, SentReminder, StaffProfile
from requests_app.models.reminders import ReminderKind, ReminderStatus
from requests_app.roles import REVIEWER
from requests_app.selectors.reminder_runs import reminders_open_claims
from requests_app.services.campaigns import campaign_create
from requests_app.services.lifecycle import (
    request_record_response,
    request_review_requested,
    request_withdraw,
)
from requests_app.services.reminders import reminders_send_daily
from requests_app.tasks import settle_countdown
from tests.conftest import NSPCC_PERIODS
from tests.factories import UserFactory

LONDON = ZoneInfo("Europe/London")
KENT_EMAIL = "foi@kent.example.org"
SCOTLAND_EMAIL = "foi@scotland.example.org"


class FailingEmailBackend(LocmemBackend):
    """An SMTP server that has gone away."""

    def send_messages(self, messages):
        raise SMTPServerDisconnected("Connection unexpectedly closed")


FAILING_BACKEND = "tests.requests_app.test_reminders.FailingEmailBackend"


def at(day: date, time_machine) -> date:
    time_machine.move_to(datetime(day.year, day.month, day.day, 7, 0, tzinfo=LONDON), tick=False)
    return day


def run(day: date, time_machine) -> dict[str, int]:
    return reminders_send_daily(today=at(day, time_machine))


def chasers(to: str | None = None) -> list:
    return [
        m
        for m in mail.outbox
        if m.extra_headers.get("X-FOI-Tracker-Kind", "").startswith(("chaser", "review_chaser"))
        and (to is None or to in m.to)
    ]


def digests(to: str | None = None) -> list:
    return [
        m
        for m in mail.outbox
        if m.extra_headers.get("X-FOI-Tracker-Kind") == "digest" and (to is None or to in m.to)
    ]


def sent_counts(counts: dict[str, int]) -> dict[str, int]:
    return {kind: n for kind, n in counts.items() if n}


@pytest.fixture
def kent_and_scotland(db):
    kent = Force.objects.get(name="Kent Police")
    scotland = Force.objects.get(name="Police Scotland")
    Force.objects.filter(pk=kent.pk).update(foi_email=KENT_EMAIL)
    Force.objects.filter(pk=scotland.pk).update(foi_email=SCOTLAND_EMAIL)
    return Force.objects.get(pk=kent.pk), Force.objects.get(pk=scotland.pk)


@pytest.fixture
def easter_campaign(staff, kent_and_scotland, time_machine):
    """Sent on Mon 16 March 2026 to Kent (FOIA) and Police Scotland (FOISA), chasers on.

    FOIA skips 17 Mar (St Patrick's Day, NI), Good Friday and Easter Monday: due Thu 16 Apr.
    FOISA skips only Good Friday (Scottish bank holidays): due Tue 14 Apr.
    """
    at(date(2026, 3, 16), time_machine)
    return campaign_create(
        actor=staff,
        owner=staff,
        slug="easter",
        title="Online child sex offences",
        request_text="Dear {force_name}, how many online-flagged offences in {periods}?",
        forces=list(kent_and_scotland),
        periods=NSPCC_PERIODS,
        sent_on=date(2026, 3, 16),
        chase_forces=True,
        chase_again_after=10,
    )


def request_for(campaign, force_name: str) -> FoiRequest:
    return campaign.requests.select_related("force").get(force__name=force_name)


def test_it_stores_the_due_dates_the_calendars_give(easter_campaign):
    assert request_for(easter_campaign, "Kent Police").due_on == date(2026, 4, 16)
    assert request_for(easter_campaign, "Police Scotland").due_on == date(2026, 4, 14)


def test_it_follows_a_campaign_through_its_life(easter_campaign, staff, time_machine):
    kent = request_for(easter_campaign, "Kent Police")

    # Thu 9 Apr: Police Scotland due in 3 working days (Fri, Mon, Tue); Kent in 5. No chasers.
    counts = run(date(2026, 4, 9), time_machine)
    assert sent_counts(counts) == {"digest": 1}
    (digest,) = digests(staff.email)
    assert "Due within 3 working days" in digest.body
    assert "Police Scotland" in digest.body and "Kent Police" not in digest.body
    assert "http://127.0.0.1:8000/requests/" in digest.body
    assert digest.alternatives and "Police Scotland" in digest.alternatives[0][0]

    # Mon 13 Apr: both are due soon (Kent: 14, 15, 16 Apr = 3 working days).
    mail.outbox.clear()
    run(date(2026, 4, 13), time_machine)
    (digest,) = digests()
    assert "Police Scotland" in digest.body and "Kent Police" in digest.body

    # Wed 15 Apr: Police Scotland is late (due Tue 14): first chaser, on the FOISA calendar.
    mail.outbox.clear()
    counts = run(date(2026, 4, 15), time_machine)
    assert sent_counts(counts) == {"digest": 1, "chaser_1": 1}
    (chaser,) = chasers()
    assert chaser.to == [SCOTLAND_EMAIL]
    assert "Freedom of Information (Scotland) Act 2002" in chaser.body
    assert "14 April 2026" in chaser.body and "16 March 2026" in chaser.body
    assert "Overdue" in digests()[0].body

    # The same date again sends nothing.
    mail.outbox.clear()
    assert sent_counts(run(date(2026, 4, 15), time_machine)) == {}
    assert mail.outbox == []

    # Fri 17 Apr: Kent's first chaser (due Thu 16 under FOIA), citing its reference.
    FoiRequest.objects.filter(pk=kent.pk).update(force_reference="FOI/2026/0412")
    mail.outbox.clear()
    counts = run(date(2026, 4, 17), time_machine)
    assert sent_counts(counts) == {"digest": 1, "chaser_1": 1}
    (chaser,) = chasers()
    assert chaser.to == [KENT_EMAIL]
    assert "FOI/2026/0412" in chaser.subject
    assert "section 10 of the Freedom of Information Act 2000" in chaser.body
    assert "16 April 2026" in chaser.body

    # Kent answers on Mon 20 Apr: nothing more for Kent.
    at(date(2026, 4, 20), time_machine)
    request_record_response(
        request_id=kent.pk, actor=staff, outcome="full", answered_on=date(2026, 4, 20)
    )

    # Wed 29 Apr: Police Scotland's second chaser (10 working days after Wed 15 Apr).
    mail.outbox.clear()
    assert sent_counts(run(date(2026, 4, 28), time_machine)) == {"digest": 1}
    mail.outbox.clear()
    counts = run(date(2026, 4, 29), time_machine)
    assert sent_counts(counts) == {"digest": 1, "chaser_2": 1}
    (chaser,) = chasers()
    assert chaser.to == [SCOTLAND_EMAIL] and chaser.subject.startswith("Second reminder")

    # Then none: a week later only the digest, and Scotland is long overdue by mid-May.
    mail.outbox.clear()
    assert sent_counts(run(date(2026, 5, 6), time_machine)) == {"digest": 1}
    mail.outbox.clear()
    run(date(2026, 5, 14), time_machine)
    assert not chasers()
    assert "Long overdue" in digests()[0].body

    events = RequestEvent.objects.filter(kind=RequestEvent.Kind.CHASER_SENT)
    assert sorted(events.values_list("request__force__name", "data__stage")) == [
        ("Kent Police", 1),
        ("Police Scotland", 1),
        ("Police Scotland", 2),
    ]
    assert SentReminder.objects.exclude(status=ReminderStatus.SENT).count() == 0


def test_it_writes_to_a_force_only_on_its_own_working_days(easter_campaign, time_machine):
    # Both first chasers are owed by Saturday 18 April (Scotland's since the 15th, Kent's since
    # the 17th), but nobody is written to on a Saturday, and no digest goes.
    assert sent_counts(run(date(2026, 4, 18), time_machine)) == {}
    assert mail.outbox == []
    assert sent_counts(run(date(2026, 4, 20), time_machine)) == {"chaser_1": 2, "digest": 1}


def test_it_chases_police_scotland_on_a_day_that_is_a_holiday_only_elsewhere(
    staff, kent_and_scotland, time_machine
):
    """Sent Thu 20 Mar 2025: FOISA due Thu 17 Apr (Good Friday skipped), first chaser Mon
    21 Apr, Easter Monday, a working day in Scotland; Kent's waits for its own calendar."""
    at(date(2025, 3, 20), time_machine)
    campaign_create(
        actor=staff,
        owner=staff,
        slug="easter-2025",
        title="Easter 2025",
        request_text="Dear {force_name}",
        forces=list(kent_and_scotland),
        periods=NSPCC_PERIODS,
        sent_on=date(2025, 3, 20),
        chase_forces=True,
    )
    counts = run(date(2025, 4, 21), time_machine)
    assert sent_counts(counts) == {"chaser_1": 1}
    assert [m.to for m in mail.outbox] == [[SCOTLAND_EMAIL]]


def test_it_catches_up_after_missed_days(easter_campaign, time_machine):
    # The job did not run between 14 April and Mon 20 April: both first chasers are still owed.
    counts = run(date(2026, 4, 20), time_machine)
    assert counts["chaser_1"] == 2
    # Missed again until after both second chasers fell due: both are sent, nothing twice.
    counts = run(date(2026, 5, 5), time_machine)
    assert counts["chaser_1"] == 0 and counts["chaser_2"] == 2
    assert len(chasers()) == 4
    assert sent_counts(run(date(2026, 5, 5), time_machine)) == {}


def test_a_late_first_run_sends_every_chaser_owed(easter_campaign, time_machine):
    counts = run(date(2026, 5, 5), time_machine)
    assert counts["chaser_1"] == 2 and counts["chaser_2"] == 2


def test_it_never_chases_answered_or_withdrawn_requests(easter_campaign, staff, time_machine):
    kent = request_for(easter_campaign, "Kent Police")
    scotland = request_for(easter_campaign, "Police Scotland")
    at(date(2026, 4, 10), time_machine)
    request_record_response(
        request_id=kent.pk, actor=staff, outcome="not_held", answered_on=date(2026, 4, 10)
    )
    request_withdraw(request_id=scotland.pk, actor=staff, withdrawn_on=date(2026, 4, 10))
    run(date(2026, 5, 5), time_machine)
    assert chasers() == []


def test_chasers_carry_the_team_reply_to_address(easter_campaign, settings, time_machine):
    settings.CHASER_REPLY_TO = "foi-team@example.org"
    run(date(2026, 4, 17), time_machine)
    assert {tuple(m.reply_to) for m in chasers()} == {("foi-team@example.org",)}
    assert digests()[0].reply_to == []


def test_it_chases_only_when_the_campaign_says_so_and_the_force_has_an_address(
    easter_campaign, time_machine
):
    Force.objects.filter(name="Kent Police").update(foi_email="")
    counts = run(date(2026, 4, 20), time_machine)
    assert counts["chaser_1"] == 1 and chasers()[0].to == [SCOTLAND_EMAIL]

    type(easter_campaign).objects.filter(pk=easter_campaign.pk).update(chase_forces=False)
    assert run(date(2026, 5, 5), time_machine)["chaser_2"] == 0


def test_it_chases_a_late_internal_review(easter_campaign, staff, time_machine):
    kent = request_for(easter_campaign, "Kent Police")
    at(date(2026, 4, 13), time_machine)
    request_record_response(
        request_id=kent.pk,
        actor=staff,
        outcome="part",
        answered_on=date(2026, 4, 10),
    )
    request_review_requested(request_id=kent.pk, actor=staff, requested_on=date(2026, 4, 13))
    kent.refresh_from_db()
    review_due = kent.next_due_on  # 20 working days after Mon 13 Apr, skipping 4 and 25 May
    assert review_due == date(2026, 5, 12)
    Force.objects.filter(name="Police Scotland").update(foi_email="")

    counts = run(date(2026, 5, 13), time_machine)
    assert counts["review_chaser_1"] == 1
    assert "Internal reviews due or late" in digests()[0].body
    (chaser,) = chasers()
    assert "internal review" in chaser.subject
    assert "section 45" in chaser.body and "12 May 2026" in chaser.body
    assert run(date(2026, 5, 27), time_machine)["review_chaser_2"] == 0
    counts = run(date(2026, 5, 28), time_machine)  # 13 May + 10 working days (25 May holiday)
    assert counts["review_chaser_2"] == 1


def test_the_digest_goes_only_to_people_with_something_to_do(
    easter_campaign, staff, reviewer, time_machine
):
    run(date(2026, 4, 15), time_machine)
    assert [m.to for m in digests()] == [[staff.email]]


def test_people_can_opt_out_of_the_digest(easter_campaign, staff, time_machine):
    StaffProfile.objects.create(user=staff, receive_digest=False)
    counts = run(date(2026, 4, 15), time_machine)
    assert counts["digest"] == 0 and counts["chaser_1"] == 1
    assert digests() == []


def test_the_digest_includes_the_sections_it_is_given(reviewer, time_machine):
    def awaiting_review(user, today):
        if not user.groups.filter(name=REVIEWER).exists():
            return []
        return [{"label": "Kent Police: 2016/17", "url": "/figures/7/", "detail": "Entered by sam"}]

    reminders_send_daily(
        today=at(date(2026, 4, 15), time_machine),
        extra_sections=[("Figures awaiting your review", awaiting_review)],
    )
    (digest,) = digests()
    assert digest.to == [reviewer.email]
    assert "Figures awaiting your review" in digest.body
    assert "http://127.0.0.1:8000/figures/7/" in digest.body


def test_it_warns_when_a_complaint_window_is_closing(easter_campaign, staff, time_machine):
    kent = request_for(easter_campaign, "Kent Police")
    # Review answered on Fri 1 May 2026: the ICO complaint window closes 6 weeks later, 12 June.
    FoiRequest.objects.filter(pk=kent.pk).update(
        status="review_answered",
        answered_on=date(2026, 4, 10),
        review_requested_on=date(2026, 4, 13),
        review_answered_on=date(2026, 5, 1),
        next_due_on=None,
        next_long_overdue_on=None,
    )
    FoiRequest.objects.filter(force__name="Police Scotland").update(
        status="withdrawn", next_due_on=None
    )
    run(date(2026, 6, 4), time_machine)
    assert digests() == []
    run(date(2026, 6, 5), time_machine)  # 5 working days before Fri 12 June
    (digest,) = digests()
    assert "Complaint windows closing" in digest.body and "12 Jun 2026" in digest.body


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


def test_a_person_without_a_role_gets_no_digest(easter_campaign, time_machine):
    outsider = UserFactory(username="olly")
    type(easter_campaign).objects.filter(pk=easter_campaign.pk).update(owner=outsider)
    run(date(2026, 4, 15), time_machine)
    assert digests() == []


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
    settings.EMAIL_BACKEND = "tests.requests_app.test_reminders.DyingEmailBackend"
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
