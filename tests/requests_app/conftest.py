"""Fixtures for the mail tests: a request the tracker really emailed."""

from __future__ import annotations

import pytest
from django.core import mail

from requests_app.models import FoiRequest, Force
from requests_app.services.campaigns import campaign_create
from requests_app.services.sending import requests_send
from tests.conftest import NSPCC_PERIODS
from tests.requests_app.real_mail import KENT_EMAIL


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
