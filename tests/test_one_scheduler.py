"""One scheduler (issue 29): Celery beat runs once per deployment, from the database schedule
(django-celery-beat's DatabaseScheduler). A second beat started by mistake on another host reads
the same schedule and sends the same job at the same minute; the sent-log's claims make sure no
email leaves twice. Two real DatabaseScheduler instances tick here, each sending the daily job."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django_celery_beat.models import CrontabSchedule, PeriodicTask
from django_celery_beat.schedulers import DatabaseScheduler

from foi_tracker.celery import app
from requests_app.models import Force, RequestEvent, SentReminder
from requests_app.models.reminders import ReminderStatus
from requests_app.services.campaigns import campaign_create
from tests.conftest import NSPCC_PERIODS

LONDON = ZoneInfo("Europe/London")
DAILY_JOB = "Daily reminders and chasers"  # requests_app migration 0004


class CountingScheduler(DatabaseScheduler):
    """A beat as deployed, counting the jobs it sends (the tasks run eagerly in tests)."""

    def __init__(self, *args, **kwargs):
        self.sent: list[str] = []
        super().__init__(*args, **kwargs)

    def apply_async(self, entry, producer=None, advance=True, **kwargs):
        self.sent.append(entry.task)
        return super().apply_async(entry, producer=producer, advance=advance, **kwargs)


@pytest.fixture
def late_campaign(transactional_db, staff, england_and_wales):
    Force.objects.filter(pk__in=[f.pk for f in england_and_wales]).update(
        foi_email="foi@force.example.org"
    )
    return campaign_create(
        actor=staff,
        owner=staff,
        slug="two-beats",
        title="Two beats",
        request_text="Dear {force_name}, how many in {periods}?",
        forces=england_and_wales,
        periods=NSPCC_PERIODS,
        sent_on=date(2026, 10, 1),
        chase_forces=True,
    )


def test_two_beats_send_the_daily_job_twice_and_no_email_twice(late_campaign, time_machine):
    # Only the daily job, last run the day before: due at 07:00 on Friday 30 October, the day
    # after the FOIA due date, when every force is owed its first chaser.
    # The schedule as migration 0004 writes it (made here: an earlier test that flushed the
    # tables may have emptied them).
    PeriodicTask.objects.exclude(name=DAILY_JOB).update(enabled=False)
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute="0",
        hour="7",
        day_of_week="1-5",
        day_of_month="*",
        month_of_year="*",
        timezone="Europe/London",
    )
    PeriodicTask.objects.update_or_create(
        name=DAILY_JOB,
        defaults={
            "task": "requests_app.send_daily_reminders",
            "crontab": crontab,
            "enabled": True,
            "last_run_at": datetime(2026, 10, 29, 7, 0, tzinfo=LONDON),
        },
    )
    time_machine.move_to(datetime(2026, 10, 30, 7, 0, 30, tzinfo=LONDON), tick=False)
    mail.outbox = []
    beats = [CountingScheduler(app=app), CountingScheduler(app=app)]

    for beat in beats:
        beat.tick()

    # Both beats sent the job: the schedule alone does not stop a second beat.
    assert [beat.sent for beat in beats] == [
        ["requests_app.send_daily_reminders"],
        ["requests_app.send_daily_reminders"],
    ]
    expected = late_campaign.requests.count() + 1  # a chaser per force and the owner's digest
    assert len(mail.outbox) == expected
    assert len({m.to[0] + m.subject for m in mail.outbox}) == expected
    assert SentReminder.objects.filter(status=ReminderStatus.SENT).count() == expected
    assert RequestEvent.objects.filter(kind=RequestEvent.Kind.CHASER_SENT).count() == expected - 1

    # The next minute neither beat sends it again (each knows when it last ran).
    time_machine.move_to(datetime(2026, 10, 30, 7, 1, 30, tzinfo=LONDON), tick=False)
    for beat in beats:
        beat.tick()
    assert [len(beat.sent) for beat in beats] == [1, 1]
    assert len(mail.outbox) == expected

    # A beat started the next working day runs the job again: that day's digest goes, and no
    # chaser is sent again.
    time_machine.move_to(datetime(2026, 11, 2, 7, 0, 30, tzinfo=LONDON), tick=False)
    third = CountingScheduler(app=app)
    third.tick()
    assert third.sent == ["requests_app.send_daily_reminders"]
    assert len(mail.outbox) == expected + 1
    assert RequestEvent.objects.filter(kind=RequestEvent.Kind.CHASER_SENT).count() == expected - 1
