"""The series selector against hand-computed values (see tests/figures_app/series_samples.py)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from figures_app.selectors.series import FIRST, series_totals
from requests_app.models import Series
from tests.figures_app.series_samples import build_series


@pytest.fixture
def built(reviewer, tmp_path):
    return build_series(reviewer, tmp_path)


def _totals(**kwargs):
    series = Series.objects.get(slug="online-offences")
    return series_totals(
        series=series, metric_slug="offences", today=timezone.localdate(), **kwargs
    )


def _periods(totals):
    return [
        (p.label, p.total, p.total_upper, p.suppressed_cells, p.forces_reporting, p.forces_asked)
        for p in totals.periods
    ]


def test_the_campaigns_form_one_series_asking_the_forces_as_they_are_now(built):
    first, second, third = built
    assert {c.series.slug for c in built} == {"online-offences"}
    assert sorted(second.requests.values_list("force__short_name", flat=True)) == [
        "Durham",
        "Essex",
        "Kent",
        "Surrey",
    ]
    assert [p.label for p in third.periods.all()] == ["2017/18", "2018/19"]
    assert third.metrics.get().dimensions.get().slug == "victim_age"


def test_totals_use_the_latest_approved_figures(built):
    totals = _totals()
    assert _periods(totals) == [
        ("2015/16", 133, 137, 1, 4, 4),
        ("2016/17", 460, 460, 0, 4, 4),
        ("2017/18", 503, 503, 0, 4, 4),
        ("2018/19", 472, 472, 0, 3, 4),
    ]


def test_totals_as_first_reported(built):
    totals = _totals(as_reported=FIRST)
    assert _periods(totals) == [
        ("2015/16", 133, 137, 1, 4, 4),
        ("2016/17", 448, 452, 1, 4, 4),
        ("2017/18", 501, 501, 0, 4, 4),
        ("2018/19", 472, 472, 0, 3, 4),
    ]


def test_revisions_are_listed_with_both_values_and_the_campaigns(built):
    totals = _totals()
    revisions = [
        (
            r.force.short_name,
            r.period.label,
            r.category,
            r.first.value,
            r.latest.value,
            [s.campaign.slug for s in r.states],
        )
        for r in totals.revisions
    ]
    assert revisions == [
        ("Durham", "2017/18", "", 40, 42, ["online-offences-2018", "online-offences-2019"]),
        ("Kent", "2016/17", "", 361, 370, ["online-offences-2017", "online-offences-2018"]),
    ]
    assert totals.revised_total == 11
    assert totals.disclosed == 1  # Surrey's "<5" given as 3


def test_like_for_like_between_any_two_periods(built):
    totals = _totals()
    p = {period.label: period for period in totals.periods}
    lfl = totals.like_for_like(p["2017/18"], p["2018/19"])
    assert (lfl.forces, lfl.from_total, lfl.to_total) == (3, 448, 472)
    assert lfl.change_pct == pytest.approx((472 - 448) / 448 * 100)
    lfl = totals.like_for_like(p["2015/16"], p["2018/19"])
    # Kent 63 -> 420, Durham (with Northshire) 30 -> 45; Surrey "<5" -> 7 has bounds both
    # ends, so it counts: 0..4 -> 7.
    assert (lfl.forces, lfl.from_total, lfl.to_total, lfl.from_upper) == (3, 93, 472, 97)


def test_each_force_row_marks_its_revisions_and_merged_forces(built):
    totals = _totals()
    rows = {r.force.short_name: r for r in totals.forces}
    assert list(rows) == ["Durham", "Essex", "Kent", "Surrey"]
    assert [f.name for f in rows["Durham"].former] == ["Northshire Police"]
    periods = {p.label: p for p in totals.periods}
    kent = rows["Kent"]
    assert [kent.cell(p).value for p in totals.periods] == [63, 370, 400, 420]
    assert kent.cell(periods["2016/17"]).revised
    assert not kent.cell(periods["2017/18"]).revised
    assert kent.change_pct == pytest.approx(5.0)
    essex = rows["Essex"].cell(periods["2018/19"])
    assert essex.state is None and "no reply yet" in essex.reason
    assert rows["Surrey"].cell(periods["2016/17"]).disclosed
    assert rows["Surrey"].cell(periods["2015/16"]).value is None  # only "<5"


def test_queries_do_not_grow_with_the_number_of_campaigns(reviewer, tmp_path):
    from django.core.management import call_command

    from requests_app.models import Campaign
    from tests.figures_app.series_samples import import_year

    build_series(reviewer, tmp_path)
    with CaptureQueriesContext(connection) as three:
        _totals()
    call_command("next_campaign", "online-offences-2019", stdout=__import__("io").StringIO())
    import_year(
        "online-offences-2020",
        reviewer,
        tmp_path,
        rows=[("Kent", "2018/19", "421"), ("Kent", "2019/20", "430")],
    )
    assert Campaign.objects.filter(series__slug="online-offences").count() == 4
    with CaptureQueriesContext(connection) as four:
        totals = _totals()
    assert len(four) == len(three)
    assert totals.periods[-1].label == "2019/20"
    assert len(totals.revisions) == 3
