"""The legal clock (DOMAIN.md section 2), checked against dates worked out by hand.

Every expected date below was counted on a paper calendar with the gov.uk bank holiday lists for
England and Wales, Scotland and Northern Ireland; none is recomputed with the code under test.
Day 0 is the day of receipt (whatever day of the week), day 1 the first working day after it.
FOIA skips the bank holidays of every part of the UK; FOISA only Scotland's.
"""

from datetime import date

import pytest

from requests_app.deadlines import (
    FOIA,
    FOISA,
    ClockFacts,
    WorkingCalendar,
    add_months,
    compute_deadlines,
    due_date,
    statutory_holidays,
)

D = date


def foia_due(received: date) -> date:
    return WorkingCalendar(FOIA).add_working_days(received, 20)


def foisa_due(received: date) -> date:
    return WorkingCalendar(FOISA).add_working_days(received, 20)


# (received, FOIA due, FOISA due, why)
DUE_DATES = [
    # Plain weeks, no holidays anywhere in the UK.
    (D(2024, 6, 3), D(2024, 7, 1), D(2024, 7, 1), "Monday receipt, June 2024"),
    (D(2024, 1, 31), D(2024, 2, 28), D(2024, 2, 28), "month end, Jan -> Feb (leap year)"),
    (D(2023, 1, 31), D(2023, 2, 28), D(2023, 2, 28), "month end, Jan -> Feb"),
    (D(2025, 9, 30), D(2025, 10, 28), D(2025, 10, 28), "month end, Sep -> Oct"),
    # 29 Feb 2024: St Patrick's (observed, Mon 18 Mar) and Easter Monday (1 Apr) stop FOIA only.
    (D(2024, 2, 29), D(2024, 4, 2), D(2024, 3, 28), "leap day; NI 18 Mar; Easter"),
    # Christmas/New Year 2024-25: 25, 26 Dec, 1 Jan and Scotland's 2 Jan skipped by both laws.
    (D(2024, 12, 20), D(2025, 1, 23), D(2025, 1, 23), "Christmas 2024, 2 Jan is Scottish"),
    (D(2023, 12, 29), D(2024, 1, 30), D(2024, 1, 30), "New Year 2024 with 2 Jan"),
    (D(2025, 12, 31), D(2026, 1, 30), D(2026, 1, 30), "year end 2025, 1 and 2 Jan 2026"),
    # Christmas on a Saturday (2021): substitute Mon 27 and Tue 28 Dec; New Year on a Saturday:
    # Mon 3 Jan (all) and Tue 4 Jan (Scotland's 2 Jan fell on Sunday).
    (D(2021, 12, 17), D(2022, 1, 20), D(2022, 1, 20), "weekend Christmas 2021 + 3, 4 Jan 2022"),
    # Christmas on a Sunday (2022): Boxing Day Mon 26, substitute Tue 27; New Year on a Sunday:
    # Mon 2 Jan (all), Tue 3 Jan (Scotland).
    (D(2022, 12, 23), D(2023, 1, 26), D(2023, 1, 26), "weekend Christmas 2022 + 2, 3 Jan 2023"),
    # Easter 2025: Good Friday 18 Apr (all UK), Easter Monday 21 Apr (not Scotland), May Day 5 May.
    (D(2025, 4, 11), D(2025, 5, 14), D(2025, 5, 13), "Easter 2025"),
    # First Monday of August (Scotland, 5 Aug 2024) stops FOIA; the English-only late summer
    # holiday (26 Aug 2024) does not stop FOISA.
    (D(2024, 7, 26), D(2024, 8, 27), D(2024, 8, 26), "Scottish summer + English late August"),
    # St Andrew's Day Thu 30 Nov 2023 pushes FOIA's day 20 past Christmas.
    (D(2023, 11, 24), D(2023, 12, 27), D(2023, 12, 27), "St Andrew's Day 2023"),
    # St Andrew's Day on Saturday 30 Nov 2024: substitute Monday 2 Dec.
    (D(2024, 11, 29), D(2025, 1, 3), D(2025, 1, 3), "St Andrew's Day substitute 2 Dec 2024"),
    # Northern Ireland: 17 Mar 2025 (Monday) stops FOIA, not FOISA.
    (D(2025, 3, 14), D(2025, 4, 14), D(2025, 4, 11), "St Patrick's Day 2025"),
    # 12 Jul 2024 (Fri, NI) and 5 Aug 2024 (Scotland) stop FOIA; FOISA reaches day 20 on 2 Aug.
    (D(2024, 7, 5), D(2024, 8, 6), D(2024, 8, 2), "Twelfth 2024 + Scottish August"),
    # 12 Jul 2025 was a Saturday: substitute Monday 14 Jul (NI); then Scotland's 4 Aug.
    (D(2025, 7, 11), D(2025, 8, 12), D(2025, 8, 11), "Twelfth substitute 2025"),
    # 12 Jul 2023 (Wed, NI) and Scotland's 7 Aug 2023.
    (D(2023, 7, 7), D(2023, 8, 8), D(2023, 8, 4), "Twelfth 2023 + Scottish August"),
    # One-off proclaimed days.
    (D(2022, 9, 16), D(2022, 10, 17), D(2022, 10, 17), "State funeral 19 Sep 2022"),
    (D(2023, 4, 28), D(2023, 5, 31), D(2023, 5, 31), "May Day, Coronation 8 May, Spring 2023"),
    # 2022: spring bank holiday moved to Thu 2 Jun, Platinum Jubilee Fri 3 Jun; Mon 30 May worked.
    (D(2022, 5, 27), D(2022, 6, 28), D(2022, 6, 28), "Platinum Jubilee 2022"),
    # Weekend receipt (ICO LTT47): received on the Saturday/Sunday itself; Monday is day 1, so
    # Friday, Saturday and Sunday receipts share a due date.
    (D(2024, 5, 31), D(2024, 6, 28), D(2024, 6, 28), "Friday receipt"),
    (D(2024, 6, 1), D(2024, 6, 28), D(2024, 6, 28), "Saturday receipt"),
    (D(2024, 6, 2), D(2024, 6, 28), D(2024, 6, 28), "Sunday receipt"),
    (D(2025, 5, 3), D(2025, 6, 3), D(2025, 6, 3), "Saturday receipt before May Day"),
    # Received on a bank holiday: that day is day 0.
    (D(2025, 4, 21), D(2025, 5, 20), D(2025, 5, 20), "received on Easter Monday 2025"),
]


