"""Issue 27, numbers and words people quote: the totals page of a campaign whose latest period
has not ended gives no rate a day for it and says why, names what the metric counts (not its
label pasted in) and writes 1,243 with its separator. At desktop width and on a 390 px phone
(the note wraps, nothing off to the side)."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from foi_tracker.campaign_json import load_campaign
from requests_app.roles import STAFF
from tests.e2e.conftest import log_in_on, page_in
from tests.factories import UserFactory
from tests.figures_app.conftest import enter

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def unfinished():
    sam = UserFactory(username="sam", roles=[STAFF])
    end = timezone.localdate() + timedelta(days=40)
    start = end - timedelta(days=364)
    campaign, _ = load_campaign(
        json.dumps(
            {
                "slug": "online-offences",
                "title": "Online offences",
                "request_text": "Dear {force_name}",
                "forces": ["Kent", "Essex"],
                "periods": [
                    {"label": "2015/16", "start": "2015-04-01", "end": "2016-03-31"},
                    {"label": "This year", "start": start.isoformat(), "end": end.isoformat()},
                ],
                "metrics": [
                    {
                        "slug": "offences",
                        "label": "Online child sex offences recorded",
                        "dimensions": ["victim_age"],
                    }
                ],
            }
        ),
        actor=sam,
    )
    enter(
        campaign,
        sam,
        [("Kent", "2015/16", 1243), ("Kent", "This year", 361), ("Essex", "This year", 12)],
    )
    return campaign, end


@pytest.fixture(params=[(390, 844), (1400, 1000)], ids=["phone", "desktop"])
def sized_page(browser, request):
    width, height = request.param
    yield from page_in(browser, width=width, height=height)


def test_the_totals_page_withholds_the_rate_and_says_why(sized_page, live_server, unfinished):
    campaign, end = unfinished
    page = sized_page
    log_in_on(page, live_server.url, "sam")
    page.goto(f"{live_server.url}/campaigns/{campaign.slug}/totals/?basis=all")
    note = page.locator(".no-rate")
    expect(note).to_have_count(1)
    expect(note).to_contain_text("This year: No rate a day: the period runs to")
    expect(note).to_be_visible()
    box = note.bounding_box()
    width = page.viewport_size["width"]
    assert box["x"] >= 0 and box["x"] + box["width"] <= width  # wraps, not cut off sideways
    text = page.locator("main").inner_text()
    assert "Police recorded 373 online child sex offences in This year" in text
    assert "offences recorded in" not in text
    assert "Police recorded 1,243 online child sex offences in 2015/16" in text
    assert page.evaluate("document.documentElement.scrollWidth") <= width
