"""A reviewer publishes the demo's NSPCC campaign from the web; anyone, logged out, then reads
its public page (5,653 from 38 forces, +44%), Kent's press line and the downloads, on a 390 px
phone and in print."""

import pytest
from django.utils import timezone
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from foi_tracker.demo import demo_load_with_figures
from requests_app.demo import NSPCC_SLUG

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

KENT_LINE = (
    "Kent Police recorded 361 online-flagged child sex offences in 2016/17, up from 63 in "
    "2015/16, a rise of 473%."
)


@pytest.fixture
def demo():
    demo_load_with_figures(today=timezone.localdate())


def test_a_reviewer_publishes_the_demo_and_the_public_reads_it(
    browser, page, live_server, log_in, demo
):
    log_in("riley", "riley-password")
    page.goto(f"{live_server.url}/campaigns/{NSPCC_SLUG}/totals/")
    page.click("#releases-link a")
    with page.expect_navigation():  # the form's page and its script loaded before typing
        page.click("text=Prepare a release")
    page.fill("#id_title", "Online child sex offences recorded by police, 2016/17")
    page.fill("#id_slug", "nspcc-2017")
    page.fill("#id_methodology", "Every force in England and Wales was asked the same question.")
    page.fill("#id_caveats", "Norfolk: could not flag online offences before 2016/17")
    page.check("#id_include_answering")
    page.click("input[type=submit][value='Publish release']")
    try:
        page.wait_for_url(f"{live_server.url}/releases/nspcc-2017/v1/", timeout=60_000)
    except PlaywrightTimeoutError:  # say where it went and what the page said
        pytest.fail(
            f"Publishing did not reach version 1; at {page.url}:\n{page.inner_text('main')}"
        )
    assert "Published version 1" in page.inner_text("main")

    # Anyone, logged out, in a fresh browser context.
    context = browser.new_context(viewport={"width": 390, "height": 844})
    public = context.new_page()
    try:
        response = public.goto(f"{live_server.url}/releases/nspcc-2017/")
        assert response.status == 200
        text = public.inner_text("main")
        assert "5,653" in text and "38 of 43" in text and "+44%" in text
        assert "could not flag online offences before 2016/17" in text
        assert "How each force answered" in text
        assert "riley" not in public.content()
        width = public.evaluate("() => document.documentElement.scrollWidth")
        assert width <= 390, "the release page is wider than a 390 px phone"

        public.click("text=Kent Police")
        public.wait_for_url(f"{live_server.url}/releases/nspcc-2017/E23000032/")
        assert public.inner_text("#press-line-online-child-sex-offences") == KENT_LINE
        assert public.evaluate("() => document.documentElement.scrollWidth") <= 390

        # Printable: the downloads and navigation are left off the printed page.
        public.goto(f"{live_server.url}/releases/nspcc-2017/")
        public.emulate_media(media="print")
        assert not public.is_visible("#downloads")
        assert public.is_visible("#period-totals-online-child-sex-offences")

        csv = public.request.get(f"{live_server.url}/releases/nspcc-2017/v1/release.csv")
        assert csv.status == 200 and KENT_LINE in csv.text()
        png = public.request.get(
            f"{live_server.url}/releases/nspcc-2017/v1/charts/online-child-sex-offences/forces.png"
        )
        assert png.status == 200 and png.body().startswith(b"\x89PNG")
    finally:
        context.close()


def test_the_release_page_reads_without_javascript(browser, live_server, demo):
    from django.contrib.auth import get_user_model

    from figures_app.services.releases import ReleaseSpec, release_publish
    from requests_app.models import Campaign

    release_publish(
        campaign=Campaign.objects.get(slug=NSPCC_SLUG),
        actor=get_user_model().objects.get(username="riley"),
        slug="nspcc-2017",
        spec=ReleaseSpec(title="Online child sex offences"),
    )
    context = browser.new_context(java_script_enabled=False, viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/releases/nspcc-2017/")
        assert "5,653" in page.inner_text("#period-totals-online-child-sex-offences")
        assert page.locator("svg.figures-chart").count() >= 2
    finally:
        context.close()
