"""Totals against hand-computed answers (see the comments for the arithmetic)."""

import pytest
from django.utils import timezone

from figures_app.presentation import headlines, round_by_rule
from figures_app.selectors.basis import ALL, APPROVED
from figures_app.selectors.totals import metric_totals
from figures_app.totals_output import totals_json

from .conftest import enter

pytestmark = pytest.mark.django_db


@pytest.fixture
def figures(campaign, metric, staff, reviewer):
    enter(
        campaign,
        staff,
        [
            ("Kent", "2015/16", 10),
            ("Kent", "2016/17", 20),
            ("Kent", "2016/17", 12, 13),
            ("Kent", "2016/17", 8, 14),
            ("Essex", "2015/16", 5),
            ("Essex", "2016/17", "<5"),
            ("Essex", "2016/17", "<5", 13),
            {"force": "Surrey", "period": "2015/16", "value": "", "status": "not_provided"},
            ("Surrey", "2016/17", 30),
            ("Cumbria", "2015/16", "not held"),
            ("Cumbria", "2016/17", "not held"),
            ("Dorset", "2015/16", "*"),
            ("Dorset", "2016/17", 8),
            # Norfolk gave only a breakdown for 2016/17: its total is the breakdown added up.
            ("Norfolk", "2016/17", 6, 15),
            ("Norfolk", "2016/17", 4, "unknown"),
        ],
        approve_by=reviewer,
    )
    # Sussex is entered but not approved.
    enter(campaign, staff, [("Sussex", "2015/16", 100), ("Sussex", "2016/17", 50)])


def _json(metric, basis=APPROVED):
    totals = metric_totals(metric=metric, basis=basis, today=timezone.localdate())
    return totals_json(totals, headlines(totals))


def test_it_totals_approved_figures_with_bounds_and_coverage(figures, metric):
    data = _json(metric)
    assert data["forces_asked"] == 43
    p15, p16 = data["periods"]
    # 2015/16: Kent 10 + Essex 5 = 15; Dorset '*' is 1-4 by the campaign's rule -> between 16
    # and 19; 3 forces reporting.
    assert p15 == {
        "period": "2015/16",
        "total": 15,
        "total_lower": 16,
        "total_upper": 19,
        "suppressed_cells": 1,
        "forces_reporting": 3,
        "per_day": pytest.approx(15 / 366),
        "no_rate": "",
        "status": "reported",
        "message": "",
    }
    # 2016/17: Kent 20 + Surrey 30 + Dorset 8 + Norfolk (6 + 4) = 68; Essex '<5' -> 69 to 72.
    assert p16 == {
        "period": "2016/17",
        "total": 68,
        "total_lower": 69,
        "total_upper": 72,
        "suppressed_cells": 1,
        "forces_reporting": 5,
        "per_day": pytest.approx(68 / 365),
        "no_rate": "",
        "status": "reported",
        "message": "",
    }


def test_it_uses_the_real_number_of_days(figures, metric):
    p15 = _json(metric)["periods"][0]
    assert p15["per_day"] == pytest.approx(15 / 366)  # 29 February 2016


def test_it_gives_raw_and_like_for_like_change(figures, metric):
    change = _json(metric)["changes"][0]
    assert change["from"] == "2015/16" and change["to"] == "2016/17"
    assert change["change_pct"] == pytest.approx((68 - 15) / 15 * 100)
    # Kent, Essex and Dorset reported both years: 10 + 5 + 0 -> 20 + 0 + 8.
    assert change["like_for_like"] == {
        "forces": 3,
        "from_total": 15,
        "to_total": 28,
        "change_pct": pytest.approx((28 - 15) / 15 * 100),
    }


def test_it_lists_every_force_asked_with_values_per_period(figures, metric):
    forces = {f["force"]: f for f in _json(metric)["forces"]}
    assert len(forces) == 43
    assert forces["Kent Police"]["values"] == {"2015/16": 10, "2016/17": 20}
    assert forces["Kent Police"]["change_pct"] == pytest.approx(100.0)
    assert forces["Kent Police"]["force_code"] == "E23000032"
    assert forces["Essex Police"]["values"] == {"2015/16": 5, "2016/17": None}  # suppressed only
    assert forces["Essex Police"]["change_pct"] is None
    assert forces["Surrey Police"]["values"] == {"2015/16": None, "2016/17": 30}  # one period only
    assert forces["Cumbria Constabulary"]["values"] == {"2015/16": None, "2016/17": None}
    assert forces["Norfolk Constabulary"]["values"] == {"2015/16": None, "2016/17": 10}
    assert forces["Sussex Police"]["values"] == {"2015/16": None, "2016/17": None}  # not approved


