"""The mail-in tests' campaign (test_mail_in, test_mail_in_commands, test_mail_in_pages): all
43 requests sent by email, and the helpers that find a request and receive a message. The
fixture is registered in conftest.py (test_api_mail has a sent_campaign of its own, with three
forces sent)."""

from __future__ import annotations

import pytest
from django.core import mail

from requests_app.models import FoiRequest, Force
from requests_app.services.mail_in import message_receive
from requests_app.services.sending import requests_send


@pytest.fixture
def sent_campaign(campaign, staff, settings, django_capture_on_commit_callbacks):
    """The 43-force campaign, every request sent by email."""
    settings.FOI_FROM_EMAIL = "foi@charity.example.org"
    settings.FOI_ORGANISATION = "The Charity"
    settings.FOI_REPLY_TO_TEMPLATE = "foi+{token}@replies.example.org"
    for force in Force.objects.filter(requests__campaign=campaign):
        force.foi_email = f"foi@{force.slug}.police.example"
        force.save(update_fields=["foi_email"])
    with django_capture_on_commit_callbacks(execute=True):
        requests_send(request_ids=list(campaign.requests.values_list("pk", flat=True)), actor=staff)
    assert len(mail.outbox) == 43
    return campaign


def _foi(campaign, name: str) -> FoiRequest:
    return campaign.requests.select_related("force", "campaign").get(force__name=name)


def _receive(raw: bytes, source: str = "stdin"):
    return message_receive(raw=raw, source=source)
