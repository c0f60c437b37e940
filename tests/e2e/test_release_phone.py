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


@pytest.fixture
def published(demo):
    from django.contrib.auth import get_user_model

    from figures_app.services.releases import ReleaseSpec, release_publish
    from requests_app.models import Campaign

    release_publish(
        campaign=Campaign.objects.get(slug=NSPCC_SLUG),
        actor=get_user_model().objects.get(username="riley"),
        slug="nspcc-2017",
        spec=ReleaseSpec(
            title="Online child sex offences",
            methodology="Every force in England and Wales was asked the same question.",
            caveats={"E23000032": ["counted once per victim, not per offence"]},
        ),
    )


def _within(page, locator) -> None:
    box = locator.bounding_box()
    width = page.viewport_size["width"]
    assert box is not None and box["width"] > 0, locator
    assert 0 <= box["x"] and box["x"] + box["width"] <= width, (locator, box, width)


def test_each_forces_key_numbers_show_without_scrolling_sideways(
    sized_page, live_server, published
):
    page = sized_page
    page.goto(f"{live_server.url}/releases/nspcc-2017/")
    kent = page.locator("#forces-online-child-sex-offences tbody tr", has_text="Kent Police")
    expect(kent.locator(".force-latest")).to_contain_text("361")
    for part in ("th", ".force-latest", ".force-change", ".force-rank"):
        _within(page, kent.locator(part))
    expect(kent.locator(".force-change")).to_contain_text("473%")
    assert (
        page.evaluate("() => document.documentElement.scrollWidth") <= page.viewport_size["width"]
    )

    contents = page.locator("#release-contents")
    _within(page, contents)
    assert contents.bounding_box()["y"] < 600  # near the top, not 10,000 px down
    page.click("#release-contents >> text=Methodology")
    expect(page.locator("#methodology")).to_be_in_viewport()
    page.click("#release-contents >> text=Caveats")
    expect(page.locator("#caveats-online-child-sex-offences")).to_be_in_viewport()


@pytest.fixture
def council_release(demo):
    from django.contrib.auth import get_user_model

    from figures_app.services.releases import ReleaseSpec, release_publish
    from requests_app.demo import COUNCILS_SLUG
    from requests_app.models import Campaign

    release_publish(
        campaign=Campaign.objects.get(slug=COUNCILS_SLUG),
        actor=get_user_model().objects.get(username="riley"),
        slug="welsh-care",
        spec=ReleaseSpec(title="Children looked after by Welsh councils", include_answering=True),
    )


def test_the_demos_council_release_speaks_of_councils_and_fits(
    sized_page, live_server, council_release
):
    """Issue 30: the Welsh councils' release at 390 px and 1400 px, and Cardiff's page."""
    page = sized_page
    page.goto(f"{live_server.url}/releases/welsh-care/")
    expect(page.locator("#release-contents")).to_contain_text("Each council")
    expect(page.locator("h3", has_text="Each council")).to_be_visible()
    swansea = page.locator("#forces-children-starting-care tbody tr", has_text="Swansea")
    for part in ("th", ".force-latest", ".force-change", ".force-rank"):
        _within(page, swansea.locator(part))
    expect(page.locator("footer")).to_contain_text("Figures as recorded by the Welsh councils")
    assert (
        page.evaluate("() => document.documentElement.scrollWidth") <= page.viewport_size["width"]
    )
    page.click("#forces-children-starting-care >> text=Cardiff")
    expect(page.locator("text=All councils")).to_be_visible()
    context = page.locator(".national-context")
    expect(context).to_contain_text("recorded by 20 of 22 Welsh councils asked")
    _within(page, context)
    assert "police" not in page.inner_text("main").lower()
