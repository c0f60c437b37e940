"""The Send page once some or all of a campaign has gone (issue 27): what was sent and when, and
what is left, never "Nothing has been sent yet ... Will be sent (0)"."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.core import mail
from django.urls import reverse

from requests_app.models import Force
from requests_app.services.campaigns import campaign_create
from requests_app.services.lifecycle import request_mark_sent
from requests_app.services.sending import requests_send
from tests.conftest import NSPCC_PERIODS

pytestmark = pytest.mark.django_db


@pytest.fixture
def uk_campaign(db, staff, settings, time_machine):
    """Kent and Police Scotland with addresses; Gwent without one."""
    time_machine.move_to("2026-11-03 10:00:00+00:00")
    settings.FOI_FROM_EMAIL = "foi@charity.example.org"
    settings.FOI_REPLY_TO_TEMPLATE = "foi+{token}@replies.example.org"
    names = ["Kent Police", "Police Scotland", "Gwent Police"]
    Force.objects.filter(name__in=names[:2]).update(foi_email="foi@force.example.org")
    Force.objects.filter(name="Gwent Police").update(foi_email="")
    return campaign_create(
        actor=staff,
        owner=staff,
        slug="online",
        title="Online offences",
        request_text="Dear {force_name},\n\nUnder {act}, how many offences in {periods}?",
        forces=list(Force.objects.filter(name__in=names)),
        periods=NSPCC_PERIODS,
    )


def _foi(campaign, name):
    return campaign.requests.get(force__name=name)


def _send(campaign, staff, name, capture):
    with capture(execute=True):
        requests_send(request_ids=[_foi(campaign, name).pk], actor=staff)
    assert mail.outbox


def _page(staff_client, url) -> str:
    html = staff_client.get(url).content.decode()
    return " ".join(re.sub(r"<[^>]+>", "", html).split())


def test_before_anything_is_sent_it_says_so(uk_campaign, staff_client):
    page = _page(staff_client, reverse("campaign_send", args=["online"]))
    assert "Nothing has been sent yet." in page and "Will be sent (2)" in page
    assert "Sent:" not in page


def test_partly_sent_it_says_what_went_when_and_what_is_left(
    uk_campaign, staff, staff_client, django_capture_on_commit_callbacks
):
    _send(uk_campaign, staff, "Kent Police", django_capture_on_commit_callbacks)
    gwent = _foi(uk_campaign, "Gwent Police")
    request_mark_sent(request_id=gwent.pk, actor=staff, sent_on=date(2026, 11, 2))
    page = _page(staff_client, reverse("campaign_send", args=["online"]))
    assert (
        "Sent: 2 requests, the first on 2 November 2026, the last on 3 November 2026 (1 by email from "
        "the tracker, 1 recorded as sent outside it)."
    ) in page
    assert "Left to send: 1 request; those with an address are below." in page
    assert "Will be sent (1)" in page and "Nothing has been sent yet" not in page


def test_all_sent_it_says_nothing_is_left(
    uk_campaign, staff, staff_client, django_capture_on_commit_callbacks
):
    for name in ("Kent Police", "Police Scotland"):
        _send(uk_campaign, staff, name, django_capture_on_commit_callbacks)
    gwent = _foi(uk_campaign, "Gwent Police")
    request_mark_sent(request_id=gwent.pk, actor=staff, sent_on=date(2026, 11, 3))
    page = _page(staff_client, reverse("campaign_send", args=["online"]))
    assert "Sent: 3 requests, on 3 November 2026 (2 by email from the tracker, 1 recorded" in page
    assert "Nothing is left to send" in page
    assert "Nothing has been sent yet" not in page and "Will be sent" not in page


def test_one_sent_request_says_nothing_is_left(
    uk_campaign, staff, staff_client, django_capture_on_commit_callbacks
):
    _send(uk_campaign, staff, "Kent Police", django_capture_on_commit_callbacks)
    kent = _foi(uk_campaign, "Kent Police")
    page = _page(staff_client, reverse("request_send", args=[kent.pk]))
    assert "Already sent or closed (1)" in page and "sent 3 November 2026" in page
    assert "Nothing is left to send" in page
    assert "Nothing has been sent yet" not in page and "Will be sent" not in page
