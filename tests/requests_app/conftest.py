"""Fixtures shared by modules here: for the mail tests, a request the tracker really emailed;
the mail-in tests' sent campaign (mail_in_helpers.py); the reminders tests' Easter campaign
(reminder_helpers.py); and the real mail servers of the test_mail_servers_* modules (they
import mail_servers.py only when a test asks for them, since importing it skips a module when
the servers are not configured)."""

from __future__ import annotations

import logging
import uuid
from datetime import date, datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.core import mail

from figures_app.services.metrics import DimensionSpec, MetricSpec, metric_save
from requests_app.models import FoiRequest, Force
from requests_app.services.campaigns import campaign_create
from requests_app.services.sending import requests_send
from tests.conftest import NSPCC_PERIODS
from tests.requests_app.dashboard_world import today, world  # noqa: F401 (two modules' fixtures)
from tests.requests_app.mail_in_helpers import sent_campaign  # noqa: F401 (three modules' fixture)
from tests.requests_app.real_mail import KENT_EMAIL
from tests.requests_app.reminder_helpers import (  # noqa: F401 (fixtures of two modules)
    easter_campaign,
    kent_and_scotland,
)


@pytest.fixture
def sent_kent(staff, settings, django_capture_on_commit_callbacks) -> FoiRequest:
    """Kent's request, emailed by the tracker (so it has a reply token and a Message-ID)."""
    settings.FOI_FROM_EMAIL = "foi@charity.example.org"
    settings.FOI_REPLY_TO_TEMPLATE = "foi+{token}@charity.example.org"
    Force.objects.filter(name="Kent Police").update(foi_email=KENT_EMAIL)
    campaign = campaign_create(
        actor=staff,
        owner=staff,
        slug="online",
        title="Online child sex offences",
        request_text="Dear {force_name}, how many offences in {periods}?",
        forces=[Force.objects.get(name="Kent Police")],
        periods=NSPCC_PERIODS,
        chase_forces=True,
        chase_again_after=10,
    )
    foi = campaign.requests.get()
    with django_capture_on_commit_callbacks(execute=True):
        requests_send(request_ids=[foi.pk], actor=staff)
    mail.outbox.clear()
    return FoiRequest.objects.select_related("force", "campaign").get(pk=foi.pk)


# The real mail servers (test_mail_servers_*) ---------------------------------------------


@pytest.fixture(scope="module")
def smtp():
    from aiosmtpd.controller import Controller

    from tests.requests_app.mail_servers import Collect, free_port

    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every command
    handler = Collect()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield SimpleNamespace(handler=handler, port=controller.port)
    finally:
        controller.stop()


@pytest.fixture(scope="module")
def project(tmp_path_factory, smtp):
    from tests.requests_app.mail_servers import MailProject

    project = MailProject(tmp_path_factory.mktemp("mail-servers"), smtp.port)
    try:
        project.manage("migrate", "--noinput", "-v0")
        yield project
    finally:
        project.stop_workers()
        if project.database:
            project.database.drop()


@pytest.fixture
def worker_project(project):
    """The module's project with a queue of this test's own, and its workers stopped after."""
    project.queue = f"mail-servers-{uuid.uuid4().hex[:8]}"
    try:
        yield project
    finally:
        project.stop_workers()


@pytest.fixture
def mailbox():
    from tests.requests_app.mail_servers import IMAP_URL, Mailbox

    box = Mailbox(IMAP_URL)
    try:
        yield box
    finally:
        box.close()


@pytest.fixture
def on(time_machine):
    """Move the clock to 9am London time on a day (the deadline counts and cards tests)."""

    def move(day: date):
        time_machine.move_to(
            datetime(day.year, day.month, day.day, 9, tzinfo=ZoneInfo("Europe/London")),
            tick=False,
        )
        return day

    return move


@pytest.fixture
def metric(campaign):
    """The figures tests' metric, which `enter` (tests/figures_app/conftest.py) fills."""
    return metric_save(
        campaign=campaign,
        spec=MetricSpec(
            "offences", "Offences", "offences", "", (DimensionSpec("victim_age", "Age", None),)
        ),
    )
