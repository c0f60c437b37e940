"""Totals, review and request pages use a fixed number of queries, however many forces."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from requests_app.models import Force
from requests_app.roles import STAFF, grant

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


def _statements(client, url) -> list[str]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
        if response.streaming:
            b"".join(response.streaming_content)
    assert response.status_code == 200, url
    return [q["sql"] for q in ctx.captured_queries]


def _cache_statement(sql: list[str], i: int) -> bool:
    """The database cache's own statements (foi_cache), with the savepoint pair round its
    write that the test's transaction adds."""
    if "foi_cache" in sql[i]:
        return True
    return "SAVEPOINT" in sql[i] and any("foi_cache" in s for s in sql[max(0, i - 1) : i + 2])


def _count(client, url):
    """Every statement a page runs, the session, user and second-factor reads included (and
    the savepoint pair round the session's save, which the test's transaction adds), except
    the cache's: the totals pages below are read after a write, so they work the totals out
    and store them (one read and, in production, three statements to write: counted apart, in
    test_totals_pages_read_from_the_cache_in_five_queries)."""
    sql = _statements(client, url)
    return len([s for i, s in enumerate(sql) if not _cache_statement(sql, i)])


# Issue 11: at most 12 queries on every page and endpoint, however much data.
MAX_QUERIES = 12


def _url(page, campaign):
    foi = campaign.requests.get(force__name="Kent Police")
    return {
        "totals": reverse("figures_campaign_totals", args=[campaign.slug]),
        "totals all": reverse("figures_campaign_totals", args=[campaign.slug]) + "?basis=all",
        "api": reverse("figures_totals_api", args=[campaign.slug]) + "?metric=offences",
        "csv": reverse("figures_totals_csv", args=[campaign.slug]) + "?metric=offences",
        "queue": reverse("figures_review_queue"),
        "queue page 2": reverse("figures_review_queue") + "?page=2",
        "sent back": reverse("figures_sent_back_to_you"),
        "force": reverse("force_detail", args=[foi.force_id]),
        "campaign": reverse("campaign_detail", args=[campaign.slug]),
        "request": reverse("figures_request", args=[foi.pk]),
    }[page]


@pytest.mark.parametrize(
    "page",
    [
        "totals",
        "totals all",
        "api",
        "csv",
        "queue",
        "queue page 2",
        "sent back",
        "campaign",
        # With no series to show, the series section costs one query (issue 14).
        "force",
    ],
)
def test_pages_use_at_most_twelve_queries_however_many_forces(
    client, campaign, metric, staff, reviewer, page
):
    staff_reviewer = reviewer
    grant(staff_reviewer, STAFF)  # sees the staff-only parts too (sent back to you)
    client.force_login(staff_reviewer)
    url = _url(page, campaign)
    _fill(campaign, staff, reviewer, 4)
    small = _count(client, url)
    # 43 forces: 21 waiting for review, so the queue has a second page.
    _fill(campaign, staff, reviewer, 43)
    large = _count(client, url)
    assert large == small
    assert large <= MAX_QUERIES


@pytest.mark.parametrize(
    "page, ceiling",
    [
        # Not yet within 12: the entry grid reads metrics, periods, dimensions, categories,
        # figures, history, review events and the request's files apart.
        ("request", 16),
    ],
)
def test_pages_not_yet_within_twelve_do_not_grow_with_forces(
    client, campaign, metric, staff, reviewer, page, ceiling
):
    client.force_login(reviewer)
    url = _url(page, campaign)
    _fill(campaign, staff, reviewer, 4)
    small = _count(client, url)
    _fill(campaign, staff, reviewer, 43)
    assert _count(client, url) == small <= ceiling


@pytest.mark.parametrize("page", ["totals", "totals all", "api", "csv"])
def test_totals_pages_read_from_the_cache_in_five_queries(
    client, campaign, metric, staff, reviewer, page
):
    """Issue 28: the second load of the day reads the session, the user, the second factor,
    the campaign's metrics with its data version, and the cached totals: nothing else."""
    client.force_login(reviewer)
    url = _url(page, campaign)
    _fill(campaign, staff, reviewer, 43)
    worked_out = _statements(client, url)
    # Read, then stored: a count, a look-up and an insert (the API stores its JSON beside).
    assert sum("foi_cache" in s for s in worked_out) == (8 if page == "api" else 4)
    cached = _statements(client, url)
    assert len(cached) == 5, cached
    assert "foi_cache" in cached[-1]
