"""Issue 28: when the cache fails (Redis down), the totals are worked out without it and a
warning is logged; the pages, the API and the files answer as they would with a cache."""

import logging

import pytest
from django.core.cache.backends.base import BaseCache
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from figures_app.models import Metric
from figures_app.selectors.basis import APPROVED
from figures_app.selectors.totals import metric_totals
from figures_app.selectors.totals_cache import cached_metric_totals
from figures_app.totals_output import totals_json

from .conftest import enter

pytestmark = pytest.mark.django_db

DOWN = {"default": {"BACKEND": "tests.figures_app.test_totals_cache_down.DownCache"}}


class DownCache(BaseCache):
    """A cache whose server is down: every call raises, as django's RedisCache does when it
    cannot connect."""

    def __init__(self, location, params):
        super().__init__(params)

    def get(self, key, default=None, version=None):
        raise ConnectionError("Error 111 connecting to redis:6379. Connection refused.")

    def set(self, key, value, timeout=None, version=None):
        raise ConnectionError("Error 111 connecting to redis:6379. Connection refused.")


@pytest.fixture
def figures(campaign, metric, staff, reviewer):
    enter(campaign, staff, [("Kent Police", "2016/17", 361)], approve_by=reviewer)
    return metric


def test_the_totals_are_worked_out_when_the_cache_is_down(figures, caplog):
    today = timezone.localdate()
    fresh = Metric.objects.select_related("campaign").get(pk=figures.pk)
    with override_settings(CACHES=DOWN), caplog.at_level(logging.WARNING):
        read = cached_metric_totals(metric=fresh, basis=APPROVED, today=today)
    assert totals_json(read) == totals_json(
        metric_totals(metric=fresh, basis=APPROVED, today=today)
    )
    assert "361" in str(totals_json(read))
    warnings = [r for r in caplog.records if r.name == "requests_app.safe_cache"]
    assert warnings and all(r.levelno == logging.WARNING for r in warnings)
    assert "Cache unavailable; totals read without it" in warnings[0].getMessage()


def test_the_totals_pages_answer_when_the_cache_is_down(figures, campaign, client, staff):
    client.force_login(staff)
    slug = [campaign.slug]
    with override_settings(CACHES=DOWN):
        page = client.get(reverse("figures_campaign_totals", args=slug))
        api = client.get(reverse("figures_totals_api", args=slug))
        csv = client.get(reverse("figures_totals_csv", args=slug))
        csv_text = b"".join(csv.streaming_content).decode()
    assert page.status_code == 200 and "361" in page.content.decode()
    assert api.status_code == 200 and "361" in str(api.json())
    assert csv.status_code == 200 and "361" in csv_text
    # With the cache back, the same answers.
    assert client.get(reverse("figures_totals_api", args=slug)).json() == api.json()
