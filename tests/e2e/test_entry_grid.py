"""The entry grid behaves like a spreadsheet (issue 26, section 3): arriving in a cell selects
it, arrows move between cells, Enter saves and moves down, and values typed faster than they
are saved each land in their own cell."""

import json
import time

import pytest
from playwright.sync_api import expect

from figures_app.models import Figure
from foi_tracker.campaign_json import load_campaign
from requests_app.roles import STAFF
from tests.e2e.conftest import log_in_on, page_in
from tests.factories import UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def kent():
    sam = UserFactory(username="sam", roles=[STAFF])
    campaign, _ = load_campaign(
        json.dumps(
            {
                "slug": "online-offences",
                "title": "Online offences",
                "request_text": "Dear {force_name}",
                "forces": ["Kent"],
                "periods": [
                    {"label": "2015/16", "start": "2015-04-01", "end": "2016-03-31"},
                    {"label": "2016/17", "start": "2016-04-01", "end": "2017-03-31"},
                ],
                "sent_on": "2017-03-01",
                "metrics": [
                    {"slug": "grooming", "label": "Grooming"},
                    {"slug": "indecent-images", "label": "Indecent images"},
                    {"slug": "exposure", "label": "Exposure"},
                ],
            }
        ),
        actor=sam,
    )
    return campaign.requests.get()


def saved(foi, expected: int) -> dict[tuple[str, str], int]:
    """The request's saved figures, once `expected` of them are in (the saves run in the
    background; up to 30 s, for a machine busy with the rest of the suite), as (metric, period)
    -> value."""
    for _ in range(300):
        figures = Figure.objects.filter(request=foi).select_related("metric", "period")
        if len(figures) >= expected:
            return {(f.metric.slug, f.period.label): f.value for f in figures}
        time.sleep(0.1)
    pytest.fail(f"only {Figure.objects.filter(request=foi).count()} of {expected} saved")


@pytest.mark.parametrize("width", [1400, 390])
def test_it_keeps_fast_typing_in_separate_cells(browser, live_server, kent, width):
    for page in page_in(browser, width=width, height=900):
        log_in_on(page, live_server.url, "sam")
        page.goto(f"{live_server.url}/figures/requests/{kent.pk}/")
        first = page.get_by_label("Grooming, Total, 2015/16")
        first.click()
        # No waits: each Enter saves in the background while the next value is typed below.
        page.keyboard.type("11\n13\n28\n")
        assert saved(kent, 3) == {
            ("grooming", "2015/16"): 11,
            ("indecent-images", "2015/16"): 13,
            ("exposure", "2015/16"): 28,
        }
        expect(page.locator("#figures-grid-status")).to_contain_text("Saved")

        # Left moves wherever the caret is; arriving selects, so typing replaces the 11.
        page.get_by_label("Grooming, Total, 2016/17").click()
        page.keyboard.type("9")
        page.keyboard.press("ArrowLeft")
        page.keyboard.type("7\n")
        for _ in range(300):
            if saved(kent, 4).get(("grooming", "2015/16")) == 7:
                break
            time.sleep(0.1)
        assert saved(kent, 4) == {
            ("grooming", "2015/16"): 7,
            ("grooming", "2016/17"): 9,
            ("indecent-images", "2015/16"): 13,
            ("exposure", "2015/16"): 28,
        }
        # Enter moved down from the cell it saved.
        expect(page.get_by_label("Indecent images, Total, 2015/16")).to_be_focused()

        page.reload()
        expect(page.get_by_label("Grooming, Total, 2015/16")).to_have_value("7")
        expect(page.get_by_label("Exposure, Total, 2015/16")).to_have_value("28")
        # Right and Down move between cells too.
        page.get_by_label("Grooming, Total, 2015/16").click()
        page.keyboard.press("ArrowRight")
        expect(page.get_by_label("Grooming, Total, 2016/17")).to_be_focused()
        page.keyboard.press("ArrowDown")
        expect(page.get_by_label("Indecent images, Total, 2016/17")).to_be_focused()


@pytest.mark.parametrize("width", [1400, 390])
def test_the_answer_date_given_in_the_grid_dates_the_response(browser, live_server, kent, width):
    for page in page_in(browser, width=width, height=900):
        log_in_on(page, live_server.url, "sam")
        page.goto(f"{live_server.url}/figures/requests/{kent.pk}/")
        page.fill("#id_figures_answered_on", "2017-03-20")
        page.get_by_label("Grooming, Total, 2015/16").click()
        page.keyboard.type("1\n2\n3\n")
        page.get_by_label("Grooming, Total, 2016/17").click()
        page.keyboard.type("4\n5\n6\n")
        saved(kent, 6)
        for _ in range(150):
            kent.refresh_from_db()
            if kent.answered_on is not None:
                break
            time.sleep(0.1)
        assert kent.status == "answered" and kent.answered_on.isoformat() == "2017-03-20"
        page.goto(f"{live_server.url}/campaigns/online-offences/answering/")
        expect(page.locator("body")).to_contain_text("20 March 2017")  # the long format (issue 27)


def test_a_burst_of_enters_ends_saved_with_no_repeat_save(browser, live_server, kent):
    """Saves held as on a slow connection: the exposure cell's 28 leaves with the second save
    (typed while the first was out), then Enter is pressed in that cell. Enter on a cell already
    sent as it reads adds no third save, which would only say "Nothing changed" over the
    second's "Saved" (the CI flake of 7 Dec 2026, made certain)."""
    posts, held = [], []

    def hold(route):
        if route.request.method != "POST":
            route.continue_()
            return
        posts.append(route.request.post_data)
        held.append(route)

    for page in page_in(browser, width=1400, height=900):
        log_in_on(page, live_server.url, "sam")
        page.goto(f"{live_server.url}/figures/requests/{kent.pk}/")
        page.route(f"**/figures/requests/{kent.pk}/save/**", hold)
        page.get_by_label("Grooming, Total, 2015/16").click()
        page.keyboard.type("11\n13\n28")
        expect(page.get_by_label("Exposure, Total, 2015/16")).to_have_value("28")
        held.pop().continue_()  # the first save answers: the second leaves, with 13 and 28
        for _ in range(300):
            if len(posts) == 2:
                break
            page.wait_for_timeout(100)  # Playwright's calls, not time.sleep, run the route
        assert len(posts) == 2 and "28" in posts[1]
        page.keyboard.press("Enter")
        held.pop().continue_()
        expect(page.locator("#figures-grid-status")).to_contain_text("Saved", timeout=30_000)
        page.wait_for_timeout(1000)  # a third save, if one were sent, would have left by now
        while held:
            held.pop().continue_()
        assert len(posts) == 2
        expect(page.locator("#figures-grid-status")).to_contain_text("Saved")
        assert saved(kent, 3) == {
            ("grooming", "2015/16"): 11,
            ("indecent-images", "2015/16"): 13,
            ("exposure", "2015/16"): 28,
        }
