"""Ages in ranges through the browser (issue 26): a force's 'ten and under' typed in the grid is
saved as 0-10 with its words kept, an overlapping range is refused naming the cell, and the
campaign form takes reporting bands in words, refusing bad ones. At desktop and phone widths."""

import json
from datetime import date

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from figures_app.models import Dimension, Figure
from foi_tracker.campaign_json import load_campaign
from requests_app.roles import STAFF
from requests_app.services.lifecycle import request_record_response
from tests.e2e.conftest import log_in_on, page_in
from tests.factories import UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WIDTHS = {"desktop": (1400, 1000), "phone": (390, 844)}


@pytest.fixture
def aged_campaign():
    sam = UserFactory(username="sam", roles=[STAFF])
    campaign, _ = load_campaign(
        json.dumps(
            {
                "slug": "online-offences",
                "title": "Online offences",
                "request_text": "Dear {force_name}",
                "forces": ["Kent", "Essex"],
                "periods": [{"label": "2016/17", "start": "2016-04-01", "end": "2017-03-31"}],
                "sent_on": "2017-03-01",
                "metrics": [
                    {
                        "slug": "offences",
                        "label": "Online-flagged offences",
                        "dimensions": [{"slug": "victim_age", "label": "Victim age"}],
                    }
                ],
            }
        ),
        actor=sam,
    )
    for foi in campaign.requests.all():
        request_record_response(
            request_id=foi.pk, actor=sam, outcome="full", answered_on=date(2017, 3, 20)
        )
    return campaign


def _overflow(page) -> int:
    return page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )


@pytest.mark.parametrize("size", WIDTHS)
def test_ranges_typed_in_the_grid_are_kept_and_overlaps_refused(
    browser, live_server, aged_campaign, size
):
    width, height = WIDTHS[size]
    kent = aged_campaign.requests.get(force__name="Kent Police")
    metric = aged_campaign.metrics.get()
    dim = Dimension.objects.get(metric=metric)
    period = aged_campaign.periods.get()
    pages = page_in(browser, width=width, height=height)
    page = next(pages)
    log_in_on(page, live_server.url, "sam")
    page.goto(f"{live_server.url}{kent.get_absolute_url()}")

    def new_row(n: int, name: str, value: str) -> None:
        page.fill(f"input[name='new-{dim.pk}-{n}-name']", name)
        page.fill(f"input[name='new-{dim.pk}-{n}-{metric.pk}-{period.pk}']", value)

    new_row(0, "ten and under", "9")
    new_row(1, "11 to 15", "3")
    page.click("#figures-grid button[type=submit]")
    expect(page.locator("#figures-grid")).to_contain_text("Victim age: 0-10")
    got = {(f.category.value, f.category_label, f.value) for f in Figure.objects.all()}
    assert got == {("0-10", "ten and under", 9), ("11-15", "11 to 15", 3)}

    new_row(0, "14-17", "2")
    page.click("#figures-grid button[type=submit]")
    expect(page.locator("#figures")).to_contain_text("Nothing was saved")
    assert "victim age 14-17 overlaps 11-15" in page.inner_text("#figures").lower()
    assert Figure.objects.count() == 2
    assert _overflow(page) <= 0
    for _ in pages:  # close the context (and check the page's CSP)
        pass


@pytest.mark.parametrize("size", WIDTHS)
def test_the_campaign_form_takes_bands_in_words(browser, live_server, aged_campaign, size):
    width, height = WIDTHS[size]
    pages = page_in(browser, width=width, height=height)
    page = next(pages)
    log_in_on(page, live_server.url, "sam")
    page.goto(live_server.url + reverse("campaign_edit", args=[aged_campaign.slug]))
    bands = page.locator("textarea[name='metrics-0-bands']")
    expect(bands).to_be_visible()
    bands.fill("Victim age: 0-12, 11-15")
    page.click("#campaign-form button[type=submit]")
    expect(page.locator("#campaign-form")).to_contain_text(
        "Victim age bands: '11-15' overlaps '0-12'."
    )
    assert _overflow(page) <= 0
    page.locator("textarea[name='metrics-0-bands']").fill(
        "Victim age: 0-10, 11-12, 13, 14-15, 16-17 (maximum 17)"
    )
    page.click("#campaign-form button[type=submit]")
    page.wait_for_url(f"**/campaigns/{aged_campaign.slug}/")
    dim = Dimension.objects.get()
    assert (dim.bands, dim.maximum) == (["0-10", "11-12", "13", "14-15", "16-17"], 17)
    for _ in pages:
        pass