@pytest.mark.parametrize(
    "received, foia, foisa", [c[:3] for c in DUE_DATES], ids=[c[3] for c in DUE_DATES]
)
def test_it_computes_the_20th_working_day(received, foia, foisa):
    assert foia_due(received) == foia
    assert foisa_due(received) == foisa
    assert due_date(received, FOIA)[0] == foia
    assert due_date(received, FOISA)[0] == foisa


@pytest.mark.parametrize(
    "day, foia_working, foisa_working",
    [
        (D(2024, 1, 2), False, False),  # 2 Jan: Scotland
        (D(2024, 3, 18), False, True),  # St Patrick's Day (observed): NI only
        (D(2025, 3, 17), False, True),  # St Patrick's Day: NI only
        (D(2024, 7, 12), False, True),  # Battle of the Boyne: NI only
        (D(2025, 7, 14), False, True),  # Boyne substitute day
        (D(2025, 4, 18), False, False),  # Good Friday
        (D(2025, 4, 21), False, True),  # Easter Monday: not a Scottish bank holiday
        (D(2024, 8, 5), False, False),  # first Monday of August: Scotland
        (D(2024, 8, 26), False, True),  # late summer: England, Wales, NI
        (D(2023, 11, 30), False, False),  # St Andrew's Day
        (D(2024, 12, 2), False, False),  # St Andrew's Day substitute
        (D(2021, 12, 27), False, False),  # Christmas substitute
        (D(2021, 12, 28), False, False),  # Boxing Day substitute
        (D(2021, 12, 24), True, True),  # Christmas Eve is a working day
        (D(2022, 1, 4), False, False),  # Scotland's 2 Jan substitute
        (D(2022, 5, 30), True, True),  # moved spring bank holiday: worked in 2022
        (D(2022, 6, 2), False, False),
        (D(2022, 6, 3), False, False),  # Platinum Jubilee
        (D(2022, 9, 19), False, False),  # State funeral
        (D(2023, 5, 8), False, False),  # Coronation
        (D(2024, 6, 1), False, False),  # Saturday
        (D(2024, 6, 2), False, False),  # Sunday
        (D(2024, 6, 3), True, True),
    ],
)
def test_it_knows_which_days_are_working_days(day, foia_working, foisa_working):
    assert WorkingCalendar(FOIA).is_working_day(day) is foia_working
    assert WorkingCalendar(FOISA).is_working_day(day) is foisa_working


