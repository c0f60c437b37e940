"""The review queue filtered by campaign: chosen from the list of campaigns with figures
awaiting review, remembered in the session (pages, redirects, the next visit), in no more
queries than the whole queue."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from figures_app.services.metrics import DimensionSpec, MetricSpec, metric_save
from requests_app.services.campaigns import campaign_create
from tests.conftest import NSPCC_PERIODS

from .conftest import enter

pytestmark = pytest.mark.django_db

CARD = 'class="card mb-2 review-item"'


@pytest.fixture
def stalking(staff, england_and_wales):
    """A second campaign, with the same metric's slug, so `enter` works on it too."""
    other = campaign_create(
        actor=staff,
        owner=staff,
        slug="stalking-reports",
        title="Stalking reports",
        request_text="Dear {force_name}, how many in {periods}?",
        forces=england_and_wales,
        periods=NSPCC_PERIODS,
    )
    metric_save(
        campaign=other,
        spec=MetricSpec(
            "offences",
            "Stalking reports",
            "reports",
            "",
            (DimensionSpec("victim_age", "Victim age", None),),
        ),
    )
    return other


@pytest.fixture
def both(campaign, metric, stalking, staff):
    """Kent and Essex await review in the online offences campaign, Surrey in stalking."""
    enter(campaign, staff, [("Kent", "2015/16", 63), ("Essex", "2015/16", 12)])
    enter(stalking, staff, [("Surrey", "2015/16", 40)])
    return campaign, stalking


def _queue(client, **params) -> str:
    return client.get(reverse("figures_review_queue"), params).content.decode()


def test_it_lists_the_campaigns_with_figures_awaiting_review(both, client, reviewer):
    client.force_login(reviewer)
    page = _queue(client)
    assert page.count(CARD) == 3
    assert "All campaigns (3)" in page
    assert (
        '<option value="online-child-sex-offences">Online child sex offences (2)</option>' in page
    )
    assert '<option value="stalking-reports">Stalking reports (1)</option>' in page


def test_it_shows_one_campaign_and_remembers_it(both, client, reviewer):
    client.force_login(reviewer)
    page = _queue(client, campaign="stalking-reports")
    assert page.count(CARD) == 1 and "Surrey Police" in page and "Kent Police" not in page
    assert "1 request awaiting review in Stalking reports (of 3 in all campaigns)" in page
    assert '<option value="stalking-reports" selected>' in page
    again = _queue(client)  # the next visit, a page link, the redirect after approving
    assert again.count(CARD) == 1 and "Surrey Police" in again
    everything = _queue(client, campaign="")
    assert everything.count(CARD) == 3
    assert _queue(client).count(CARD) == 3


def test_the_choice_survives_an_approval(both, client, reviewer):
    client.force_login(reviewer)
    _queue(client, campaign="online-child-sex-offences")
    kent = both[0].requests.get(force__name="Kent Police")
    response = client.post(
        reverse("figures_approve", args=[kent.pk]), {"next": "queue"}, follow=True
    )
    page = response.content.decode()
    assert page.count(CARD) == 1 and "Essex Police" in page and "Surrey Police" not in page


def test_a_campaign_with_nothing_left_is_forgotten(both, client, reviewer):
    client.force_login(reviewer)
    _queue(client, campaign="stalking-reports")
    surrey = both[1].requests.get(force__name="Surrey Police")
    client.post(reverse("figures_approve", args=[surrey.pk]), {"next": "queue"})
    page = _queue(client)
    assert page.count(CARD) == 2
    assert "Stalking reports" not in page
    assert "review_queue_campaign" not in client.session


def test_an_unknown_campaign_shows_them_all(both, client, reviewer):
    client.force_login(reviewer)
    assert _queue(client, campaign="no-such-campaign").count(CARD) == 3


def test_filtering_costs_no_more_queries(both, client, reviewer, django_assert_max_num_queries):
    client.force_login(reviewer)
    _queue(client)  # warm the session and role caches
    # The log holds at most 9,000 queries; making two campaigns of 43 requests can fill it,
    # and a full log counts nothing.
    connection.queries_log.clear()
    with CaptureQueriesContext(connection) as whole:
        _queue(client)
    queries = len(whole)  # read now: the list is cleared below
    _queue(client, campaign="stalking-reports")  # the choice written to the session
    connection.queries_log.clear()
    with django_assert_max_num_queries(queries):
        assert _queue(client).count(CARD) == 1
