"""A reviewer narrows the review queue to one campaign; the choice holds after approving and on
the next visit. At desktop width and on a 390 px phone (nothing off to the side)."""

import json

import pytest
from playwright.sync_api import expect

from foi_tracker.campaign_json import load_campaign
from requests_app.roles import REVIEWER, STAFF
from tests.e2e.conftest import log_in_on, page_in
from tests.factories import UserFactory
from tests.figures_app.conftest import enter

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _campaign(slug: str, title: str):
    campaign, _ = load_campaign(
        json.dumps(
            {
                "slug": slug,
                "title": title,
                "request_text": "Dear {force_name}",
                "forces": ["Kent", "Essex", "Surrey"],
                "periods": [{"label": "2015/16", "start": "2015-04-01", "end": "2016-03-31"}],
                "metrics": [
                    {"slug": "offences", "label": "Offences", "dimensions": ["victim_age"]}
                ],
            }
        ),
        actor=UserFactory(username=f"owner-{slug}", roles=[STAFF]),
    )
    return campaign


@pytest.fixture
def two_campaigns():
    sam = UserFactory(username="sam", roles=[STAFF])
    UserFactory(username="riley", roles=[STAFF, REVIEWER])
    online = _campaign("online-offences", "Online offences")
    stalking = _campaign("stalking-reports", "Stalking reports")
    enter(online, sam, [("Kent", "2015/16", 63), ("Essex", "2015/16", 12)])
    enter(stalking, sam, [("Surrey", "2015/16", 40)])


@pytest.fixture(params=[(390, 844), (1400, 1000)], ids=["phone", "desktop"])
def sized_page(browser, request):
    width, height = request.param
    yield from page_in(browser, width=width, height=height)


def test_a_reviewer_filters_the_queue_by_campaign(sized_page, live_server, two_campaigns):
    page = sized_page
    log_in_on(page, live_server.url, "riley")
    page.goto(f"{live_server.url}/figures/review/")
    expect(page.locator(".review-item")).to_have_count(3)
    page.select_option("#review-campaign", "online-offences")
    page.click("#review-campaign-filter button[type=submit]")
    expect(page.locator("#review-count")).to_contain_text("2 requests awaiting review in Online")
    expect(page.locator(".review-item")).to_have_count(2)
    select = page.locator("#review-campaign").bounding_box()
    assert select["x"] >= 0 and select["x"] + select["width"] <= page.viewport_size["width"]
    assert (
        page.evaluate("() => document.documentElement.scrollWidth") <= page.viewport_size["width"]
    )

    page.locator(".review-item", has_text="Kent Police").locator("summary").click()
    page.click("button:has-text('Approve Kent Police')")
    expect(page.locator(".alert-success")).to_contain_text("approved")
    expect(page.locator(".review-item")).to_have_count(1)  # still Online offences only
    expect(page.locator(".review-item")).to_contain_text("Essex Police")

    page.goto(f"{live_server.url}/")  # and back the next time
    page.goto(f"{live_server.url}/figures/review/")
    expect(page.locator("#review-campaign")).to_have_value("online-offences")
    page.click("#review-campaign-all")
    expect(page.locator(".review-item")).to_have_count(2)
