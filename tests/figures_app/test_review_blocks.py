"""The review queue's figure blocks from the cache (issue 28, review_blocks.py): a second load
reads no figures, and every write that changes what a block shows makes the next load fresh:
a figure entered or changed (its request's figures version), a metric renamed (its campaign's
data version), a figure marked published (the same)."""

from __future__ import annotations

import logging

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from figures_app.models import Figure
from figures_app.services.metrics import DimensionSpec, MetricSpec, metric_save
from tests.figures_app.conftest import enter

pytestmark = pytest.mark.django_db


@pytest.fixture
def kent(campaign, metric, staff):
    enter(campaign, staff, [("Kent", "2015/16", "63"), ("Kent", "2016/17", "361")])
    return campaign.requests.get(force__name="Kent Police")


def _queue(client) -> tuple[str, list[str]]:
    with CaptureQueriesContext(connection) as ctx:
        page = client.get(reverse("figures_review_queue")).content.decode()
    return page, [q["sql"] for q in ctx.captured_queries]


def _reads_figures(sqls: list[str]) -> bool:
    """Whether the figures' rows were read (selectors/review_figures.py: their wording too)."""
    table = Figure._meta.db_table
    return any(f'FROM "{table}"' in sql and f'"{table}"."raw_text"' in sql for sql in sqls)


def test_a_second_load_reads_no_figures_and_shows_the_same_block(kent, client, reviewer):
    client.force_login(reviewer)
    first, first_sql = _queue(client)
    second, second_sql = _queue(client)
    assert _reads_figures(first_sql) and not _reads_figures(second_sql)
    assert "361" in second and "x5.73" in second  # the rows and the warning, from the cache
    assert second.count('data-label="Cell"') == first.count('data-label="Cell"') == 2


def test_a_figure_changed_is_shown_on_the_next_load(kent, campaign, client, staff, reviewer):
    client.force_login(reviewer)
    assert "x5.73" in _queue(client)[0]
    enter(campaign, staff, [("Kent", "2016/17", "64")])
    page, sql = _queue(client)
    assert _reads_figures(sql)
    assert "x5.73" not in page and ">64<" in page


def test_a_metric_renamed_is_shown_on_the_next_load(kent, campaign, client, reviewer):
    client.force_login(reviewer)
    assert "Online-flagged child sex offences · 2015/16" in _queue(client)[0]
    metric_save(
        campaign=campaign,
        spec=MetricSpec(
            "offences",
            "Online child sex offences",
            "offences",
            "",
            (DimensionSpec("victim_age", "Victim age", None),),
        ),
    )
    page = _queue(client)[0]
    assert "Online child sex offences · 2015/16" in page
    assert "Online-flagged" not in page


def test_the_queue_answers_when_the_cache_is_down(kent, client, reviewer, caplog, monkeypatch):
    from requests_app import safe_cache

    class Down:
        def get(self, *args, **kwargs):
            raise ConnectionError("Error 111 connecting to redis:6379. Connection refused.")

        set = get

    monkeypatch.setattr(safe_cache, "shared_cache", Down())
    client.force_login(reviewer)
    with caplog.at_level(logging.WARNING):
        response = client.get(reverse("figures_review_queue"))
    assert response.status_code == 200 and "361" in response.content.decode()
    assert any("review queue blocks read without it" in r.getMessage() for r in caplog.records)
