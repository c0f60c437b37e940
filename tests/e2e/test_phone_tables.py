"""Nothing a person needs is hidden sideways inside a scrolling box: the campaign table's Sent
and Due (a card per request on a phone), and the totals page's notes on its tables (once
captions as wide as the table they scrolled with). At 390 px and at 1400 px."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from foi_tracker.demo import demo_load_with_figures
from requests_app.demo import LIVE_SLUG, NSPCC_SLUG
from tests.e2e.conftest import log_in_on, page_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture(params=[(390, 844), (1400, 1000)], ids=["phone", "desktop"])
def sized_page(browser, request):
    width, height = request.param
    yield from page_in(browser, width=width, height=height)


def _within(page, locator) -> None:
    box = locator.bounding_box()
    width = page.viewport_size["width"]
    assert box is not None and box["width"] > 0, locator
    assert 0 <= box["x"] and box["x"] + box["width"] <= width, (locator, box, width)


def test_sent_due_and_the_totals_notes_are_not_cut_off(sized_page, live_server):
    demo_load_with_figures(today=timezone.localdate())
    page = sized_page
    log_in_on(page, live_server.url, "riley", "riley-password")
    page.goto(f"{live_server.url}/campaigns/{LIVE_SLUG}/?sort=force")
    row = page.locator("#requests-table tbody tr").first
    expect(row).to_contain_text("Avon and Somerset")
    cells = row.locator("td")
    count = cells.count()
    for from_end in (1, 4, 5):  # force reference, due, sent
        _within(page, cells.nth(count - from_end))
    _within(page, page.locator("#requests-table thead a", has_text="Due"))  # still sortable

    page.goto(f"{live_server.url}/campaigns/{NSPCC_SLUG}/totals/")
    for note in ("#period-totals-note", "#changes-note", "#force-totals-note"):
        expect(page.locator(note)).to_be_visible()
        _within(page, page.locator(note))
    total = page.locator("#period-totals tbody tr", has_text="2016/17").locator("td").first
    expect(total).to_have_text("5,653")
    _within(page, total)
