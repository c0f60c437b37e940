"""Issue 27: headlines and press lines read as English for any metric name a person types,
built from what the metric counts, never the label pasted in ("Police recorded 48 online child
sex offences recorded in 2016/17")."""

import pytest
from django.utils import timezone

from figures_app.metric_words import counted_noun, number_noun
from figures_app.presentation import headlines
from figures_app.selectors.basis import ALL
from figures_app.selectors.release_data import press_line
from figures_app.selectors.totals import metric_totals
from requests_app.models.campaigns import RoundingRule

from .conftest import enter


@pytest.mark.parametrize(
    ("label", "noun"),
    [
        ("Online child sex offences recorded", "online child sex offences"),
        (
            "Number of sexual communication with a child offences",
            "sexual communication with a child offences",
        ),
        ("Recorded rapes of children under 13", "rapes of children under 13"),
        ("Children reported missing", "children reported missing"),
        ("Offences", "offences"),
        ("Online-flagged child sex offences", "online-flagged child sex offences"),
        ("Total number of offences recorded by police", "offences"),
        ("Count of stalking offences reported", "stalking offences"),
        ("The number of recorded s.15A offences", "s.15A offences"),
        ("CSE offences", "CSE offences"),
        ("  Offences  recorded. ", "offences"),
    ],
)
def test_it_finds_what_a_metric_counts(label, noun):
    assert counted_noun(label) == noun


def test_it_keeps_a_name_that_is_only_a_count_word():
    assert counted_noun("Recorded") == "recorded"
    assert counted_noun("") == ""


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        (
            "Online child sex offences recorded",
            "Police recorded 424 online child sex offences in 2016/17, from 2 of 43 forces asked",
        ),
        (
            "Number of sexual communication with a child offences",
            "Police recorded 424 sexual communication with a child offences in 2016/17, from 2",
        ),
        (
            "Recorded rapes of children under 13",
            "Police recorded 424 rapes of children under 13 in 2016/17, from 2",
        ),
        (
            "Children reported missing",
            "Police recorded 424 children reported missing in 2016/17, from 2",
        ),
        ("Offences", "Police recorded 424 offences in 2016/17, from 2"),
    ],
)
@pytest.mark.django_db
def test_the_headline_reads_as_english(campaign, metric, staff, label, expected):
    metric.label = label
    metric.save(update_fields=["label"])
    enter(campaign, staff, [("Kent", "2016/17", 361), ("Essex", "2016/17", 63)])
    totals = metric_totals(metric=metric, basis=ALL, today=timezone.localdate())
    first = headlines(totals)[0]
    assert first.startswith(expected)
    assert "recorded in" not in first and "number of" not in first.lower()


def test_the_press_line_uses_the_same_words():
    metric = {
        "noun": counted_noun("Online child sex offences recorded"),
        "periods": [{"period": "2016/17"}],
    }
    kent = {
        "force": "Kent Police",
        "values": {"2016/17": 1243},
        "suppressed_cells": {},
        "upper": {},
        "reasons": {},
    }
    assert press_line(kent, metric, RoundingRule.DOWN) == (
        "Kent Police recorded 1,243 online child sex offences in 2016/17."
    )


# "1 offences" reads "1 offence" (issue 27): the noun the phrase counts is made singular, wherever
# it sits in the phrase.
@pytest.mark.parametrize(
    ("label", "one", "many"),
    [
        (
            "Online child sex offences recorded",
            "1 online child sex offence",
            "2 online child sex offences",
        ),
        (
            "Number of sexual communication with a child offences",
            "1 sexual communication with a child offence",
            "2 sexual communication with a child offences",
        ),
        (
            "Recorded rapes of children under 13",
            "1 rape of children under 13",
            "2 rapes of children under 13",
        ),
        ("Children reported missing", "1 child reported missing", "2 children reported missing"),
        ("Offences", "1 offence", "2 offences"),
        ("CSE offences", "1 CSE offence", "2 CSE offences"),
        (
            "Offences against children aged under 16",
            "1 offence against children aged under 16",
            "2 offences against children aged under 16",
        ),
        (
            "Sexual offences with an online flag",
            "1 sexual offence with an online flag",
            "2 sexual offences with an online flag",
        ),
        ("Stop and searches", "1 stop and search", "2 stop and searches"),
        ("People arrested", "1 person arrested", "2 people arrested"),
        (
            "Cases of child sexual exploitation",
            "1 case of child sexual exploitation",
            "2 cases of child sexual exploitation",
        ),
    ],
)
def test_one_is_singular_and_many_plural(label, one, many):
    noun = counted_noun(label)
    assert number_noun(1, noun) == one
    assert number_noun(2, noun) == many
    assert number_noun(1243, noun).startswith("1,243 ")


@pytest.mark.django_db
def test_a_headline_and_press_line_of_one_are_singular(campaign, metric, staff):
    metric.label = "Recorded rapes of children under 13"
    metric.save(update_fields=["label"])
    enter(campaign, staff, [("Kent", "2016/17", 1, 13)])
    totals = metric_totals(metric=metric, basis=ALL, today=timezone.localdate())
    text = " ".join(headlines(totals))
    assert text.startswith("Police recorded 1 rape of children under 13 in 2016/17")
    assert "(1 offence)" in text and "1 offences" not in text  # the unit, where age was recorded
    kent = {
        "force": "Kent Police",
        "values": {"2016/17": 1},
        "suppressed_cells": {},
        "upper": {},
        "reasons": {},
    }
    line = press_line(
        kent,
        {"noun": counted_noun(metric.label), "periods": [{"period": "2016/17"}]},
        RoundingRule.DOWN,
    )
    assert line == "Kent Police recorded 1 rape of children under 13 in 2016/17."