def test_it_counts_not_held_forces_as_asked_but_not_reporting(figures, metric):
    data = _json(metric)
    assert data["forces_asked"] == 43
    assert all(p["forces_reporting"] < 6 for p in data["periods"])
    text = " ".join(data["headlines"])
    assert "Cumbria Constabulary (information not held)" in text
    assert "Sussex Police (figures awaiting review)" in text


def test_it_breaks_down_by_category_with_bounds(figures, metric):
    rows = {(b["period"], b["category"]): b for b in _json(metric)["breakdown"]}
    assert rows[("2016/17", "13")] == {
        "period": "2016/17",
        "dimension": "victim_age",
        "category": "13",
        "total": 12,
        "total_lower": 13,
        "total_upper": 16,
        "forces": 2,  # Kent and Essex (its "<5")
        "forces_exact": 2,  # without bands every answer is exact for its own category
    }
    assert rows[("2016/17", "14")]["total"] == 8
    assert rows[("2016/17", "unknown")]["total"] == 4
    assert [b["category"] for b in _json(metric)["breakdown"]] == ["13", "14", "15", "unknown"]
    text = " ".join(_json(metric)["headlines"])
    assert "13 was the most common (12 offences); the lowest with any offences was 13" in text


def test_it_counts_all_figures_when_asked(figures, metric):
    data = _json(metric, ALL)
    assert data["basis"] == "all"
    p15, p16 = data["periods"]
    assert (p15["total"], p15["forces_reporting"]) == (115, 4)
    assert (p16["total"], p16["forces_reporting"]) == (118, 6)
    assert data["changes"][0]["like_for_like"]["forces"] == 4
    assert data["changes"][0]["like_for_like"]["from_total"] == 115
    assert data["changes"][0]["like_for_like"]["to_total"] == 78


def test_it_never_derives_a_suppressed_cell_by_subtraction(figures, metric):
    # Essex total '<5' with a breakdown '<5': nothing is worked out as total minus the rest.
    forces = {f["force"]: f for f in _json(metric)["forces"]}
    assert forces["Essex Police"]["values"]["2016/17"] is None


def test_it_rounds_by_the_campaign_rule_only_in_words(campaign, metric, staff, reviewer):
    enter(
        campaign, staff, [("Kent", "2015/16", 3903), ("Kent", "2016/17", 5653)], approve_by=reviewer
    )
    campaign.rounding_rule = "down"
    campaign.save()
    data = _json(metric)
    assert data["changes"][0]["change_pct"] == pytest.approx(44.8373, abs=1e-4)
    assert "a rise of 44% (rounded down from 44.8%)" in " ".join(data["headlines"])
    campaign.rounding_rule = "half_up"
    campaign.save()
    assert "a rise of 45% (rounded half up from 44.8%)" in " ".join(_json(metric)["headlines"])
    assert "5,653" in " ".join(_json(metric)["headlines"])
    assert str(round_by_rule(15.487, "down", 1)) == "15.4"


def test_it_says_police_recorded(figures, metric):
    text = " ".join(_json(metric)["headlines"])
    assert text.startswith(
        "Police recorded 68 online-flagged child sex offences in 2016/17, from 5 of 43 forces asked"
    )
    assert "plus 1 suppressed cell (so between 69 and 72)" in text


