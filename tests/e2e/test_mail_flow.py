"""Issue 9's newcomer path in a browser: send a campaign, a reply lands in the drop folder, staff
check for mail, see it on the request, read it, and record the response it carries."""

import pytest
from django.core import mail
from playwright.sync_api import expect

from requests_app import demo_mail
from requests_app.models import Force
from requests_app.roles import STAFF
from requests_app.services.campaigns import campaign_create
from tests.conftest import NSPCC_PERIODS
from tests.factories import UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_reply_dropped_in_is_filed_and_acted_on(page, live_server, log_in, settings, tmp_path):
    settings.FOI_IMAP_URL = ""
    settings.FOI_MAIL_DROP_DIR = tmp_path
    sam = UserFactory(username="sam", roles=[STAFF])
    names = ["Kent Police", "Essex Police"]
    for name in names:
        Force.objects.filter(name=name).update(foi_email=f"foi@{name.split()[0].lower()}.example")
    campaign = campaign_create(
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
    page.click("#send-confirm button[type=submit]")
    page.wait_for_selector("#progress-summary")
    assert len(mail.outbox) == 2

    kent = campaign.requests.select_related("force", "campaign").get(force__name="Kent Police")
    assert kent.sent_message_id  # the worker stored the Message-ID the reply will quote
    (tmp_path / "reply.eml").write_bytes(demo_mail.reply(kent, "KP/2026/77"))

    page.click(".navbar-toggler")  # the menu is folded away on a phone
    page.click("nav >> text=Inbox")
    page.click("#inbox-check button")
    result = page.locator("#mail-check-result")
    expect(result).to_have_text(f"1 message filed: a reply on {kent.reference} (Kent Police).")
    assert page.locator("#inbox-empty").count() == 1  # matched, so filed, not waiting here
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    result.locator("a", has_text="a reply").click()
    expect(page.locator("#message-text")).to_contain_text("KP/2026/77")
    page.go_back()

    page.goto(f"{live_server.url}{kent.get_absolute_url()}")
    assert "New reply" in page.inner_text("#new-reply")
    page.click("#timeline a:has-text('Read the email')")
    assert "KP/2026/77" in page.inner_text("#message-text")
    assert "response.xlsx" in page.inner_text("main")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    page.goto(f"{live_server.url}{kent.get_absolute_url()}")
    page.click("button.accordion-button:has-text('Record response')")
    form = page.locator("#form-record_response")
    form.locator("input[type=submit]").wait_for(state="visible")  # opened, not mid-animation
    form.locator("select[name=outcome]").select_option("full")
    form.locator("input[name=answered_on]").fill(kent.sent_on.isoformat())
    form.locator("input[type=submit]").click()
    page.wait_for_selector("text=Record response: saved.", timeout=60_000)
    assert page.locator("#new-reply").count() == 0
    kent.refresh_from_db()
    assert kent.new_reply_at is None


def test_a_check_that_finds_nothing_says_so_on_a_wide_screen(
    page, live_server, log_in, settings, tmp_path
):
    settings.FOI_IMAP_URL = ""
    settings.FOI_MAIL_DROP_DIR = tmp_path
    UserFactory(username="sam", roles=[STAFF])
    (tmp_path / "stray.eml").write_bytes(
        b"From: someone@example.org\r\nTo: foi@charity.example.org\r\nSubject: A question\r\n"
        b"Message-ID: <stray@example.org>\r\n\r\nHello.\r\n"
    )
    page.set_viewport_size({"width": 1400, "height": 900})
    log_in("sam")
    page.goto(f"{live_server.url}/inbox/")
    page.click("#inbox-check button")
    result = page.locator("#mail-check-result")
    expect(result).to_have_text("Nothing filed on a request; 1 waiting below.")
    expect(page.locator("#inbox-table")).to_contain_text("A question")
    page.click("#inbox-check button")
    expect(result).to_have_text("No new mail.")
    assert page.evaluate("document.documentElement.scrollWidth") <= 1400
