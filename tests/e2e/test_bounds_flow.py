"""Issue 27, one way to write each thing: a suppressed cell reads "1–4" (the campaign's rule) on
the request page and on the totals page, for the force and in the breakdown, and a campaign
whose rule is 0-4 reads "0–4" on both; 1 offence is singular; counts carry their separators. At
desktop width and on a 390 px phone, with nothing off to the side."""

import json

import pytest
from playwright.sync_api import expect

from foi_tracker.campaign_json import load_campaign
from requests_app.roles import STAFF
from tests.e2e.conftest import log_in_on, page_in
from tests.factories import UserFactory
from tests.figures_app.conftest import enter

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _campaign(slug: str, lower: int, sam):
    campaign, _ = load_campaign(
        json.dumps(
            {
                "slug": slug,
                "title": f"Offences {lower}",
                "request_text": "Dear {force_name}",
                "forces": ["Kent", "Essex"],
                "periods": [{"label": "2016/17", "start": "2016-04-01", "end": "2017-03-31"}],
                "suppressed_bounds": [lower, 4],
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
        [
            ("Kent", "2016/17", "*"),
            ("Kent", "2016/17", "<5", 13),
            ("Essex", "2016/17", 1243),
            ("Essex", "2016/17", 1, 13),
        ],
    )
    return campaign


@pytest.fixture
def campaigns():
    sam = UserFactory(username="sam", roles=[STAFF])
    return {1: _campaign("rule-one", 1, sam), 0: _campaign("rule-zero", 0, sam)}


@pytest.fixture(params=[(390, 844), (1400, 1000)], ids=["phone", "desktop"])
def sized_page(browser, request):
    width, height = request.param
    yield from page_in(browser, width=width, height=height)


def test_a_suppressed_cell_reads_by_the_campaigns_rule_on_every_page(
    sized_page, live_server, campaigns
):
    page = sized_page
    log_in_on(page, live_server.url, "sam")
    width = page.viewport_size["width"]
    for lower, campaign in campaigns.items():
        written, other = f"{lower}–4", f"{1 - lower}–4"
        page.goto(f"{live_server.url}/campaigns/{campaign.slug}/totals/?basis=all")
        main = page.locator("main")
        expect(main).to_contain_text("Police recorded 1,243 online child sex offences")
        kent = page.locator("tr", has_text="Kent Police").first
        expect(kent).to_contain_text(written)
        age13 = page.locator("#breakdown-victim_age tbody tr", has_text="13").first
        expect(age13).to_contain_text(f"{1 + lower}–5")  # Essex's 1 and Kent's '<5'
        text = main.inner_text()
        assert other not in text and "≤" not in text
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        kent_request = campaign.requests.get(force__name="Kent Police")
        page.goto(f"{live_server.url}/requests/{kent_request.pk}/")
        figures = page.locator("#figures")
        expect(figures).to_contain_text(written)
        assert other not in figures.inner_text()
        assert page.evaluate("document.documentElement.scrollWidth") <= width
