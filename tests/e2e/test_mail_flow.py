"""Issue 9's newcomer path in a browser: send a campaign, a reply lands in the drop folder, staff
check for mail, see it on the request, read it, and record the response it carries."""

import pytest
from django.core import mail

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
    page.wait_for_selector("text=Checking for mail now")
    assert page.locator("#inbox-empty").count() == 1  # matched, so filed, not waiting here
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

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
