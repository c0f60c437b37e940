"""One way to write a suppressed cell (issue 27): "1–4" or "0–4" by the campaign's rule, the
same on the request page, the totals page (each force and the breakdown), the series' states,
the release page, the headlines and press lines, and the same bounds as numbers in the totals
CSV and JSON. A campaign with the other rule gives the other writing everywhere."""

import csv
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from figures_app.bound_words import between_words, bounds_text
from figures_app.presentation import headlines
from figures_app.selectors.basis import APPROVED
from figures_app.selectors.totals import metric_totals
from figures_app.services.releases import ReleaseSpec, release_publish
from figures_app.totals_output import totals_json
from figures_app.values import parse_figure
from requests_app.models import Campaign

from .conftest import enter

pytestmark = pytest.mark.django_db


def test_it_writes_bounds_one_way():
    assert bounds_text(1, 4) == "1–4"
    assert bounds_text(0, 4) == "0–4"
    assert bounds_text(1243, 1251) == "1,243–1,251"
    assert bounds_text(12, 12) == "12"
    assert between_words(1, 4) == "between 1 and 4"
    assert between_words(5655, 5661) == "between 5,655 and 5,661"
    assert between_words(7, 7) == "7"


@pytest.mark.parametrize("lower", [0, 1])
def test_less_than_five_takes_the_campaigns_lower_bound_as_a_star_does(lower):
    star = parse_figure("*", bounds=(lower, 4))
    less = parse_figure("<5", bounds=(lower, 4))
    words = parse_figure("fewer than 5", bounds=(lower, 4))
    assert (star.lower, star.upper) == (less.lower, less.upper) == (words.lower, words.upper)
    assert (less.lower, less.upper) == (lower, 4)
    assert parse_figure("<10", bounds=(lower, 4)).upper == 9


@pytest.fixture
def suppressed(campaign, metric, staff, reviewer, request):
    """Kent: '*' for 2016/17's total and a '<5' for age 13 beside an exact 12 for age 14; Essex
    gave 2,000 exactly. The campaign's lower bound for '*' is the test's parameter."""
    Campaign.objects.filter(pk=campaign.pk).update(suppressed_lower=request.param)
    campaign.refresh_from_db()
    enter(
        campaign,
        staff,
        [
            ("Kent", "2016/17", "*"),
            ("Kent", "2016/17", "<5", 13),
            ("Kent", "2016/17", 12, 14),
            ("Essex", "2016/17", 2000),
        ],
        approve_by=reviewer,
    )
    return request.param


def _pages(client, campaign, reviewer):
    kent = campaign.requests.get(force__name="Kent Police")
    client.force_login(reviewer)
    request_page = client.get(reverse("request_detail", args=[kent.pk])).content.decode()
    totals_page = client.get(
        reverse("figures_campaign_totals", args=[campaign.slug])
    ).content.decode()
    release_publish(campaign=campaign, actor=reviewer, slug="nspcc", spec=ReleaseSpec(title="T"))
    release_page = client.get(reverse("release_public", args=["nspcc"])).content.decode()
    return request_page, totals_page, release_page


@pytest.mark.parametrize("suppressed", [1, 0], indirect=True)
def test_the_same_campaign_writes_a_suppressed_cell_the_same_everywhere(
    suppressed, campaign, metric, reviewer, client
):
    lower = suppressed
    written, other = f"{lower}–4", f"{1 - lower}–4"
    request_page, totals_page, release_page = _pages(client, campaign, reviewer)
    # The request page: each suppressed cell.
    assert request_page.count(written) >= 2 and other not in request_page
    # The totals page: Kent's cell, the breakdown's age 13, the period's bounds beside 2,000.
    assert f'<span class="suppressed-bounds">{written}</span>' in totals_page
    assert f"2,00{lower}–2,004" in totals_page
    assert other not in totals_page and "≤" not in totals_page
    # The release page: Kent's card and the breakdown; the press line in words.
    assert written in release_page and other not in release_page
    released = client.get(reverse("release_api", args=["nspcc"])).json()["metrics"][0]
    kent_line = next(f for f in released["forces"] if f["force"] == "Kent Police")
    assert kent_line["press_line"].startswith(f"Kent Police recorded between {lower} and 4 ")
    # The headline and the API: the same bounds.
    totals = metric_totals(metric=metric, basis=APPROVED, today=timezone.localdate())
    body = totals_json(totals, headlines(totals))
    p16 = body["periods"][1]
    assert (p16["total"], p16["total_lower"], p16["total_upper"]) == (2000, 2000 + lower, 2004)
    assert f"(so between 2,00{lower} and 2,004)" in " ".join(body["headlines"])
    kent = next(f for f in body["forces"] if f["force"] == "Kent Police")
    assert kent["values"]["2016/17"] is None
    assert kent["bounds"] == {"2016/17": {"lower": lower, "upper": 4}}
    age13 = next(b for b in body["breakdown"] if b["category"] == "13")
    assert (age13["total"], age13["total_lower"], age13["total_upper"]) == (0, lower, 4)
    # The CSV: the same numbers in the same columns.
    response = client.get(reverse("figures_totals_csv", args=[campaign.slug]))
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    kent_row = next(
        r
        for r in rows
        if r["section"] == "force" and r["force"] == "Kent Police" and r["period"] == "2016/17"
    )
    assert (kent_row["total"], kent_row["total_lower"], kent_row["total_upper"]) == (
        "",
        str(lower),
        "4",
    )
    age13_row = next(r for r in rows if r["section"] == "breakdown" and r["category"] == "13")
    assert (age13_row["total_lower"], age13_row["total_upper"]) == (str(lower), "4")


@pytest.mark.parametrize("lower", [0, 1])
def test_the_series_writes_a_state_the_same_way(lower):
    from figures_app.selectors.series import State
    from figures_app.series_output import state_json, state_text

    state = State(
        lower=0,
        upper=4,
        floor=lower,
        suppressed_cells=1,
        reported_cells=0,
        published=False,
        campaign=None,
        reported_on=None,
        partial=False,
    )
    assert state_text(state) == f"{lower}–4"
    assert state_json(state) == {"lower": lower, "upper": 4}
