"""The reminders tests' campaign (test_reminders, test_reminders_delivery): Kent and Police
Scotland chased over Easter 2026, and the helpers that run the daily job on a given day. The
fixtures are registered in conftest.py."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core import mail

from requests_app.models import FoiRequest, Force
from requests_app.services.campaigns import campaign_create
from requests_app.services.reminders import reminders_send_daily
from tests.conftest import NSPCC_PERIODS

LONDON = ZoneInfo("Europe/London")
KENT_EMAIL = "foi@kent.example.org"
SCOTLAND_EMAIL = "foi@scotland.example.org"


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
