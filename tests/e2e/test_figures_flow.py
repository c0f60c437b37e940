"""Key a force's figures as staff, approve them as a second person, see the national total move."""

import json
from datetime import date

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from foi_tracker.campaign_json import load_campaign
from requests_app.roles import REVIEWER, STAFF
from requests_app.services.lifecycle import request_record_response
from tests.factories import UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def answered_campaign(tmp_path):
    sam = UserFactory(username="sam", roles=[STAFF])
    riley = UserFactory(username="riley", roles=[STAFF, REVIEWER])
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
                "metrics": [{"slug": "offences", "label": "Online-flagged offences"}],
            }
        ),
        actor=sam,
    )
    for foi in campaign.requests.all():
        request_record_response(
            request_id=foi.pk, actor=sam, outcome="full", answered_on=date(2017, 3, 20)
        )
    tidy = tmp_path / "essex.csv"
    tidy.write_text(
        "force,period,metric,value\nEssex,2015/16,offences,100\nEssex,2016/17,offences,120\n"
    )
    call_command("import_figures", "online-offences", str(tidy), "--user", "riley", "--approve")
    return campaign, sam, riley


def test_it_moves_the_total_once_a_second_person_approves(
    page, live_server, log_in, answered_campaign
):
    campaign, _, _ = answered_campaign
    kent = campaign.requests.get(force__name="Kent Police")

    log_in("sam")
    page.goto(f"{live_server.url}/campaigns/online-offences/totals/")
    assert "120" in page.inner_text("#period-totals")

    page.goto(f"{live_server.url}{kent.get_absolute_url()}")
    cells = page.locator("#figures-grid tbody tr").first.locator("input")
    cells.nth(0).fill("63")
    cells.nth(1).fill("361")
    page.click("#figures-grid button[type=submit]")
    page.wait_for_selector("#figures-review-state")
    assert "Awaiting review" in page.inner_text("#figures-review-state")
    assert page.locator("#approve-figures").count() == 0  # staff cannot approve

    page.goto(f"{live_server.url}/campaigns/online-offences/totals/")
    assert "361" not in page.inner_text("#period-totals")  # pending figures are not in the total

    page.context.clear_cookies()
    log_in("riley")
    page.goto(f"{live_server.url}{kent.get_absolute_url()}")
    assert "x5.73" in page.inner_text("#figures")  # 63 -> 361 is flagged: tick it as checked
    page.check("#warnings-checked")
    page.click("#approve-figures")
    page.wait_for_selector("#figures-review-state")
    assert "Approved" in page.inner_text("#figures-review-state")

    page.goto(f"{live_server.url}/campaigns/online-offences/totals/")
    totals = page.inner_text("#period-totals")
    assert "481" in totals  # 120 + 361
    assert "163" in totals  # 100 + 63
    assert "2 of 2" in totals


def test_it_imports_a_file_through_a_checked_preview(page, live_server, log_in, answered_campaign):
    campaign, _, _ = answered_campaign
    log_in("sam")
    page.goto(f"{live_server.url}/campaigns/online-offences/figures/import/")
    page.set_input_files(
        "#id_file",
        files=[
            {
                "name": "kent.csv",
                "mimeType": "text/csv",
                "buffer": b"force,period,metric,value\nKent,2015/16,offences,63\n"
                b"Kent,2016/17,offences,361\nEssex,2016/17,offences,121\n",
            }
        ],
    )
    page.click("input[name=submit]")
    page.wait_for_selector("#import-plan")  # the check ran once, after the upload committed
    assert "Changed figures" in page.inner_text("#import-plan")
    assert "Essex Police: offences / 2016/17 / total" in page.inner_text("#import-changes")
    page.reload()
    assert page.locator("#import-plan").count() == 1
    page.click("#import-confirm button[type=submit]")
    page.wait_for_selector("#import-applied")
    assert "2 created, 1 changed, 0 unchanged" in page.inner_text("#import-applied")
    page.click(f"a[href='/campaigns/{campaign.slug}/']")
    page.wait_for_url(f"{live_server.url}/campaigns/{campaign.slug}/")


def test_the_preview_follows_a_check_run_by_a_worker(
    page, live_server, log_in, answered_campaign, monkeypatch
):
    from figures_app.models import FigureImport, ImportState
    from figures_app.services import import_batches

    campaign, sam, _ = answered_campaign
    monkeypatch.setattr(import_batches, "_enqueue", lambda task_name, batch_id: None)  # no worker
    batch = import_batches.figure_import_stage(
        campaign=campaign,
        actor=sam,
        filename="kent.csv",
        data=b"force,period,metric,value\nKent,2015/16,offences,63\n",
    )
    FigureImport.objects.filter(pk=batch.pk).update(
        state=ImportState.CHECKING, rows_checked=0, rows_total=40000
    )
    log_in("sam")
    page.goto(f"{live_server.url}/campaigns/{campaign.slug}/figures/import/{batch.pk}/")
    assert page.get_attribute("#import-progress", "value") == "0"
    FigureImport.objects.filter(pk=batch.pk).update(rows_checked=30000)
    # Polled without evaluating a string in the page (the CSP forbids eval).
    expect(page.locator("#import-progress-text")).to_contain_text(
        "Checked 30,000 of 40,000 rows", timeout=10000
    )
    assert page.evaluate("() => document.getElementById('import-progress').value") == 30000
    FigureImport.objects.filter(pk=batch.pk).update(state=ImportState.STAGED)
    import_batches.figure_import_check(batch_id=batch.pk)  # the worker finishes
    page.wait_for_selector("#import-plan", timeout=10000)  # the page reloaded itself
    assert "New figures" in page.inner_text("#import-plan")
