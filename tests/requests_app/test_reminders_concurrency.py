"""Two runs of the daily job at once, on PostgreSQL: the sent-log's unique constraint lets exactly
one of them send each email (SQLite serialises writers, so it cannot show this)."""

import threading
import time
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.db import connection, connections

from requests_app.models import Force, RequestEvent, SentReminder
from requests_app.models.reminders import ReminderStatus
from requests_app.services.campaigns import campaign_create
from requests_app.services.reminders import reminders_send_daily
from tests.conftest import NSPCC_PERIODS

pytestmark = pytest.mark.postgres

LONDON = ZoneInfo("Europe/London")


class SlowEmailBackend(LocmemBackend):
    """A slow SMTP server, so that two runs overlap for the whole of the send loop."""

    def send_messages(self, messages):
        time.sleep(0.01)
        return super().send_messages(messages)


@pytest.fixture
def postgres_only(transactional_db):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL=postgres://...)")


def run_concurrently(target, workers: int) -> list:
    barrier = threading.Barrier(workers)
    results, errors = [], []

    def worker():
        try:
            barrier.wait()
            results.append(target())
        except Exception as exc:  # surfaced by the assertion below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    return results


def test_concurrent_runs_send_every_email_exactly_once(
    postgres_only, staff, england_and_wales, settings, time_machine
):
    time_machine.move_to(datetime(2026, 10, 1, 9, tzinfo=LONDON), tick=True)
    Force.objects.filter(pk__in=[f.pk for f in england_and_wales]).update(
        foi_email="foi@force.example.org"
    )
    campaign = campaign_create(
        actor=staff,
        owner=staff,
        slug="race",
        title="Race",
        request_text="Dear {force_name}, how many in {periods}?",
        forces=england_and_wales,
        periods=NSPCC_PERIODS,
        sent_on=date(2026, 10, 1),
        chase_forces=True,
    )
    settings.EMAIL_BACKEND = "tests.requests_app.test_reminders_concurrency.SlowEmailBackend"
    mail.outbox = []
    day = date(2026, 10, 30)  # the day after the FOIA due date (29 Oct): 43 first chasers

    results = run_concurrently(lambda: reminders_send_daily(today=day), workers=4)

    expected = campaign.requests.count() + 1  # a chaser per force and the owner's digest
    assert sum(r["chaser_1"] + r["digest"] for r in results) == expected
    assert len(mail.outbox) == expected
    assert SentReminder.objects.filter(status=ReminderStatus.SENT).count() == expected
    assert RequestEvent.objects.filter(kind=RequestEvent.Kind.CHASER_SENT).count() == expected - 1
    # And once more, after the race: nothing left to send.
    assert sum(reminders_send_daily(today=day).values()) == 0
