"""Totals, review and request pages use a fixed number of queries, however many forces."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from requests_app.models import Force

from .conftest import enter

pytestmark = pytest.mark.django_db


def _fill(campaign, staff, reviewer, n):
    names = list(
        Force.objects.filter(requests__campaign=campaign)
        .order_by("name")
        .values_list("name", flat=True)
    )[:n]
    rows = []
    for i, name in enumerate(names):
        rows += [
            (name, "2015/16", 10 + i),
            (name, "2016/17", 20 + i),
            (name, "2016/17", 5, 13),
            (name, "2016/17", "<5", 14),
            (name, "2016/17", 15 + i, "unknown"),
        ]
    half = len(names) // 2
    enter(campaign, staff, [r for r in rows if r[0] in names[:half]], approve_by=reviewer)
    enter(campaign, staff, [r for r in rows if r[0] in names[half:]])


def _count(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx)


@pytest.mark.parametrize("page", ["totals", "api", "queue", "request"])
def test_query_counts_do_not_grow_with_forces(
    client, campaign, metric, staff, reviewer, page, django_assert_max_num_queries
):
    client.force_login(reviewer)
    foi = campaign.requests.get(force__name="Kent Police")
    url = {
        "totals": reverse("figures_campaign_totals", args=[campaign.slug]),
        "api": reverse("figures_totals_api", args=[campaign.slug]) + "?metric=offences",
        "queue": reverse("figures_review_queue"),
        "request": reverse("figures_request", args=[foi.pk]),
    }[page]
    _fill(campaign, staff, reviewer, 4)
    small = _count(client, url)
    _fill(campaign, staff, reviewer, 43)
    assert _count(client, url) == small
    with django_assert_max_num_queries(25):
        client.get(url)