def test_it_lists_the_days_it_skipped_with_reasons():
    due, skipped = due_date(D(2024, 12, 20), FOIA)
    assert due == D(2025, 1, 23)
    assert [day for day, _ in skipped] == [
        D(2024, 12, 21), D(2024, 12, 22), D(2024, 12, 25), D(2024, 12, 26),
        D(2024, 12, 28), D(2024, 12, 29), D(2025, 1, 1), D(2025, 1, 2),
        D(2025, 1, 4), D(2025, 1, 5), D(2025, 1, 11), D(2025, 1, 12),
        D(2025, 1, 18), D(2025, 1, 19),
    ]  # fmt: skip
    reasons = dict(skipped)
    assert reasons[D(2024, 12, 21)] == "Saturday"
    assert reasons[D(2024, 12, 22)] == "Sunday"
    assert "Christmas" in reasons[D(2024, 12, 25)]
    assert "Boxing" in reasons[D(2024, 12, 26)]
    assert "New Year" in reasons[D(2025, 1, 2)]


def test_it_names_a_holiday_that_falls_on_a_weekend():
    reason = WorkingCalendar(FOIA).non_working_reason(D(2021, 12, 25))
    assert reason.startswith("Saturday") and "Christmas" in reason


def test_it_uses_the_union_of_all_four_nations_for_foia_not_the_common_days():
    foia = statutory_holidays(FOIA, 2024)
    foisa = statutory_holidays(FOISA, 2024)
    assert {D(2024, 1, 2), D(2024, 3, 18), D(2024, 7, 12), D(2024, 8, 5), D(2024, 8, 26)} <= set(
        foia
    )
    assert D(2024, 1, 2) in foisa and D(2024, 8, 5) in foisa and D(2024, 12, 2) in foisa
    assert not {D(2024, 3, 18), D(2024, 7, 12), D(2024, 8, 26), D(2024, 4, 1)} & set(foisa)
    # 8 England and Wales + 2 Jan, 5 Aug, 30 Nov (Sat), 2 Dec (SCT) + 17 Mar (Sun), 18 Mar, 12 Jul.
    assert len(foia) == 15
    assert len(foisa) == 10


@pytest.mark.parametrize(
    "start, end, law, expected",
    [
        (D(2024, 12, 20), D(2025, 1, 23), FOIA, 20),
        (D(2025, 1, 23), D(2024, 12, 20), FOIA, -20),
        (D(2024, 6, 3), D(2024, 6, 3), FOIA, 0),
        (D(2024, 6, 1), D(2024, 6, 3), FOIA, 1),  # Saturday -> Monday
        (D(2025, 3, 14), D(2025, 3, 21), FOIA, 4),  # 17 Mar skipped
        (D(2025, 3, 14), D(2025, 3, 21), FOISA, 5),
        (D(2024, 7, 26), D(2024, 8, 27), FOIA, 20),
        (D(2024, 7, 26), D(2024, 8, 27), FOISA, 21),
    ],
)
def test_it_counts_working_days_between_two_dates(start, end, law, expected):
    assert WorkingCalendar(law).working_days_between(start, end) == expected


