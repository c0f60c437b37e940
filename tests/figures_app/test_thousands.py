"""Thousands separators wherever a count is shown to a person (issue 27): "1,243", never "1243",
on the request page, the totals page (headline, tables, each force, the breakdown), the release
page and its force cards, and the series page's states."""

import re

import pytest
from django.urls import reverse

from figures_app.services.releases import ReleaseSpec, release_publish

from .conftest import enter

pytestmark = pytest.mark.django_db


def _text(html: str) -> str:
    """What a person reads as counts: the page without its tags, scripts, styles, SVG charts
    and <code> (a figure as the force wrote it, kept verbatim)."""
    html = re.sub(r"<(script|style|svg|code)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


@pytest.fixture
def big(campaign, metric, staff, reviewer):
    enter(
        campaign,
        staff,
        [
            ("Kent", "2015/16", 1100),
            ("Kent", "2016/17", 1243),
            ("Kent", "2016/17", 1243, 13),
            ("Essex", "2016/17", 2000),
            ("Essex", "2016/17", "*", 14),
        ],
        approve_by=reviewer,
    )


def test_every_page_writes_counts_with_thousands_separators(big, campaign, reviewer, client):
    client.force_login(reviewer)
    kent = campaign.requests.get(force__name="Kent Police")
    pages = {
        "request": client.get(reverse("request_detail", args=[kent.pk])),
        "totals": client.get(reverse("figures_campaign_totals", args=[campaign.slug])),
    }
    release_publish(campaign=campaign, actor=reviewer, slug="big", spec=ReleaseSpec(title="Big"))
    pages["release"] = client.get(reverse("release_public", args=["big"]))
    for name, response in pages.items():
        assert response.status_code == 200, name
        text = _text(response.content.decode())
        assert "1,243" in text, name
        # Years (2016/17, 7 December 2026) are not counts.
        bare = [
            n for n in re.findall(r"(?<![\d,.])\d{4,}(?![\d,])", text) if not 1990 <= int(n) < 2100
        ]
        assert not bare, (name, bare)
    totals = _text(pages["totals"].content.decode())
    assert "Police recorded 3,243 online-flagged child sex offences in 2016/17" in totals
    assert "1–4" in totals  # Essex's '*' for age 14, by the campaign's rule
    assert "1,100" in totals


def test_the_review_queue_writes_counts_and_bounds_the_one_way(
    campaign, metric, staff, reviewer, client
):
    enter(campaign, staff, [("Kent", "2016/17", 1243), ("Kent", "2016/17", "*", 13)])
    client.force_login(reviewer)
    text = _text(client.get(reverse("figures_review_queue")).content.decode())
    assert "1,243" in text and "1–4 (suppressed)" in text
    assert "1243" not in text
