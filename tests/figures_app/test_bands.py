"""Ranges going out (issue 26): totals in a campaign's bands, the API's rows, the most common
and the youngest read from forces that gave single ages, headlines with bounds, the warning.

Categories are made ranges directly (low / high on the Category row), not through the entry
paths' parser: figures are entered against a placeholder number, then that category becomes
the range a force wrote."""

import pytest
from django.urls import reverse
from django.utils import timezone

from figures_app.models import Category, Dimension
from figures_app.presentation import headlines
from figures_app.selectors.bands import _band_span
from figures_app.selectors.basis import APPROVED
from figures_app.selectors.totals import metric_totals
from figures_app.services.releases import ReleaseSpec, release_publish
from figures_app.services.review import figures_approve
from figures_app.totals_output import totals_json, totals_rows
from requests_app.services.errors import ServiceError

from .conftest import enter

pytestmark = pytest.mark.django_db

BANDS = ["0-10", "11-12", "13", "14-15", "16-17"]


def _as_range(metric, placeholder: int, value: str, low: int, high: int | None) -> None:
    """The category entered as `placeholder` becomes the range `value` (low..high)."""
    updated = Category.objects.filter(dimension__metric=metric, value=str(placeholder)).update(
        value=value, label=value, numeric_value=None, low=low, high=high
    )
    assert updated == 1


def _banded(metric, bands=BANDS, maximum=17) -> None:
    Dimension.objects.filter(metric=metric).update(bands=bands, maximum=maximum)


def _json(metric):
    totals = metric_totals(metric=metric, basis=APPROVED, today=timezone.localdate())
    return totals_json(totals, headlines(totals))


@pytest.fixture
def mixed(campaign, metric, staff, reviewer):
    """Kent in single ages, Surrey a suppressed single age, Essex and Dorset in ranges."""
    enter(
        campaign,
        staff,
        [
            ("Kent", "2016/17", 2, 3),
            ("Kent", "2016/17", 5, 9),
            ("Kent", "2016/17", 10, 13),
            ("Kent", "2016/17", 2, 16),
            ("Surrey", "2016/17", "<5", 13),
            ("Essex", "2016/17", 20, 100),  # "0-10": inside one band
            ("Essex", "2016/17", 7, 101),  # "11-13": straddles 11-12 and 13
            ("Essex", "2016/17", 4, 102),  # "14 and over": up to 17, straddles 14-15, 16-17
            ("Essex", "2016/17", 3, "unknown"),
            ("Dorset", "2016/17", 6, 103),  # "0-12": straddles 0-10 and 11-12
        ],
        approve_by=reviewer,
    )
    _as_range(metric, 100, "0-10", 0, 10)
    _as_range(metric, 101, "11-13", 11, 13)
    _as_range(metric, 102, "14 and over", 14, None)
    _as_range(metric, 103, "0-12", 0, 12)


def _rows(data):
    return {b["category"]: b for b in data["breakdown"]}


def test_it_counts_ranges_inside_a_band_exactly_and_straddling_ones_as_bounds(mixed, metric):
    _banded(metric)
    rows = _rows(_json(metric))
    assert list(rows) == [*BANDS, "unknown"]
    got = {
        k: (r["total"], r["total_upper"], r["forces"], r["forces_exact"]) for k, r in rows.items()
    }
    assert got == {
        # Kent 2 + 5, Essex 20 exact; Dorset's 0-12 only in the upper bound.
        "0-10": (27, 33, 3, 2),
        # Essex's 11-13 and Dorset's 0-12 both straddle: nothing exact.
        "11-12": (0, 13, 2, 0),
        # Kent 10 exact; Surrey's "<5" its own upper bound (4); Essex's 11-13 straddles.
        "13": (10, 21, 3, 2),
        # Essex's "14 and over" ends at the maximum, 17: it touches both top bands.
        "14-15": (0, 4, 1, 0),
        "16-17": (2, 6, 2, 1),
        "unknown": (3, 3, 1, 1),
    }
    assert rows["13"]["dimension"] == "victim_age" and rows["13"]["period"] == "2016/17"


def test_a_suppressed_range_keeps_its_own_upper_bound_in_each_band_it_touches(
    campaign, metric, staff, reviewer
):
    enter(
        campaign,
        staff,
        [("Gwent", "2016/17", "<5", 104), ("Gwent", "2016/17", 9, 13)],
        approve_by=reviewer,
    )
    _as_range(metric, 104, "under 13", 0, 12)
    _banded(metric)
    totals = metric_totals(metric=metric, basis=APPROVED, today=timezone.localdate())
    got = {
        b.category.value: (b.total, b.total_upper, b.suppressed_cells, b.forces_exact)
        for b in totals.breakdown
    }
    # The "<5" for under 13 is never 0 and never split: up to 4 in each band it touches.
    assert got == {"0-10": (0, 4, 0, 0), "11-12": (0, 4, 0, 0), "13": (9, 9, 0, 1)}


def test_an_open_ended_range_inside_an_open_ended_band_is_exact(mixed, metric):
    _banded(metric, bands=["0-10", "11-13", "14+"])
    rows = _rows(_json(metric))
    assert (rows["14+"]["total"], rows["14+"]["total_upper"]) == (6, 6)  # Kent 2, Essex 4
    assert rows["14+"]["forces_exact"] == rows["14+"]["forces"] == 2
    assert (rows["11-13"]["total"], rows["11-13"]["total_upper"]) == (17, 27)


