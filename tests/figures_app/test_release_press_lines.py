"""Press lines: a ready-to-paste sentence per force, rounded by the campaign's rule, never
turning a missing or suppressed figure into 0 or a made-up percentage."""

from __future__ import annotations

import pytest

from figures_app.selectors.release_data import press_line
from figures_app.services.releases import ReleaseSpec, release_publish
from figures_app.views.release_presentation import national_context, ordinal
from requests_app.models.campaigns import RoundingRule

from .conftest import enter

NOUN = "online child sex offences"


def metric(forces=(), periods=("2015/16", "2016/17")):
    return {
        "noun": NOUN,
        "message": "",
        "forces_asked": 43,
        "periods": [{"period": label, "total": 0, "forces_reporting": 0} for label in periods],
        "changes": [],
        "forces": list(forces),
    }


def force(values, *, suppressed=None, upper=None, reasons=None, name="Kent Police"):
    return {
        "force": name,
        "values": values,
        "suppressed_cells": suppressed or {},
        "upper": upper or {},
        "reasons": reasons or {},
    }


def line(f, rule=RoundingRule.DOWN, **kwargs):
    return press_line(f, metric(**kwargs), rule)


def test_a_rise_is_rounded_by_the_campaigns_rule():
    kent = force({"2015/16": 63, "2016/17": 361})
    assert line(kent) == (
        "Kent Police recorded 361 online child sex offences in 2016/17, up from 63 in 2015/16, "
        "a rise of 473%."
    )
    # 3,903 -> 5,653 is +44.8%: 44% rounded down (the NSPCC's rule), 45% half up.
    national = force({"2015/16": 3903, "2016/17": 5653})
    assert line(national).endswith("a rise of 44%.")
    assert line(national, RoundingRule.HALF_UP).endswith("a rise of 45%.")


def test_a_fall():
    assert line(force({"2015/16": 1200, "2016/17": 1000})) == (
        "Kent Police recorded 1,000 online child sex offences in 2016/17, down from 1,200 in "
        "2015/16, a fall of 16%."
    )
    assert line(force({"2015/16": 1200, "2016/17": 1000}), RoundingRule.HALF_UP).endswith(
        "a fall of 17%."
    )


def test_no_change():
    assert line(force({"2015/16": 40, "2016/17": 40})) == (
        "Kent Police recorded 40 online child sex offences in 2016/17, the same number as in "
        "2015/16."
    )


def test_a_rise_from_zero_has_no_percentage():
    assert line(force({"2015/16": 0, "2016/17": 5})) == (
        "Kent Police recorded 5 online child sex offences in 2016/17, up from 0 in 2015/16."
    )


def test_a_force_with_no_figure_in_one_period_says_why_and_gives_no_change():
    no_before = force({"2015/16": None, "2016/17": 7}, reasons={"2015/16": "information not held"})
    assert line(no_before) == (
        "Kent Police recorded 7 online child sex offences in 2016/17; it gave no figure for "
        "2015/16 (information not held), so there is no change to give."
    )
    no_after = force(
        {"2015/16": 12, "2016/17": None}, reasons={"2016/17": "refused: s.12 cost limit"}
    )
    assert line(no_after) == (
        "Kent Police gave no figure for 2016/17 (refused: s.12 cost limit); it recorded 12 "
        "online child sex offences in 2015/16."
    )
    neither = force(
        {"2015/16": None, "2016/17": None},
        reasons={"2015/16": "no reply yet", "2016/17": "no reply yet"},
    )
    assert "gave no figure for 2016/17 (no reply yet) or 2015/16 (no reply yet)" in line(neither)
    assert " 0 " not in line(neither)


def test_a_suppressed_cell_gives_a_range_and_no_percentage():
    only_suppressed = force(
        {"2015/16": 12, "2016/17": None}, suppressed={"2016/17": 1}, upper={"2016/17": 4}
    )
    assert line(only_suppressed) == (
        "Kent Police recorded fewer than 5 online child sex offences in 2016/17, against 12 in "
        "2015/16 (small numbers were withheld, so no percentage change is given)."
    )
    part_suppressed = force(
        {"2015/16": 20, "2016/17": 30}, suppressed={"2016/17": 2}, upper={"2016/17": 38}
    )
    assert "recorded between 30 and 38 online child sex offences in 2016/17" in line(
        part_suppressed
    )
    assert "%" not in line(part_suppressed)


def test_a_single_period_release():
    assert line(force({"2016/17": 9}), periods=("2016/17",)) == (
        "Kent Police recorded 9 online child sex offences in 2016/17."
    )


def test_the_national_context_gives_coverage_change_and_rank():
    m = metric()
    m["periods"] = [
        {"period": "2015/16", "total": 3903, "forces_reporting": 39},
        {"period": "2016/17", "total": 5653, "forces_reporting": 38},
    ]
    m["changes"] = [{"from": "2015/16", "to": "2016/17", "change_pct": 44.837}]
    kent = force({"2015/16": 63, "2016/17": 361}) | {"rank": 2}
    m["forces"] = [kent, force({}, name="Other") | {"rank": 1}]
    assert national_context(kent, m, RoundingRule.DOWN) == (
        "Nationally, police recorded 5,653 online child sex offences in 2016/17, from 38 of 43 "
        "forces asked, up 44% from 3,903 (39 forces) in 2015/16. Kent Police ranked 2nd of the "
        "2 forces with an exact figure for 2016/17."
    )


def test_ordinals():
    assert [ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 22, 101, 111)] == [
        "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "101st", "111th",
    ]  # fmt: skip


@pytest.mark.django_db
def test_press_lines_from_real_figures(campaign, metric, staff, reviewer):
    """The same lines through the whole path: entered, approved, frozen."""
    campaign.rounding_rule = RoundingRule.DOWN
    campaign.save()
    enter(
        campaign,
        staff,
        [
            ("Kent", "2015/16", 63),
            ("Kent", "2016/17", 361),
            ("Surrey", "2015/16", 40),
            ("Surrey", "2016/17", 30),
            ("Essex", "2015/16", 12),
            ("Essex", "2016/17", "<5"),
            ("Cumbria", "2015/16", "not held"),
            ("Cumbria", "2016/17", 7),
            ("Dorset", "2015/16", 8),
            ("Dorset", "2016/17", 8),
        ],
        approve_by=reviewer,
    )
    version = release_publish(
        campaign=campaign, actor=reviewer, slug="r", spec=ReleaseSpec(title="T")
    )
    lines = {f["force"]: f["press_line"] for f in version.payload["metrics"][0]["forces"]}
    noun = "online-flagged child sex offences"
    assert lines["Kent Police"].endswith("up from 63 in 2015/16, a rise of 473%.")
    assert lines["Surrey Police"].endswith("down from 40 in 2015/16, a fall of 25%.")
    assert lines["Dorset Police"].endswith("the same number as in 2015/16.")
    assert lines["Cumbria Constabulary"] == (
        f"Cumbria Constabulary recorded 7 {noun} in 2016/17; it gave no figure for 2015/16 "
        "(information not held), so there is no change to give."
    )
    # The suppressed cell by the campaign's rule (1-4), as on every other page (issue 27).
    assert lines["Essex Police"].startswith(
        f"Essex Police recorded between 1 and 4 {noun} in 2016/17"
    )
    assert (
        "no reply yet" in lines["Norfolk Constabulary"]
        or "request not yet sent" in lines["Norfolk Constabulary"]
    )
