"""Issue 23 in a browser, on a phone: a reply matched only by our reference waits in the Inbox
until a person files it in one click, and a message filed as a reply is corrected to an
out-of-office, after which the request is no longer flagged and is chased again."""

import pytest
from django.core import mail

from requests_app.models import FoiRequest, Force, InboundMessage
from requests_app.roles import STAFF
from requests_app.selectors.reminder_chasers import chased_requests
from requests_app.services.campaigns import campaign_create
from requests_app.services.mail_in import message_receive
from requests_app.services.sending import requests_send
from tests.conftest import NSPCC_PERIODS
from tests.factories import UserFactory
from tests.requests_app import mail_corpus as corpus

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _fits(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_a_suggestion_is_filed_in_one_click_and_a_kind_corrected(page, live_server, log_in):
    sam = UserFactory(username="sam", roles=[STAFF])
    Force.objects.filter(name="Kent Police").update(foi_email="foi@kent.police.uk")
    campaign = campaign_create(
        actor=sam,
        owner=sam,
        slug="online",
        title="Online offences",
        request_text="Dear {force_name}, how many offences in {periods}?",
        forces=list(Force.objects.filter(name="Kent Police")),
        periods=NSPCC_PERIODS,
        chase_forces=True,
    )
    kent = campaign.requests.select_related("force", "campaign").get()
    requests_send(request_ids=[kent.pk], actor=sam)
    kent.refresh_from_db()
    assert kent.sent_message_id and len(mail.outbox) == 1

    # From the force's domain, our reference in the subject, to our general address.
    suggested = message_receive(
        raw=corpus.reply(
            sender="jane.smith@kent.police.uk",
            to="foi@charity.example.org",
            subject=f"RE: [{kent.reference}] figures",
            body="Please find the figures below: 63 and 361.",
        ),
        source="stdin",
    ).message
    # An out-of-office with no automatic mark at all, to the request's own address.
    away = message_receive(
        raw=corpus.token_reply(kent, subject="Away", body="I am away until Monday."),
        source="stdin",
    ).message
    assert away.request_id == kent.pk and suggested.request_id is None

    page.set_viewport_size({"width": 390, "height": 844})
    log_in("sam")
    page.goto(f"{live_server.url}/inbox/")
    _fits(page)
    page.click(f"#inbox-table button:has-text('File on {kent.reference}')")
    page.wait_for_selector(f"text=Filed on {kent.reference}")
    suggested.refresh_from_db()
    assert suggested.request_id == kent.pk and suggested.placed_by == sam

    page.goto(f"{live_server.url}{away.get_absolute_url()}")
    assert "reply address" in page.inner_text("#match-reason")
    assert "Why:" in page.inner_text("#message-kind")
    _fits(page)
    page.click("#correct-kind button[value=auto_reply]")
    page.wait_for_selector("text=The request follows.")
    assert "Out-of-office" in page.inner_text("#message-kind")
    away.refresh_from_db()
    assert away.kind == InboundMessage.Kind.AUTO_REPLY

    # The person's reply filed by hand still wants reading, so Kent is not chased yet.
    kent = FoiRequest.objects.get(pk=kent.pk)
    assert kent.new_reply_at is not None
    assert not chased_requests().filter(pk=kent.pk).exists()
    page.goto(f"{live_server.url}{kent.get_absolute_url()}")
    assert "Email's kind corrected" in page.inner_text("#timeline")
    assert "placed by sam" in page.inner_text("#timeline")
    _fits(page)
