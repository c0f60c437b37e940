"""A staff member sends a campaign: preview (on a phone), sets a missing address, confirms."""

import pytest
from django.core import mail
from playwright.sync_api import expect

from requests_app.models import Force
from requests_app.roles import STAFF
from requests_app.services.campaigns import campaign_create
from tests.conftest import NSPCC_PERIODS
from tests.factories import UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_it_previews_and_sends_a_campaign(page, live_server, log_in):
    sam = UserFactory(username="sam", roles=[STAFF])
    names = ["Kent Police", "Police Scotland", "Gwent Police"]
    Force.objects.filter(name__in=names).update(foi_email="foi@force.example.org")
    Force.objects.filter(name="Gwent Police").update(foi_email="")
    campaign_create(
        actor=sam,
        owner=sam,
        slug="online",
        title="Online offences",
        request_text="Dear {force_name},\n\nUnder {act}, how many offences in {periods}?",
        forces=list(Force.objects.filter(name__in=names)),
        periods=NSPCC_PERIODS,
    )
    mail.outbox = []
    page.set_viewport_size({"width": 390, "height": 844})
    log_in("sam")
    page.goto(f"{live_server.url}/campaigns/online/")
    page.click("#send-campaign")
    page.wait_for_selector("#send-ready")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert page.locator(".send-item").count() == 2
    scotland = page.locator(".send-item[data-force='Police Scotland']")
    scotland.locator("summary").click()
    assert "Under the Freedom of Information (Scotland) Act 2002" in scotland.inner_text()
    assert "Gwent Police" in page.inner_text("#send-no-address")
    assert mail.outbox == []

    page.click("#send-no-address a:has-text('set its FOI address')")
    page.fill("#id_foi_email", "foi@gwent.example.org")
    page.click("button:has-text('Save')")
    page.wait_for_selector("#send-ready")
    assert page.locator(".send-item").count() == 3
    assert page.locator("#send-no-address").count() == 0

    page.click("#send-confirm button[type=submit]")
    page.wait_for_selector("text=Sending 3 requests;")
    assert sorted(m.to[0] for m in mail.outbox) == [
        "foi@force.example.org",
        "foi@force.example.org",
        "foi@gwent.example.org",
    ]
    assert "3 awaiting a reply" in page.inner_text("#progress-summary")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    # Everything has gone: the Send page says what went, when, and that nothing is left.
    for width in (390, 1400):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"{live_server.url}/campaigns/online/send/")
        done = page.locator("#send-done")
        expect(done).to_contain_text("Sent: 3 requests, on ")
        expect(page.locator("#send-left")).to_contain_text("Nothing is left to send")
        assert page.locator("#send-ready").count() == 0
        assert "Nothing has been sent yet" not in page.inner_text("main")
        assert page.evaluate("document.documentElement.scrollWidth") <= width
