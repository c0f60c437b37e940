"""Issue 27: on the campaign page sending is the main action; recording requests as sent outside
the tracker is secondary, asks when and how, and the request's timeline says so."""

import pytest
from playwright.sync_api import expect

from requests_app.models import Force
from requests_app.roles import STAFF
from requests_app.services.campaigns import campaign_create
from tests.conftest import NSPCC_PERIODS
from tests.factories import UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width", [390, 1400])
def test_recording_requests_sent_by_post(page, live_server, log_in, width):
    sam = UserFactory(username="sam", roles=[STAFF])
    campaign = campaign_create(
        actor=sam,
        owner=sam,
        slug="online",
        title="Online offences",
        request_text="Dear {force_name},\n\nUnder {act}, how many offences in {periods}?",
        forces=list(Force.objects.filter(name__in=["Kent Police", "Essex Police"])),
        periods=NSPCC_PERIODS,
    )
    page.set_viewport_size({"width": width, "height": 900})
    log_in("sam")
    with page.expect_navigation():
        page.goto(f"{live_server.url}/campaigns/online/")
    send = page.locator("#bulk-send")
    assert "btn-primary" in send.get_attribute("class")
    assert "btn-primary" not in page.locator("#record-outside summary").get_attribute("class")
    expect(page.locator("#bulk-mark-sent")).to_be_hidden()  # folded away until asked for

    page.locator(".row-select").first.check()
    page.click("#record-outside summary")
    page.fill("#id_sent_on", "2026-11-02")
    page.select_option("#id_sent_how", label="Post")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.click("#bulk-mark-sent")
    expect(page.locator("body")).to_contain_text(
        "Recorded 1 request as sent outside the tracker on 2 November 2026."
    )
    foi = campaign.requests.exclude(status="draft").get()
    page.goto(f"{live_server.url}{foi.get_absolute_url()}")
    expect(page.locator("#timeline .sent-outside")).to_have_text(
        "Sent outside the tracker by post on 2 November 2026, recorded by sam"
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= width
