"""Issue 10 section 4: a total with nothing approved in it says so, never "Police recorded 0"."""

import csv
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from figures_app.presentation import headlines
from figures_app.selectors.basis import ALL, APPROVED
from figures_app.selectors.totals import metric_totals
from figures_app.services.review import figures_send_back
from figures_app.totals_output import totals_json

from .conftest import enter

pytestmark = pytest.mark.django_db

NOUN = "online-flagged child sex offences"


def _json(metric, basis=APPROVED):
    totals = metric_totals(metric=metric, basis=basis, today=timezone.localdate())
    return totals_json(totals, headlines(totals))


@pytest.fixture
def unapproved(campaign, metric, staff, reviewer):
    """Kent and Essex entered (4 figures, waiting); Surrey entered 2 and was sent back."""
    enter(
        campaign,
        staff,
        [
            ("Kent", "2015/16", 63),
            ("Kent", "2016/17", 361),
            ("Essex", "2015/16", 40),
            ("Essex", "2016/17", "<5"),
            ("Surrey", "2015/16", 12),
            ("Surrey", "2016/17", 20),
        ],
    )
    surrey = campaign.requests.get(force__name="Surrey Police")
    figures_send_back(request_id=surrey.pk, actor=reviewer, comment="Check the year.")


def test_it_says_no_approved_figures_yet_and_counts_what_waits(unapproved, metric):
    data = _json(metric)
    message = (
        f"No approved figures for {NOUN} yet: 4 figures from 2 forces entered and waiting for "
        "review; 2 figures from 1 force sent back for correction."
    )
    assert (data["status"], data["message"]) == ("awaiting_review", message)
    assert data["headlines"][0] == message
    text = " ".join(data["headlines"])
    assert "Police recorded" not in text
    assert "against" not in text  # no change from nothing to nothing
    # Existing keys stay, so consumers keep working; status says what the 0 means.
    p15 = data["periods"][0]
    assert p15["total"] == 0 and p15["forces_reporting"] == 0
    assert p15["status"] == "awaiting_review"
    assert p15["message"] == (
        f"No approved figures for {NOUN} in 2015/16 yet: 2 figures from 2 forces entered and "
        "waiting for review; 1 figure from 1 force sent back for correction."
    )
    assert data["changes"][0]["change_pct"] is None


def test_it_says_when_nothing_was_entered(campaign, metric):
    for basis in (APPROVED, ALL):
        data = _json(metric, basis)
        assert data["status"] == "no_figures"
        assert data["message"] == f"No figures entered for {NOUN} yet."
        assert data["headlines"][0] == data["message"]
        assert "Police recorded" not in " ".join(data["headlines"])


def test_all_figures_basis_counts_the_waiting_figures(unapproved, metric):
    data = _json(metric, ALL)
    assert data["status"] == "reported" and data["message"] == ""
    assert data["periods"][1]["status"] == "reported"
    assert "Police recorded 381 " in " ".join(data["headlines"])  # 361 + 20, Essex "<5"


def test_a_period_with_nothing_approved_is_stated_not_zero(campaign, metric, staff, reviewer):
    enter(campaign, staff, [("Kent", "2016/17", 361)], approve_by=reviewer)
    enter(campaign, staff, [("Essex", "2015/16", 40)])
    data = _json(metric)
    assert data["status"] == "reported"
    p15, p16 = data["periods"]
    assert (p16["status"], p16["message"]) == ("reported", "")
    assert p15["status"] == "awaiting_review"
    text = " ".join(data["headlines"])
    assert (
        f"No approved figures for {NOUN} in 2015/16 yet: 1 figure from 1 force entered and "
        "waiting for review." in text
    )
    assert "Police recorded 0" not in text
    assert "2016/17 against 2015/16" not in text  # not "a rise from 0"
    assert f"Police recorded 361 {NOUN} in 2016/17, from 1 of 43 forces asked" in text
    assert data["changes"][0]["change_pct"] is None


def test_the_totals_page_says_so(unapproved, campaign, metric, staff, client):
    client.force_login(staff)
    html = client.get(reverse("figures_campaign_totals", args=[campaign.slug])).content.decode()
    assert 'id="totals-status"' in html
    assert "No approved figures for online-flagged child sex offences yet: 4 figures" in html
    assert "Police recorded 0" not in html and "Police recorded online" not in html
    assert "2 figures from 2 forces entered and waiting for review" in html  # the period row


def test_the_totals_csv_leaves_the_total_empty_and_says_why(
    unapproved, campaign, metric, staff, client
):
    client.force_login(staff)
    url = reverse("figures_totals_csv", args=[campaign.slug]) + "?metric=offences"
    rows = list(csv.DictReader(io.StringIO(client.get(url).getvalue().decode())))
    periods = [r for r in rows if r["section"] == "period"]
    assert [r["total"] for r in periods] == ["", ""]
    assert [r["per_day"] for r in periods] == ["", ""]
    assert periods[0]["basis"] == "approved only"
    assert periods[0]["message"].startswith(f"No approved figures for {NOUN} in 2015/16 yet")


def test_the_workbook_headlines_say_so(unapproved, campaign, metric, staff, client):
    client.force_login(staff)
    response = client.get(reverse("figures_export_xlsx", args=[campaign.slug]))
    sheet = load_workbook(io.BytesIO(response.content))["totals offences"]
    cells = [c for row in sheet.iter_rows(values_only=True) for c in row if c]
    assert (
        f"No approved figures for {NOUN} yet: 4 figures from 2 forces entered and waiting for review; 2 figures from 1 force sent back for correction."
        in cells
    )
    assert not [c for c in cells if isinstance(c, str) and c.startswith("Police recorded")]