def test_without_bands_ranges_are_rows_of_their_own(mixed, metric):
    rows = _rows(_json(metric))
    assert set(rows) == {"0-10", "0-12", "11-13", "14 and over", "3", "9", "13", "16", "unknown"}
    assert (rows["0-10"]["total"], rows["0-10"]["total_upper"]) == (20, 20)
    assert (rows["13"]["total"], rows["13"]["total_upper"]) == (10, 14)
    assert all(r["forces_exact"] == r["forces"] for r in rows.values())


def test_the_most_common_and_youngest_come_from_forces_that_gave_single_ages(mixed, metric):
    text = " ".join(_json(metric)["headlines"])
    # Essex's 20 aged 0-10 would be the largest count; it says nothing of a single age.
    assert (
        "13 was the most common victim age among the 2 forces that gave single victim ages "
        "(10 offences); the lowest with any offences among them was 3"
    ) in text
    assert "from 4 forces" in text  # the breakdown as a whole: every force that gave one


def test_a_band_headline_gives_bounds_when_not_exact_and_a_number_when_exact(mixed, metric):
    _banded(metric)
    text = " ".join(_json(metric)["headlines"])
    assert (
        "By victim age in 2016/17: 0-10, between 27 and 33 offences; 11-12, between 0 and 13 "
        "offences; 13, between 11 and 21 offences; 14-15, between 0 and 4 offences; 16-17, "
        "between 2 and 6 offences (a force's range that straddles bands counts only in the "
        "upper bound of each band it touches)."
    ) in text
    _banded(metric, bands=["0-15", "16-17"])
    Category.objects.filter(value__in=["0-12", "14 and over"]).update(high=15)
    text = " ".join(_json(metric)["headlines"])
    # Every range now fits one band: bounds only from Surrey's suppressed cell, "<5" counted
    # 1-4 by the campaign's rule (not 0-4).
    assert "By victim age in 2016/17: 0-15, between 55 and 58 offences; 16-17, 2 offences." in text
    assert "straddles" not in text


def test_the_files_carry_the_forces_exact(mixed, metric):
    _banded(metric)
    totals = metric_totals(metric=metric, basis=APPROVED, today=timezone.localdate())
    header, *rows = list(totals_rows(totals))
    band = next(r for r in rows if r[0] == "breakdown" and r[header.index("category")] == "0-10")
    assert band[header.index("total")] == 27 and band[header.index("total_upper")] == 33
    assert band[header.index("forces_reporting")] == 3
    assert band[header.index("forces_exact")] == 2


def test_the_totals_page_shows_a_bands_bounds(mixed, metric, staff_client):
    _banded(metric)
    url = reverse("figures_campaign_totals", args=[metric.campaign.slug])
    page = staff_client.get(url).content.decode()
    assert "27–33" in page and "(2 of 3 forces exact)" in page
    assert "straddles the campaign's bands" in page


@pytest.mark.parametrize(
    ("label", "span"),
    [
        ("0-10", (0, 10)),
        ("13", (13, 13)),
        ("16+", (16, 17)),
        ("16 and over", (16, 17)),
        ("over 15", (16, 17)),
        ("under 13", (0, 12)),
        ("10 and under", (0, 10)),
        ("0 to 10", (0, 10)),
        ("teens", None),
    ],
)
def test_it_reads_band_labels(label, span):
    assert _band_span(label, 17) == span


def test_the_breakdown_warning_adds_up_ranges(campaign, metric, staff, reviewer):
    enter(
        campaign,
        staff,
        [
            ("Kent", "2016/17", 30),
            ("Kent", "2016/17", 20, 100),
            ("Kent", "2016/17", 7, 101),
            ("Essex", "2016/17", 27),
            ("Essex", "2016/17", 20, 100),
            ("Essex", "2016/17", 7, 101),
        ],
    )
    _as_range(metric, 100, "0-10", 0, 10)
    _as_range(metric, 101, "11 and over", 11, None)
    kent = campaign.requests.get(force__name="Kent Police")
    essex = campaign.requests.get(force__name="Essex Police")
    with pytest.raises(ServiceError, match="adds up to 27, but the total is 30"):
        figures_approve(request_id=kent.pk, actor=reviewer)
    figures_approve(request_id=essex.pk, actor=reviewer)  # 20 + 7 = 27: no warning


def test_a_release_freezes_the_bands_with_their_bounds(client, mixed, campaign, metric, reviewer):
    _banded(metric)
    release_publish(campaign=campaign, actor=reviewer, slug="nspcc", spec=ReleaseSpec(title="Ages"))
    body = client.get(reverse("release_api", args=["nspcc"])).json()
    band = next(b for b in body["metrics"][0]["breakdown"] if b["category"] == "0-10")
    assert (band["total"], band["total_upper"], band["forces"], band["forces_exact"]) == (
        27,
        33,
        3,
        2,
    )
    page = client.get(reverse("release_public", args=["nspcc"])).content.decode()
    assert "27–33" in page  # a straddled band shows its bounds, no cell suppressed


def test_bands_read_in_the_same_number_of_queries(mixed, metric, django_assert_num_queries):
    _banded(metric)
    metric.refresh_from_db()
    assert metric.campaign  # read before counting, as the totals view has it
    # Periods, dimensions, requests, the figures' GROUP BY, the breakdown's GROUP BY.
    with django_assert_num_queries(5):
        totals = metric_totals(metric=metric, basis=APPROVED, today=timezone.localdate())
    assert [b.category.value for b in totals.breakdown] == [*BANDS, "unknown"]
