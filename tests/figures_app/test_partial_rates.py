"""Issue 27: "0.1 a day" from partial data. A per-day rate divides by every day of the period,
so it is given only once the period has ended; before that the headline, the pages and the API
say there is no rate and why."""

import csv
import io
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from figures_app.presentation import headlines
from figures_app.selectors.basis import ALL
from figures_app.selectors.headline import period_partial
from figures_app.selectors.totals import metric_totals
from figures_app.totals_output import totals_json

from .conftest import enter

pytestmark = pytest.mark.django_db

NOUN = "online-flagged child sex offences"


@pytest.fixture
def entered(campaign, staff, metric):
    enter(campaign, staff, [("Kent", "2015/16", 63), ("Kent", "2016/17", 361)])


def test_a_period_is_complete_only_after_its_last_day():
    end = date(2017, 3, 31)
    assert period_partial(end=end, today=date(2017, 4, 1)) == ""
    assert period_partial(end=end, today=end) == (
        "the period runs to 31 March 2017, so its figures are not yet complete"
    )


def test_the_headline_withholds_the_rate_of_an_unfinished_period(entered, metric):
    totals = metric_totals(metric=metric, basis=ALL, today=date(2017, 2, 1))
    text = " ".join(headlines(totals))
    assert (
        f"Police recorded 361 {NOUN} in 2016/17, from 1 of 43 forces asked; no rate a day: "
        "the period runs to 31 March 2017, so its figures are not yet complete."
    ) in text
    assert "a day over the 365 days of 2016/17" not in text
    # The finished year keeps its rate: 63 / 366.
    assert "0.2 a day over the 366 days of 2015/16" in text


def test_the_api_gives_no_rate_and_says_why(entered, metric):
    totals = metric_totals(metric=metric, basis=ALL, today=date(2017, 2, 1))
    p15, p16 = totals_json(totals, headlines(totals))["periods"]
    assert p15["per_day"] == pytest.approx(63 / 366) and p15["no_rate"] == ""
    assert p16["per_day"] is None
    assert p16["no_rate"].startswith("no rate a day: the period runs to 31 March 2017")


def test_a_finished_period_keeps_its_rate(entered, metric):
    totals = metric_totals(metric=metric, basis=ALL, today=date(2017, 4, 1))
    text = " ".join(headlines(totals))
    assert "1.0 a day over the 365 days of 2016/17" in text  # 361 / 365 = 0.99, half up
    assert "no rate" not in text


@pytest.fixture
def unfinished(campaign, staff, reviewer, metric):
    """2016/17 stretched past today, its figures approved."""
    end = timezone.localdate() + timedelta(days=30)
    campaign.periods.filter(label="2016/17").update(end=end)
    enter(campaign, staff, [("Kent", "2015/16", 63), ("Kent", "2016/17", 361)], approve_by=reviewer)
    return end


def test_the_totals_page_and_csv_say_there_is_no_rate(unfinished, campaign, staff, client):
    client.force_login(staff)
    html = client.get(reverse("figures_campaign_totals", args=[campaign.slug])).content.decode()
    assert 'class="small text-muted no-rate">2016/17: No rate a day: the period runs to' in html
    url = reverse("figures_totals_csv", args=[campaign.slug]) + "?metric=offences"
    rows = list(csv.DictReader(io.StringIO(client.get(url).getvalue().decode())))
    periods = {r["period"]: r for r in rows if r["section"] == "period"}
    assert periods["2016/17"]["total"] == "361"
    assert periods["2016/17"]["per_day"] == ""
    assert periods["2015/16"]["per_day"] != ""
