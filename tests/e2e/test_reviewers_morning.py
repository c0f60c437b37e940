"""A reviewer's morning: from the dashboard to the review queue, a request with a warning opened
inline, approving refused until the warning is ticked as checked, then approved, and the
campaign's total moves. At desktop width and on a 390 px phone (the page never scrolls
sideways). Then the same approval with the keyboard only, and the entry grid's arrow keys."""

import json
from datetime import date

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from figures_app.models import FigureReview, ReviewState
from foi_tracker.campaign_json import load_campaign
from requests_app.roles import REVIEWER, STAFF
from requests_app.services.lifecycle import request_record_response
from tests.e2e.conftest import log_in_on, page_in
from tests.factories import UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = 390


@pytest.fixture
def morning(tmp_path):
    """Essex approved (100, 120); Kent entered by Sam, 63 then 361: a x5.73 jump to check."""
    sam = UserFactory(username="sam", roles=[STAFF])
    UserFactory(username="riley", roles=[STAFF, REVIEWER])
    campaign, _ = load_campaign(
        json.dumps(
            {
                "slug": "online-offences",
                "title": "Online offences",
                "request_text": "Dear {force_name}",
                "forces": ["Kent", "Essex"],
                "periods": [
                    {"label": "2015/16", "start": "2015-04-01", "end": "2016-03-31"},
                    {"label": "2016/17", "start": "2016-04-01", "end": "2017-03-31"},
                ],
                "sent_on": "2017-03-01",
                "metrics": [
                    {
                        "slug": "offences",
                        "label": "Online-flagged offences",
                        "dimensions": [
                            {
                                "slug": "offence",
                                "label": "Offence type",
                                "categories": ["Grooming", "Indecent images"],
                            }
                        ],
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
    essex = tmp_path / "essex.csv"
    essex.write_text(
        "force,period,metric,offence,value\n"
        "Essex,2015/16,offences,,100\nEssex,2016/17,offences,,120\n"
    )
    call_command("import_figures", "online-offences", str(essex), "--user", "riley", "--approve")
    kent = tmp_path / "kent.csv"
    kent.write_text(
        "force,period,metric,offence,value\nKent,2015/16,offences,,63\nKent,2016/17,offences,,361\n"
    )
    call_command("import_figures", "online-offences", str(kent), "--user", "sam")
    return campaign, campaign.requests.get(force__name="Kent Police")


@pytest.fixture(params=[1400, PHONE], ids=["desktop", "phone"])
def sized_page(request, browser):
    yield from page_in(browser, width=request.param, height=900)


def scroll_width(page) -> int:
    return page.evaluate("() => document.documentElement.scrollWidth")


def test_a_reviewers_morning(sized_page, live_server, morning):
    page, base = sized_page, live_server.url
    campaign, kent = morning
    width = page.viewport_size["width"]
    card = f"#review-{kent.pk}"

    log_in_on(page, base, "riley")  # with the authenticator's code
    assert page.url == f"{base}/"  # the dashboard
    assert scroll_width(page) <= width
    page.goto(f"{base}/campaigns/{campaign.slug}/totals/")
    assert "481" not in page.inner_text("#period-totals")  # Kent's 361 is not counted yet

    page.goto(f"{base}/")
    # The dashboard's "Needs you" names Kent's figures and leads to the queue.
    assert "Kent Police" in page.inner_text("main")
    page.get_by_role("link", name="Open the review queue").click()
    page.wait_for_url(f"{base}/figures/review/")
    assert scroll_width(page) <= width

    assert page.is_visible(f"{card} .review-warning") is False  # closed until opened
    page.click(f"{card} > summary")
    warning = page.inner_text(f"{card} .review-warning")
    assert "x5.73" in warning and "361" in warning
    assert "63" in page.inner_text(f"{card} .review-figures")
    assert scroll_width(page) <= width  # the open card and its table fit

    page.click(f"#approve-{kent.pk}")  # not ticked: refused, named, the card open again
    page.wait_for_selector(f"{card}[open] .review-refused")
    refused = page.inner_text(f"{card} .review-refused")
    assert "Not approved" in refused and "x5.73" in refused
    assert FigureReview.objects.get(request=kent).state == ReviewState.PENDING
    assert scroll_width(page) <= width

    page.check(f"#warnings-checked-{kent.pk}")
    page.click(f"#approve-{kent.pk}")
    page.wait_for_selector("#review-empty")
    assert "Figures for Kent Police approved" in page.inner_text("main")
    assert FigureReview.objects.get(request=kent).state == ReviewState.APPROVED

    page.goto(f"{base}/campaigns/{campaign.slug}/totals/")
    totals = page.inner_text("#period-totals")
    assert "481" in totals  # 120 + 361
    assert "163" in totals  # 100 + 63
    assert scroll_width(page) <= width


def test_a_reviewer_approves_with_the_keyboard_only(page, live_server, morning):
    _, kent = morning
    log_in_on(page, live_server.url, "riley")
    page.goto(f"{live_server.url}/figures/review/")
    summary = f"#review-{kent.pk} > summary"

    def focused(selector: str) -> bool:
        return page.evaluate(
            "(s) => document.activeElement === document.querySelector(s)", selector
        )

    for _ in range(40):  # Tab from the top of the page to the request's summary
        page.keyboard.press("Tab")
        if focused(summary):
            break
    assert focused(summary)
    outline = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"  # focus is visible
    page.keyboard.press("Enter")
    assert page.get_attribute(f"#review-{kent.pk}", "open") is not None
    order = []
    for _ in range(10):
        page.keyboard.press("Tab")
        order.append(page.evaluate("() => document.activeElement.id"))
        if order[-1] == f"approve-{kent.pk}":
            break
    # The warning's tick comes before the Approve button, the bulk tick between them.
    assert order[-3:] == [f"warnings-checked-{kent.pk}", f"tick-{kent.pk}", f"approve-{kent.pk}"]
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Space")  # tick "I have checked the warnings"
    assert page.is_checked(f"#warnings-checked-{kent.pk}")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # Approve
    page.wait_for_selector("#review-empty")
    assert FigureReview.objects.get(request=kent).state == ReviewState.APPROVED


def test_arrow_keys_move_between_cells_of_the_entry_grid_and_enter_saves(
    page, live_server, morning
):
    _, kent = morning
    log_in_on(page, live_server.url, "sam")
    page.goto(f"{live_server.url}{kent.get_absolute_url()}")
    rows = page.locator("#figures-grid table.figures-grid tbody tr")
    total_2015 = rows.nth(0).locator("input").nth(0)
    total_2016 = rows.nth(0).locator("input").nth(1)
    grooming_2016 = rows.nth(1).locator("input").nth(1)
    total_2015.click()
    page.keyboard.press("End")
    page.keyboard.press("ArrowRight")  # caret at the end of "63": next cell
    assert total_2016.evaluate("(el) => el === document.activeElement")
    page.keyboard.press("ArrowDown")  # same period, next row (Grooming)
    assert grooming_2016.evaluate("(el) => el === document.activeElement")
    page.keyboard.type("40")
    # Issue 26: Left and Right move a cell wherever the caret is, as in a spreadsheet.
    page.keyboard.press("ArrowLeft")
    assert rows.nth(1).locator("input").nth(0).evaluate("(el) => el === document.activeElement")
    page.keyboard.press("ArrowRight")
    assert grooming_2016.evaluate("(el) => el === document.activeElement")
    page.keyboard.press("ArrowUp")
    assert total_2016.evaluate("(el) => el === document.activeElement")
    page.keyboard.press("Enter")  # saves the changed cells in the background and moves down
    expect(page.locator("#figures-grid-status")).to_contain_text("Saved: 1 new")
    assert grooming_2016.evaluate("(el) => el === document.activeElement")
    assert kent.figures.filter(category__value="Grooming", value=40).exists()
