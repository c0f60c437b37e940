"""A staff member sets up a campaign to the 43 forces, sends it, logs an answer, sees progress."""

import pytest

from requests_app.models import Campaign
from requests_app.roles import STAFF
from tests.factories import UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_it_runs_a_campaign_from_creation_to_first_answer(page, live_server, log_in):
    UserFactory(username="sam", roles=[STAFF])
    log_in("sam")

    # Clicks that open a page whose script the next step needs wait for its load event.
    with page.expect_navigation():
        page.click("text=New campaign")
    page.fill("#id_title", "Online child sex offences")
    page.fill("#id_request_text", "Dear {force_name}, how many offences in {periods}?")
    page.select_option("#id_force_list", label="England and Wales (43)")
    assert page.inner_text("#force-count") == "43 forces"
    page.fill("#id_periods-0-label", "2016/17")
    page.fill("#id_periods-0-start", "2016-04-01")
    page.fill("#id_periods-0-end", "2017-03-31")
    with page.expect_navigation():  # the POST's redirect loaded, campaign_detail.js bound
        page.click("button:has-text('Create campaign')")
    assert "0 of 43 answered" in page.inner_text("#progress-summary")
    assert "43 not sent" in page.inner_text("#progress-summary")

    page.check("#select-all")
    page.click("#record-outside summary")
    page.fill("#id_sent_on", "2026-11-02")
    page.select_option("#id_sent_how", label="Post")
    page.click("#bulk-mark-sent")
    page.wait_for_selector(
        "text=Recorded 43 requests as sent outside the tracker on 2 November 2026."
    )
    assert "43 awaiting a reply" in page.inner_text("#progress-summary")

    page.click("a:has-text('Kent Police')")
    page.click("button.accordion-button:has-text('Record response')")
    form = page.locator("#form-record_response")
    form.locator("input[type=submit]").wait_for(state="visible")  # the panel open
    form.locator("select[name=outcome]").select_option("full")
    form.locator("input[name=answered_on]").fill("2026-11-20")
    form.locator("input[name=force_reference]").fill("KP/FOI/361")
    with page.expect_navigation():  # the POST and its redirect, not just the click
        form.locator("input[type=submit]").click()
    page.wait_for_selector("text=Record response: saved.")
    assert "Answered in full" in page.inner_text("#request-status")
    assert "Acknowledged" not in page.inner_text("#timeline")
    assert "Sent → Answered" in page.inner_text("#timeline")

    page.click("a:has-text('Online child sex offences')")
    summary = page.inner_text("#progress-summary")
    assert "1 of 43 answered" in summary
    assert "42 awaiting a reply" in summary
    campaign = Campaign.objects.get(slug="online-child-sex-offences")
    assert campaign.requests.filter(status="answered").count() == 1
