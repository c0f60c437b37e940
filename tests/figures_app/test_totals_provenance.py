"""Issue 13: a figure's provenance is a link on the totals page too: each force's number opens
the file it was read from, at its cell, in no query more than the page made before."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from figures_app.models import Figure, Kind
from requests_app.models import RequestAttachment
from requests_app.services.data_versions import requests_data_changed

pytestmark = pytest.mark.django_db


def _file(foi, name):
    return RequestAttachment.objects.create(
        request=foi, file=f"replies/{name}", original_name=name, sha256="0" * 64, size_bytes=1
    )


def _figure(foi, metric, period, value, *, attachment=None, location="", key="", category=None):
    # Written straight to the table, so the data version is raised here as a service would
    # (the totals are cached on it).
    requests_data_changed(request_ids=[foi.pk])
    return Figure.objects.create(
        request=foi,
        metric=metric,
        period=period,
        kind=Kind.REPORTED,
        value=value,
        raw_text=str(value),
        attachment=attachment,
        location=location,
        category_key=key,
        category=category,
    )


def _totals_page(client, campaign) -> str:
    url = reverse("figures_campaign_totals", args=[campaign.slug]) + "?basis=all"
    return client.get(url).content.decode()


def test_each_forces_number_links_to_the_cell_it_was_read_from(campaign, metric, reviewer, client):
    p1, p2 = campaign.periods.order_by("start")
    kent = campaign.requests.get(force__name="Kent Police")
    essex = campaign.requests.get(force__name="Essex Police")
    reply = _file(kent, "kent-reply.xlsx")
    _figure(kent, metric, p1, 63, attachment=reply, location="Summary!B7")
    _figure(kent, metric, p2, 361, attachment=reply, location="Summary!C7")
    _figure(essex, metric, p1, 40)  # typed in: no link
    client.force_login(reviewer)
    with CaptureQueriesContext(connection) as before:
        page = _totals_page(client, campaign)
    cells = reverse("figures_cells", args=[reply.pk])
    assert f'href="{cells}?cell=Summary%21B7"' in page
    assert f'href="{cells}?cell=Summary%21C7"' in page
    assert page.count('class="provenance') == 2
    # More forces read from files: the same number of queries.
    surrey = campaign.requests.get(force__name="Surrey Police")
    _figure(surrey, metric, p1, 5, attachment=_file(surrey, "surrey.pdf"), location="page 2")
    with CaptureQueriesContext(connection) as after:
        page = _totals_page(client, campaign)
    assert page.count('class="provenance') == 3
    assert len(after) == len(before)


def test_a_number_added_up_from_one_file_links_to_the_file(campaign, metric, reviewer, client):
    """A force that gave only a breakdown: its number is a sum of cells, so the link opens the
    file (no one cell); figures from two files give no link."""
    from figures_app.models import Category

    p1, _ = campaign.periods.order_by("start")
    dimension = metric.dimensions.get()
    ages = [Category.objects.create(dimension=dimension, value=str(a)) for a in (12, 13)]
    kent = campaign.requests.get(force__name="Kent Police")
    essex = campaign.requests.get(force__name="Essex Police")
    reply = _file(kent, "kent-reply.xlsx")
    for n, age in enumerate(ages):
        _figure(
            kent,
            metric,
            p1,
            3 + n,
            attachment=reply,
            location=f"B{n}",
            key=str(age.pk),
            category=age,
        )
        other = _file(essex, f"essex-{n}.xlsx")
        _figure(
            essex, metric, p1, 1, attachment=other, location="A1", key=str(age.pk), category=age
        )
    client.force_login(reviewer)
    page = _totals_page(client, campaign)
    assert f'href="{reverse("figures_cells", args=[reply.pk])}"' in page
    assert page.count('class="provenance') == 1