def test_it_counts_only_forces_that_gave_a_breakdown_figure(campaign, metric, staff, reviewer):
    enter(
        campaign,
        staff,
        [
            ("Kent", "2016/17", 12, 13),
            ("Kent", "2016/17", 3, 14),
            ("Met", "2016/17", "not held", 13),
        ],
        approve_by=reviewer,
    )
    lines = " ".join(_json(metric)["headlines"])
    assert "(15 offences from 1 force)" in lines
    rows = _json(metric)["forces"]
    met = next(r for r in rows if r["force"] == "Metropolitan Police Service")
    assert met["values"]["2016/17"] is None
    totals = metric_totals(metric=metric, basis=APPROVED, today=timezone.localdate())
    met_row = next(r for r in totals.forces if r.foi.force.name == "Metropolitan Police Service")
    assert "not held" in " ".join(str(v) for v in met_row.reasons.values())


# Edge cases of the set-based totals (selectors/totals.py reads every force's sums in one
# GROUP BY and adds them up in Python): each against numbers worked out by hand.


def _totals(metric, basis=APPROVED):
    return metric_totals(metric=metric, basis=basis, today=timezone.localdate())


def test_it_bounds_suppressed_cells_by_each_cells_own_upper_bound(
    campaign, metric, staff, reviewer
):
    enter(
        campaign,
        staff,
        [
            ("Kent", "2016/17", 20),
            ("Essex", "2016/17", "<5"),  # 1-4
            ("Surrey", "2016/17", "fewer than 10"),  # 1-9
            ("Dorset", "2016/17", "*"),  # 1-4
            ("Kent", "2016/17", "<5", 13),
            ("Kent", "2016/17", 7, 14),
            ("Essex", "2016/17", "under 3", 13),  # 1-2
        ],
        approve_by=reviewer,
    )
    totals = _totals(metric)
    p16 = totals.period_total(totals.periods[1])
    # Exact values are the lower bound (20); each suppressed cell adds its own upper bound.
    assert (p16.total, p16.total_upper, p16.suppressed_cells) == (20, 20 + 4 + 9 + 4, 3)
    assert p16.forces_reporting == 4  # a force with only a suppressed total still reports
    rows = {(b.category.value, b.period.label): b for b in totals.breakdown}
    age13 = rows[("13", "2016/17")]
    assert (age13.total, age13.total_upper, age13.suppressed_cells) == (0, 4 + 2, 2)
    assert (rows[("14", "2016/17")].total, rows[("14", "2016/17")].total_upper) == (7, 7)
    essex = next(r for r in totals.forces if r.foi.force.name == "Essex Police")
    cell = essex.cells[totals.periods[1].pk]
    assert (cell.value, cell.suppressed_cells, cell.upper) == (None, 1, 4)


def test_it_compares_like_for_like_only_over_forces_reporting_both_periods(
    campaign, metric, staff, reviewer
):
    enter(
        campaign,
        staff,
        [
            ("Kent", "2015/16", 10),
            ("Kent", "2016/17", 30),
            ("Essex", "2016/17", 50),  # 2016/17 only: in the raw total, not like-for-like
            ("Surrey", "2015/16", 40),  # 2015/16 only
            ("Dorset", "2015/16", "*"),  # suppressed counts as reporting in both periods
            ("Dorset", "2016/17", 6),
            ("Cumbria", "2015/16", 8),  # not held the next year: not reporting then
            ("Cumbria", "2016/17", "not held"),
        ],
        approve_by=reviewer,
    )
    change = _totals(metric).changes[0]
    assert (change.from_period.total, change.to_period.total) == (10 + 40 + 8, 30 + 50 + 6)
    assert change.like_for_like.forces == 2  # Kent and Dorset
    assert (change.like_for_like.from_total, change.like_for_like.to_total) == (10, 36)
    assert change.like_for_like.change_pct == pytest.approx(260.0)


def test_it_gives_no_like_for_like_when_only_one_force_reports_one_period(
    campaign, metric, staff, reviewer
):
    enter(campaign, staff, [("Kent", "2016/17", 30)], approve_by=reviewer)
    totals = _totals(metric)
    change = totals.changes[0]
    assert change.change_pct is None  # nothing counted in 2015/16: not a rise from zero
    assert (change.like_for_like.forces, change.like_for_like.change_pct) == (0, None)
    assert totals_json(totals)["changes"][0]["like_for_like"]["from_total"] == 0


