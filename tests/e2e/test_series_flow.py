"""Run a campaign again for the next period from the web, import the next year's figures (one
revised), and see the series page say so (issue 14)."""

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from requests_app.models import Campaign
from tests.factories import UserFactory
from tests.figures_app.series_samples import FIRST_YEAR

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def first_year(tmp_path):
    from requests_app.roles import REVIEWER, STAFF

    UserFactory(username="sam", roles=[STAFF])
    UserFactory(username="riley", roles=[STAFF, REVIEWER])
    definition = dict(FIRST_YEAR, forces=["Kent", "Essex"])
    path = tmp_path / "first.json"
    path.write_text(__import__("json").dumps(definition))
    call_command("load_campaign", str(path))
    tidy = tmp_path / "first.csv"
    tidy.write_text(
        "force,period,metric,value\n"
        "Kent,2015/16,offences,63\nKent,2016/17,offences,361\n"
        "Essex,2015/16,offences,40\nEssex,2016/17,offences,50\n"
    )
    call_command(
        "import_figures", "online-offences-2017", str(tidy), "--user", "riley", "--approve"
    )
    return tmp_path


def test_staff_run_a_campaign_again_and_see_the_series(page, live_server, log_in, first_year):
    log_in("sam")
    page.goto(f"{live_server.url}/campaigns/online-offences-2017/")
    page.click("#run-again-link")
    expect(page.locator("#run-again-periods")).to_contain_text("2016/17")
    expect(page.locator("#run-again-periods")).to_contain_text("2017/18")
    assert page.input_value("#id_slug") == "online-offences-2018"
    page.click("#run-again")
    page.wait_for_url(f"{live_server.url}/campaigns/online-offences-2018/")
    expect(page.locator(".alert-success")).to_contain_text("not yet sent")
    new = Campaign.objects.get(slug="online-offences-2018")
    assert new.series.slug == "online-offences"
    assert set(new.requests.values_list("status", flat=True)) == {"draft"}

    tidy = first_year / "second.csv"
    tidy.write_text(
        "force,period,metric,value\n"
        "Kent,2016/17,offences,370\nKent,2017/18,offences,400\n"
        "Essex,2016/17,offences,50\nEssex,2017/18,offences,55\n"
    )
    call_command(
        "import_figures", "online-offences-2018", str(tidy), "--user", "riley", "--approve"
    )

    page.get_by_role("link", name="Series over the years").click()
    page.wait_for_url(f"{live_server.url}/series/online-offences/")
    periods = page.locator("#series-periods")
    expect(periods.locator("tr[data-period='2016/17']")).to_contain_text("420")
    expect(periods.locator("tr[data-period='2017/18']")).to_contain_text("455")
    expect(page.locator("#revisions-table")).to_contain_text("Kent Police")
    expect(page.locator("#headlines")).to_contain_text("1 figure revised when asked again: +9")
    expect(
        page.locator("#series-forces tr[data-force='Kent Police'] .revised-marker")
    ).to_have_count(1)

    page.select_option("#as", "first")
    page.click("#series-form button[type=submit]")
    expect(periods.locator("tr[data-period='2016/17']")).to_contain_text("411")