def test_it_skips_a_day_added_by_hand():
    cal = WorkingCalendar(FOIA, {D(2024, 6, 10): "Proclaimed holiday"})
    assert cal.add_working_days(D(2024, 6, 3), 20) == D(2024, 7, 2)
    assert cal.non_working_reason(D(2024, 6, 10)) == "Proclaimed holiday"
    assert due_date(D(2024, 6, 3), FOIA, {D(2024, 6, 10): "x"})[0] == D(2024, 7, 2)
    assert WorkingCalendar(FOIA).add_working_days(D(2024, 6, 3), 20) == D(2024, 7, 1)


def test_it_refuses_an_unknown_law_and_a_negative_count():
    with pytest.raises(ValueError):
        WorkingCalendar("gdpr")
    with pytest.raises(ValueError):
        WorkingCalendar(FOIA).add_working_days(D(2024, 6, 3), -1)
    with pytest.raises(ValueError):
        compute_deadlines(ClockFacts(law=FOISA, received_on=D(2024, 6, 3)), WorkingCalendar(FOIA))


@pytest.mark.parametrize(
    "day, months, expected",
    [
        (D(2024, 6, 10), 3, D(2024, 9, 10)),
        (D(2024, 11, 30), 3, D(2025, 2, 28)),
        (D(2023, 11, 30), 3, D(2024, 2, 29)),
        (D(2024, 8, 31), 6, D(2025, 2, 28)),
        (D(2024, 10, 31), 3, D(2025, 1, 31)),
    ],
)
def test_it_adds_months_clamping_to_the_month_end(day, months, expected):
    assert add_months(day, months) == expected


# --- compute_deadlines -------------------------------------------------------------------------


def deadlines(law=FOIA, **facts):
    return compute_deadlines(ClockFacts(law=law, **facts), WorkingCalendar(law))


def test_it_has_no_dates_before_the_request_is_received():
    d = deadlines()
    assert d.clock_started_on is None
    assert d.response_due_on is None and d.response_long_overdue_on is None
    assert d.review_due_on is None and d.complaint_window_closes_on is None


def test_it_gives_the_response_and_long_overdue_dates():
    d = deadlines(received_on=D(2024, 6, 3))
    assert d.clock_started_on == D(2024, 6, 3)
    assert d.response_due_on == D(2024, 7, 1)
    # 40th working day: 12 Jul (NI) skipped under FOIA.
    assert d.response_long_overdue_on == D(2024, 7, 30)
    assert d.pit_limit_on == D(2024, 7, 30)
    d = deadlines(FOISA, received_on=D(2024, 6, 3))
    assert d.response_long_overdue_on == D(2024, 7, 29)
    assert d.pit_limit_on is None


def test_it_stops_the_clock_while_clarification_is_awaited():
    d = deadlines(received_on=D(2024, 6, 3), clarification_requested_on=D(2024, 6, 5))
    assert d.response_due_on is None and d.response_long_overdue_on is None


@pytest.mark.parametrize("law", [FOIA, FOISA])
def test_it_restarts_the_clock_from_the_clarification(law):
    d = deadlines(
        law,
        received_on=D(2024, 6, 3),
        clarification_requested_on=D(2024, 6, 5),
        clarification_received_on=D(2024, 6, 12),
    )
    assert d.clock_started_on == D(2024, 6, 12)
    assert d.response_due_on == D(2024, 7, 10)


def test_it_stops_the_clock_again_for_a_second_clarification():
    d = deadlines(
        received_on=D(2024, 6, 3),
        clarification_requested_on=D(2024, 6, 20),
        clarification_received_on=D(2024, 6, 12),
    )
    assert d.response_due_on is None


