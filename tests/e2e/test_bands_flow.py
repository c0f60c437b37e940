"""The totals page of a campaign that reports victim age in bands (issue 26), at desktop and
phone widths: a band a force's range straddles shows its bounds and how many forces' answers
fitted it, the headline says the same, and the page never scrolls sideways."""

import json

import pytest
from playwright.sync_api import expect

from figures_app.models import Category, Dimension
from foi_tracker.campaign_json import load_campaign
from requests_app.roles import REVIEWER, STAFF
from tests.e2e.conftest import log_in_on, page_in
from tests.factories import UserFactory
from tests.figures_app.conftest import enter

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def banded():
    sam = UserFactory(username="sam", roles=[STAFF])
    riley = UserFactory(username="riley", roles=[STAFF, REVIEWER])
    campaign, _ = load_campaign(
        json.dumps(
            {
                "slug": "ages",
                "title": "Ages",
                "request_text": "Dear {force_name}",
                "forces": ["Kent", "Essex"],
                "periods": [{"label": "2016/17", "start": "2016-04-01", "end": "2017-03-31"}],
                "sent_on": "2017-03-01",
                "metrics": [
                    {"slug": "offences", "label": "Offences", "dimensions": ["victim_age"]}
                ],
            }
        ),
        actor=sam,
    )
    enter(
        campaign,
        sam,
        [
            ("Kent", "2016/17", 2, 3),
            ("Kent", "2016/17", 10, 13),
            ("Essex", "2016/17", 20, 100),
            ("Essex", "2016/17", 7, 101),
        ],
        approve_by=riley,
    )
    Category.objects.filter(value="100").update(value="0-10", label="0-10", low=0, high=10)
    Category.objects.filter(value="101").update(value="11-13", label="11-13", low=11, high=13)
    Dimension.objects.filter(slug="victim_age").update(bands=["0-10", "11-12", "13"], maximum=17)
    return campaign


@pytest.mark.parametrize("width", [1400, 390])
def test_a_straddled_band_shows_its_bounds_on_the_totals_page(browser, live_server, banded, width):
    for page in page_in(browser, width=width, height=900):
        log_in_on(page, live_server.url, "sam")
        page.goto(f"{live_server.url}/campaigns/ages/totals/")
        table = page.locator("#breakdown-victim_age")
        expect(table).to_contain_text("0-10")
        rows = {
            row.locator("th").inner_text(): row.locator("td").first.inner_text()
            for row in table.locator("tbody tr").all()
        }
        # Kent's 2 and Essex's 0-10 fit the band; Essex's 11-13 straddles 11-12 and 13.
        assert rows["0-10"].startswith("22")
        assert rows["11-12"].startswith("0–7") and "(0 of 1 force exact)" in rows["11-12"]
        assert rows["13"].startswith("10–17") and "(1 of 2 forces exact)" in rows["13"]
        expect(page.locator("body")).to_contain_text(
            "By victim age in 2016/17: 0-10, 22 offences; 11-12, between 0 and 7 offences; "
            "13, between 10 and 17 offences"
        )
        overflow = page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow == 0
