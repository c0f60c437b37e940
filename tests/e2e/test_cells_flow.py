"""Issue 13's mapping in a browser: a force's XLSX arrived on its request; staff open it as
cells, select the block by clicking its first and last cells, say rows are ages and columns are
periods, preview (a header selected with the figures is refused until the person ticks that the
first row holds labels: issue 26) and save; the reviewer sees the figures in the queue with links to their cells.
On a 390 px phone the page never scrolls sideways (the sheet scrolls inside its frame)."""

import json
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import expect

from figures_app.models import Figure
from foi_tracker.campaign_json import load_campaign
from requests_app.roles import REVIEWER, STAFF
from requests_app.services.attachments import attachment_add
from requests_app.services.lifecycle import request_record_response
from tests.e2e.conftest import log_in_on, page_in
from tests.factories import UserFactory
from tests.figures_app.test_cells import AGES, kent_workbook

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def arrived(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    sam = UserFactory(username="sam", roles=[STAFF])
    UserFactory(username="riley", roles=[STAFF, REVIEWER])
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
                    {
                        "slug": "offences",
                        "label": "Online-flagged offences",
                        "dimensions": [
                            {"slug": "victim_age", "label": "Victim age", "categories": AGES}
                        ],
                    }
                ],
            }
        ),
        actor=sam,
    )
    kent = campaign.requests.get()
    request_record_response(
        request_id=kent.pk, actor=sam, outcome="full", answered_on=date(2017, 3, 20)
    )
    upload = SimpleUploadedFile("kent-foi-2017-361.xlsx", kent_workbook())
    return attachment_add(request_id=kent.pk, actor=sam, upload=upload)


@pytest.mark.parametrize("width", [1400, 390])
def test_a_block_is_taken_from_an_arrived_xlsx_and_reviewed_with_cell_links(
    browser, live_server, arrived, width
):
    kent = arrived.request
    for page in page_in(browser, width=width, height=900):
        log_in_on(page, live_server.url, "sam")
        page.goto(f"{live_server.url}/requests/{kent.pk}/")
        # Waits for the page's load event, not just #cells: the deferred cells.js must have
        # bound its click handler, or the first cell's click is lost.
        with page.expect_navigation():
            page.click("#take-from-file a:has-text('kent-foi-2017-361.xlsx')")
        assert "hidden" in page.inner_text("#sheet-tabs")
        # The header row selected with the figures: not guessed to be labels, so the block is
        # refused whole, naming its cells, and nothing is offered for saving.
        page.click("#cells td[data-ref=B5]")
        page.click("#cells td[data-ref=C9]")
        assert page.input_value("#id_block") == "B5:C9"
        page.select_option("#id_rows_are", "categories")
        page.select_option("#id_columns_are", "periods")
        page.select_option("#id_metric", label="Online-flagged offences")
        page.click("#cells-form button[name=preview]")
        expect(page.locator("#proposal-errors")).to_contain_text("no row above B5:C9")
        expect(page.locator("#cells-save")).to_have_count(0)
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        # Said so: the first row holds the labels; every other cell of the block is listed.
        page.check("#id_first_row_labels")
        page.click("#cells-form button[name=preview]")
        expect(page.locator("#proposal tbody tr")).to_have_count(8)
        expect(page.locator("#proposal-errors")).to_have_count(0)
        assert "FOI 2017-361!C9" in page.inner_text("#proposal")
        assert "16 to 17" in page.inner_text("#proposal")
        expect(page.locator("#cells-save")).to_have_text("Save 8 figures")
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.click("#cells-save")
        page.wait_for_selector("text=The figures now await review.")
        assert Figure.objects.filter(request=kent).count() == 8

        page.context.clear_cookies()
        log_in_on(page, live_server.url, "riley")
        page.goto(f"{live_server.url}/figures/review/")
        page.click(f"#review-{kent.pk} summary")  # opens Kent's figures inline
        link = page.locator("a.provenance:has-text('FOI 2017-361!C9')").first
        link.click()
        page.wait_for_selector("td.cell-cited[data-ref=C9]")
        assert page.inner_text("td.cell-cited") == "61"
        assert page.evaluate("document.documentElement.scrollWidth") <= width