@pytest.mark.parametrize(
    "notice, paid, expected",
    [
        # Mon 10 - Fri 14 Jun disregarded (5 working days): due Mon 8 Jul instead of Mon 1 Jul.
        (D(2024, 6, 10), D(2024, 6, 14), D(2024, 7, 8)),
        # Notice and payment on the same day: that one day is disregarded.
        (D(2024, 6, 10), D(2024, 6, 10), D(2024, 7, 2)),
        # Notice Fri 7, paid Mon 10: 2 working days disregarded.
        (D(2024, 6, 7), D(2024, 6, 10), D(2024, 7, 3)),
        # Notice Fri 28 Jun, paid Mon 15 Jul (12 Jul is NI): 4-7 Jun (4), 10-14 (9), 17-21 (14),
        # 24-27 (18), then 16, 17 Jul (20).
        (D(2024, 6, 28), D(2024, 7, 15), D(2024, 7, 17)),
    ],
)
def test_it_disregards_the_fee_period_inclusive(notice, paid, expected):
    d = deadlines(received_on=D(2024, 6, 3), fee_notice_on=notice, fee_paid_on=paid)
    assert d.response_due_on == expected
    assert d.fee_lapses_on is None


def test_it_has_no_due_date_while_a_fee_is_unpaid_and_lapses_after_three_months():
    d = deadlines(received_on=D(2024, 6, 3), fee_notice_on=D(2024, 6, 10))
    assert d.response_due_on is None
    assert d.response_long_overdue_on is None
    assert d.fee_lapses_on == D(2024, 9, 10)
    d = deadlines(received_on=D(2024, 11, 4), fee_notice_on=D(2024, 11, 29))
    assert d.fee_lapses_on == D(2025, 2, 28)


@pytest.mark.parametrize(
    "estimated, beyond",
    [
        (D(2024, 7, 15), False),
        (D(2024, 7, 30), False),  # exactly the 40th working day
        (D(2024, 7, 31), True),
        (D(2024, 9, 1), True),
    ],
)
def test_it_flags_a_public_interest_extension_beyond_40_working_days(estimated, beyond):
    d = deadlines(
        received_on=D(2024, 6, 3), pit_extension_on=D(2024, 6, 28), pit_estimated_on=estimated
    )
    assert d.pit_limit_on == D(2024, 7, 30)
    assert d.pit_beyond_limit is beyond
    assert d.response_due_on == D(2024, 7, 1)


def test_it_never_flags_pit_under_foisa():
    d = deadlines(FOISA, received_on=D(2024, 6, 3), pit_estimated_on=D(2025, 1, 1))
    assert d.pit_beyond_limit is False


@pytest.mark.parametrize(
    "law, requested, due, long_overdue",
    [
        (FOIA, D(2024, 6, 3), D(2024, 7, 1), D(2024, 7, 30)),
        (FOISA, D(2024, 6, 3), D(2024, 7, 1), D(2024, 7, 29)),
        # Christmas 2024 + 2 Jan: day 20 Thu 23 Jan, day 40 Thu 20 Feb 2025.
        (FOIA, D(2024, 12, 20), D(2025, 1, 23), D(2025, 2, 20)),
    ],
)
def test_it_gives_the_internal_review_dates(law, requested, due, long_overdue):
    d = deadlines(
        law, received_on=D(2024, 5, 1), answered_on=D(2024, 5, 20), review_requested_on=requested
    )
    assert d.review_due_on == due
    assert d.review_long_overdue_on == long_overdue


def test_it_gives_the_window_to_ask_for_a_review():
    # 40 working days after the answer.
    assert deadlines(answered_on=D(2024, 6, 3)).review_request_by == D(2024, 7, 30)
    assert deadlines(FOISA, answered_on=D(2024, 6, 3)).review_request_by == D(2024, 7, 29)
    assert deadlines().review_request_by is None


@pytest.mark.parametrize(
    "law, review_answered, closes",
    [
        (FOIA, D(2024, 6, 3), D(2024, 7, 15)),  # ICO: 6 weeks
        (FOIA, D(2024, 12, 20), D(2025, 1, 31)),
        (FOISA, D(2024, 6, 3), D(2024, 12, 3)),  # SIC: 6 months
        (FOISA, D(2024, 8, 31), D(2025, 2, 28)),
    ],
)
def test_it_gives_the_commissioner_complaint_window(law, review_answered, closes):
    assert deadlines(law, review_answered_on=review_answered).complaint_window_closes_on == closes
