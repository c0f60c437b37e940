"""The campaign list (q, sort, page) and the campaign page's state filter, parameter by parameter.

Written against the hand-made filtering first, so that moving to django-filter is shown to keep
every default and every answer to an unknown value.
"""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from requests_app.services.lifecycle import requests_bulk_mark_sent
from tests.factories import CampaignFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def three(staff):
    now = timezone.now()
    return [
        CampaignFactory(title="Beta", owner=staff, created_at=now - timedelta(days=2)),
        CampaignFactory(title="Alpha stalking", owner=None, created_at=now - timedelta(days=1)),
        CampaignFactory(title="Gamma Stalking", owner=staff, created_at=now),
    ]


def titles(client, query=""):
    response = client.get(reverse("campaign_list") + query)
    assert response.status_code == 200
    return [c.title for c in response.context["page"]], response.context


def test_it_lists_the_newest_first_by_default(staff_client, three):
    listed, context = titles(staff_client)
    assert listed == ["Gamma Stalking", "Alpha stalking", "Beta"]
    assert (context["sort"], context["q"]) == ("-created", "")


@pytest.mark.parametrize(
    "sort, expected",
    [
        ("title", ["Alpha stalking", "Beta", "Gamma Stalking"]),
        ("-title", ["Gamma Stalking", "Beta", "Alpha stalking"]),
        ("created", ["Beta", "Alpha stalking", "Gamma Stalking"]),
        # No owner sorts last both ways; ties keep the order they were made in (pk).
        ("owner", ["Beta", "Gamma Stalking", "Alpha stalking"]),
        ("-owner", ["Beta", "Gamma Stalking", "Alpha stalking"]),
        ("requests", ["Beta", "Alpha stalking", "Gamma Stalking"]),
    ],
)
def test_it_sorts_by_each_column(staff_client, three, sort, expected):
    listed, context = titles(staff_client, f"?sort={sort}")
    assert listed == expected
    assert context["sort"] == sort


@pytest.mark.parametrize("sort", ["bogus", "-", "title,owner", "n_requests", ""])
def test_it_ignores_an_unknown_sort(staff_client, three, sort):
    listed, context = titles(staff_client, f"?sort={sort}")
    assert listed == ["Gamma Stalking", "Alpha stalking", "Beta"]
    assert context["sort"] == "-created"


def test_it_searches_titles_ignoring_case_and_spaces(staff_client, three):
    listed, context = titles(staff_client, "?q=++stalking+&sort=title")
    assert listed == ["Alpha stalking", "Gamma Stalking"]
    assert (context["q"], context["sort"]) == ("stalking", "title")
    assert titles(staff_client, "?q=nothing")[0] == []


def test_it_pages_by_25_and_forgives_bad_page_numbers(staff_client):
    for i in range(30):
        CampaignFactory(title=f"Campaign {i:02}")
    assert len(titles(staff_client)[0]) == 25
    assert titles(staff_client, "?page=2&sort=title")[0] == [f"Campaign {i}" for i in range(25, 30)]
    assert len(titles(staff_client, "?page=99")[0]) == 5
    assert len(titles(staff_client, "?page=abc")[0]) == 25


def test_it_filters_the_campaign_page_by_state(staff_client, campaign, staff):
    ids = list(campaign.requests.order_by("force__name").values_list("pk", flat=True))
    requests_bulk_mark_sent(request_ids=ids[:2], actor=staff, sent_on=date(2025, 1, 6))
    requests_bulk_mark_sent(
        request_ids=ids[2:3], actor=staff, sent_on=timezone.localdate() - timedelta(days=1)
    )
    url = reverse("campaign_detail", args=[campaign.slug])

    def rows(query):
        response = staff_client.get(url + query)
        assert response.status_code == 200
        return [r.foi.pk for r in response.context["rows"]], response.context["state"]

    assert rows("?state=sent") == (ids[:3], "sent")
    assert rows("?state=overdue") == (ids[:2], "overdue")
    assert rows("?state=draft") == (ids[3:], "draft")
    assert rows("?state=answered") == ([], "answered")
    assert rows("?state=bogus") == (ids, "")
    assert rows("") == (ids, "")
    assert rows("?state=overdue&sort=-force") == (ids[:2][::-1], "overdue")
