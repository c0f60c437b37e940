"""The request list export: written by the shared formula-safe writer in both formats."""

import csv
import io
from datetime import date, datetime

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from requests_app.exports import COLUMNS
from requests_app.services.lifecycle import request_acknowledge, request_mark_sent

pytestmark = pytest.mark.django_db

FORMULA = '=HYPERLINK("http://evil.example","click")'


@pytest.fixture
def kent(campaign, staff):
    foi = campaign.requests.get(force__name="Kent Police")
    request_mark_sent(request_id=foi.pk, actor=staff, sent_on=date(2026, 10, 1))
    request_acknowledge(
        request_id=foi.pk, actor=staff, acknowledged_on=date(2026, 10, 2), force_reference=FORMULA
    )
    return foi


def test_it_neutralises_a_formula_in_the_csv(staff_client, campaign, kent):
    response = staff_client.get(reverse("campaign_requests_csv", args=[campaign.slug]))
    rows = list(csv.DictReader(io.StringIO(response.getvalue().decode())))
    row = next(r for r in rows if r["force"] == "Kent Police")
    assert row["force_reference"] == "'" + FORMULA
    assert row["sent_on"] == "2026-10-01"


def test_it_neutralises_a_formula_in_the_xlsx_and_keeps_its_layout(staff_client, campaign, kent):
    response = staff_client.get(reverse("campaign_requests_xlsx", args=[campaign.slug]))
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["Requests"]
    sheet = book["Requests"]
    assert [c.value for c in sheet[1]] == COLUMNS
    assert sheet.freeze_panes == "B2"
    assert book.properties.title == campaign.title
    row = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == "Kent Police")
    cells = dict(zip(COLUMNS, row, strict=True))
    reference = cells["force_reference"]
    # Kept as typed, stored as quoted text (never a formula cell).
    assert (reference.value, reference.data_type, reference.quotePrefix) == (FORMULA, "s", True)
    sent = cells["sent_on"]
    assert sent.value == datetime(2026, 10, 1)
    assert sent.number_format == "yyyy-mm-dd"
    formulas = [c.coordinate for r in sheet.iter_rows() for c in r if c.data_type == "f"]
    assert formulas == []
