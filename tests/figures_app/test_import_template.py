"""The campaign's import template (issue 26): its forces, periods and categories in the tidy
import's columns, as CSV and XLSX; filled in, it imports."""

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from figures_app.models import Category, Figure
from figures_app.services.imports import import_figures

pytestmark = pytest.mark.django_db


def template_csv(client, campaign) -> list[list[str]]:
    url = reverse("figures_import_template_csv", args=[campaign.slug])
    response = client.get(url)
    assert response.status_code == 200
    assert 'filename="' in response["Content-Disposition"]
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_the_template_has_a_row_per_force_period_and_category(staff_client, campaign, metric):
    dim = metric.dimensions.get()
    Category.objects.create(dimension=dim, value="13", numeric_value=13, low=13, high=13)
    rows = template_csv(staff_client, campaign)
    assert rows[0] == [
        "force",
        "period",
        "metric",
        dim.slug,
        "value",
        "status",
        "note",
        "answered_on",
    ]
    forces = campaign.requests.count()
    periods = campaign.periods.count()
    assert len(rows) - 1 == forces * periods * 2  # the total and age 13
    assert ["Kent Police", "2016/17", metric.slug, "13", "", "", "", ""] in rows
    assert ["Kent Police", "2016/17", metric.slug, "", "", "", "", ""] in rows


def test_a_filled_in_template_imports(staff_client, campaign, metric, staff):
    rows = template_csv(staff_client, campaign)
    kent = [r for r in rows if r[0] == "Kent Police"]
    for row in kent:
        row[4] = "5"
    text = "\n".join(",".join(r) for r in [rows[0], *kent]) + "\n"
    import_figures(campaign=campaign, actor=staff, data=text.encode(), filename="t.csv")
    assert Figure.objects.filter(request__force__name="Kent Police").count() == len(kent)


def test_the_xlsx_template_matches_the_csv(staff_client, campaign, metric):
    rows = template_csv(staff_client, campaign)
    response = staff_client.get(reverse("figures_import_template_xlsx", args=[campaign.slug]))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    got = [
        [("" if c is None else str(c)) for c in row] for row in sheet.iter_rows(values_only=True)
    ]
    assert got == rows


def test_the_template_costs_the_same_queries_for_any_campaign_size(staff_client, campaign, metric):
    url = reverse("figures_import_template_csv", args=[campaign.slug])
    with CaptureQueriesContext(connection) as small:
        b"".join(staff_client.get(url).streaming_content)
    dim = metric.dimensions.get()
    for age in range(10):
        Category.objects.create(dimension=dim, value=str(age), numeric_value=age, low=age, high=age)
    with CaptureQueriesContext(connection) as large:
        b"".join(staff_client.get(url).streaming_content)
    assert len(small) == len(large)


def test_the_import_page_links_the_template(staff_client, campaign, metric):
    page = staff_client.get(reverse("figures_import", args=[campaign.slug])).content.decode()
    assert reverse("figures_import_template_xlsx", args=[campaign.slug]) in page