def test_it_says_why_a_force_has_no_figure_not_held_refused_or_waiting(
    campaign, metric, staff, reviewer
):
    enter(
        campaign,
        staff,
        [
            ("Cumbria", "2015/16", "not held"),
            ("Devon & Cornwall", "2015/16", "refused s12"),
            # Refused cells of a breakdown: each exemption named, in the order entered.
            ("Gwent", "2016/17", "refused s40(2)", 3),
            ("Gwent", "2016/17", "refused s12", 4),
            ("Kent", "2015/16", 0),  # a real zero reports
        ],
        approve_by=reviewer,
    )
    enter(campaign, staff, [("Essex", "2015/16", 12)])  # waiting for review
    totals = _totals(metric)
    p15, p16 = totals.periods
    reasons = {r.foi.force.name: r.reasons for r in totals.forces}
    assert reasons["Cumbria Constabulary"][p15.pk] == "information not held"
    assert reasons["Devon and Cornwall Police"][p15.pk].startswith("refused: s.12")
    assert reasons["Gwent Police"][p16.pk].startswith("refused: s.40(2)")
    assert "s.12" in reasons["Gwent Police"][p16.pk]
    assert reasons["Essex Police"][p15.pk] == "figures awaiting review"
    assert p15.pk not in reasons["Kent Police"]
    assert totals.period_total(p15).forces_reporting == 1  # Kent's 0; not held is not 0
    assert totals.pending_requests == 1
    everything = _totals(metric, ALL)
    assert everything.period_total(everything.periods[0]).total == 12
    assert everything.period_total(everything.periods[0]).forces_reporting == 2


def test_it_takes_a_forces_total_over_its_breakdown_and_counts_breakdown_forces(
    campaign, metric, staff, reviewer
):
    enter(
        campaign,
        staff,
        [
            # Kent gave a total and a breakdown that does not add up: the total counts.
            ("Kent", "2016/17", 20),
            ("Kent", "2016/17", 5, 13),
            ("Kent", "2016/17", 3, "unknown"),
            # Essex gave only a breakdown: it is its headline figure.
            ("Essex", "2016/17", 4, 13),
            ("Essex", "2016/17", "<5", 15),
            # Surrey's total is not held: its breakdown is not used in its place.
            ("Surrey", "2016/17", "not held"),
            ("Surrey", "2016/17", 9, 13),
            # Dorset's breakdown is all not held: it did not give a breakdown.
            ("Dorset", "2016/17", "not held", 13),
        ],
        approve_by=reviewer,
    )
    enter(campaign, staff, [("Sussex", "2016/17", 100, 13)])  # not approved: left out
    totals = _totals(metric)
    p16 = totals.periods[1]
    values = {r.foi.force.name: r.value(p16) for r in totals.forces}
    assert values["Kent Police"] == 20
    assert values["Essex Police"] == 4
    assert values["Surrey Police"] is None
    assert values["Sussex Police"] is None
    t = totals.period_total(p16)
    assert (t.total, t.total_upper, t.suppressed_cells, t.forces_reporting) == (24, 28, 1, 2)
    rows = {b.category.value: b.total for b in totals.breakdown if b.period.pk == p16.pk}
    assert rows == {"13": 5 + 4 + 9, "15": 0, "unknown": 3}
    summary = next(s for s in totals.summaries if s.period.pk == p16.pk)
    assert summary.forces == 3  # Kent, Essex, Surrey; Dorset's not-held cells are not figures
    assert [b.category.value for b in summary.modal] == ["13"]
    everything = _totals(metric, ALL)
    assert {b.category.value: b.total for b in everything.breakdown}["13"] == 118


def test_it_reads_the_totals_in_a_fixed_number_of_queries(
    campaign, metric, staff, reviewer, django_assert_num_queries
):
    # Periods, dimensions, requests, the figures' GROUP BY, the breakdown's GROUP BY.
    enter(campaign, staff, [("Kent", "2016/17", 20)], approve_by=reviewer)
    metric.campaign = campaign
    with django_assert_num_queries(5):
        _totals(metric)
    enter(
        campaign,
        staff,
        [(name, "2016/17", 5, 13) for name in ("Essex", "Surrey", "Dorset", "Gwent")],
        approve_by=reviewer,
    )
    with django_assert_num_queries(5):
        _totals(metric)
