"""The range parser (figures_app/ranges.py): every form forces write, and what it refuses."""

import pytest

from figures_app.ranges import Range, bands_problems, first_overlap, first_overlaps, parse_range


@pytest.mark.parametrize(
    ("text", "low", "high", "value"),
    [
        ("13", 13, 13, "13"),
        ("07", 7, 7, "7"),
        ("thirteen", 13, 13, "13"),
        ("0-10", 0, 10, "0-10"),
        ("0 - 10", 0, 10, "0-10"),
        ("0 to 10", 0, 10, "0-10"),
        ("0–10", 0, 10, "0-10"),
        ("0—10", 0, 10, "0-10"),
        ("between 11 and 15", 11, 15, "11-15"),
        ("aged 11-15", 11, 15, "11-15"),
        ("11-15 years", 11, 15, "11-15"),
        ("eleven to fifteen", 11, 15, "11-15"),
        ("under 10", 0, 9, "0-9"),
        ("Under 13", 0, 12, "0-12"),
        ("less than 13", 0, 12, "0-12"),
        ("10 and under", 0, 10, "0-10"),
        ("ten and under", 0, 10, "0-10"),
        ("aged 10 and under", 0, 10, "0-10"),
        ("Aged ten and under", 0, 10, "0-10"),
        ("10 or under", 0, 10, "0-10"),
        ("up to 10", 0, 10, "0-10"),
        ("16+", 16, None, "16+"),
        ("16 +", 16, None, "16+"),
        ("16 and over", 16, None, "16+"),
        ("sixteen and over", 16, None, "16+"),
        ("16 or older", 16, None, "16+"),
        ("over 15", 16, None, "16+"),
        ("above 15", 16, None, "16+"),
        ("twenty", 20, 20, "20"),
        ("zero", 0, 0, "0"),
        ("5-5", 5, 5, "5"),
    ],
)
def test_it_parses_what_forces_write(text, low, high, value):
    rng = parse_range(text)
    assert rng is not None
    assert (rng.low, rng.high, rng.value) == (low, high, value)
    assert rng.label == text


@pytest.mark.parametrize("text", ["unknown", "Unknown", "not recorded", "Not known", "age unknown"])
def test_it_reads_unknown(text):
    rng = parse_range(text)
    assert rng is not None and rng.is_unknown and rng.value == "unknown"


@pytest.mark.parametrize(
    "text", ["10-5", "abc-def", "rape", "", "  ", "under 0", "ten-ish", "1-2-3", "-3", "over"]
)
def test_it_refuses_what_is_not_a_range(text):
    assert parse_range(text) is None


def test_covers_and_overlaps_use_the_maximum_for_open_ranges():
    over = parse_range("16+")
    assert over.covers(17, maximum=17)
    assert not over.covers(Range(16, 18), maximum=17)
    assert over.covers(Range(16, 18))  # no maximum: open to infinity
    assert parse_range("0-10").covers(parse_range("ten and under"))
    assert not parse_range("0-10").covers(parse_range("under 13"))
    assert parse_range("11-15").overlaps(parse_range("0-12"))
    assert not parse_range("11-15").overlaps(parse_range("0-10"))
    assert parse_range("14-17").overlaps(parse_range("over 15"))
    assert not parse_range("unknown").overlaps(parse_range("0-17"))


def test_first_overlap_names_both_places():
    lines = [(5, parse_range("0-12")), (6, parse_range("unknown")), (7, parse_range("11-15"))]
    where, rng, where_before, before = first_overlap(lines)
    assert (where, rng.value, where_before, before.value) == (7, "11-15", 5, "0-12")
    assert first_overlap([(1, parse_range("0-10")), (2, parse_range("11+"))]) is None


def test_bands_problems():
    assert bands_problems(["0-10", "11-12", "13", "14-15", "16-17"], 17) == []
    assert bands_problems(["0-10", "11+"], 17) == []
    assert bands_problems(["0-10", "abc"], 17) == [
        "'abc' is not a number or a range such as 0-10, 16+ or under 13."
    ]
    assert bands_problems(["0-12", "11-15"], 17) == ["'11-15' overlaps '0-12'."]
    assert bands_problems(["0-10", "16-20"], 17) == ["'16-20' goes beyond the maximum, 17."]


def test_first_overlaps_compares_within_each_group_only():
    entries = [
        ("kent", 1, parse_range("0-12")),
        ("essex", 2, parse_range("11-15")),
        ("kent", 3, parse_range("11-15")),
        ("kent", 4, parse_range("16+")),
    ]
    found = [(w, r.value, wb, b.value) for w, r, wb, b in first_overlaps(entries)]
    assert found == [(3, "11-15", 1, "0-12")]
