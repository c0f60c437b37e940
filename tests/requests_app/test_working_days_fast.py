"""The constant-time working-day arithmetic against a plain day-by-day walk, and the per-process
calendar cache (requests_app/calendars.py) and what makes it rebuild.

The reference below is deliberately naive and independent of WorkingCalendar: a day is a working
day unless it is a Saturday or Sunday, a day added by hand, or in `statutory_holidays` for its
year (the definition in DOMAIN.md section 2). Any disagreement fails with the inputs in the
message; the seeds are fixed so a failure reproduces.
"""

import random
from datetime import date, timedelta

import pytest
from django.db import connection

from requests_app import calendars as calendars_module
from requests_app.calendars import calendar_for, calendars
from requests_app.deadlines import FOIA, FOISA, WorkingCalendar, statutory_holidays
from requests_app.models import NonWorkingDay

D = date
FIRST, LAST = D(2015, 1, 1), D(2035, 12, 31)
# Weekdays, a Saturday, a day that is already a bank holiday, a year end, a far-off year.
EXTRA = {
    D(2022, 9, 19): "already a bank holiday (state funeral)",
    D(2024, 6, 10): "Proclaimed Monday",
    D(2024, 6, 11): "Proclaimed Tuesday",
    D(2023, 5, 13): "A Saturday",
    D(2025, 12, 31): "Year end",
    D(2026, 3, 20): "A Friday",
    D(2031, 1, 2): "Thursday after New Year",
    D(2099, 3, 3): "Far off",
}


def ref_is_working(law: str, extra: dict, day: date) -> bool:
    return not (day.weekday() >= 5 or day in extra or day in statutory_holidays(law, day.year))


def ref_add(law: str, extra: dict, start: date, count: int, paused=None) -> date:
    day, counted = start, 0
    while counted < count:
        day += timedelta(days=1)
        if not ref_is_working(law, extra, day):
            continue
        if paused and paused[0] <= day <= paused[1]:
            continue
        counted += 1
    return day


def ref_between(law: str, extra: dict, start: date, end: date) -> int:
    if end < start:
        return -ref_between(law, extra, end, start)
    return sum(
        ref_is_working(law, extra, start + timedelta(days=i))
        for i in range(1, (end - start).days + 1)
    )


def random_day(rng: random.Random, first: date = FIRST, last: date = LAST) -> date:
    return first + timedelta(days=rng.randrange((last - first).days + 1))


CASES = [(law, extra) for law in (FOIA, FOISA) for extra in ({}, EXTRA)]
CASE_IDS = [f"{law}-{'extra' if extra else 'statutory'}" for law, extra in CASES]


@pytest.mark.parametrize("law, extra", CASES, ids=CASE_IDS)
def test_it_adds_working_days_as_the_walk_does(law, extra):
    rng = random.Random(f"add-{law}-{len(extra)}")
    for i in range(1500):
        if i % 100 == 0:
            # A new calendar now and then, so the holidays load from different first years.
            cal = WorkingCalendar(law, extra)
        start = random_day(rng)
        count = rng.choice([0, 1, 2, 3, 5, 20, 40, rng.randrange(0, 90), rng.randrange(0, 400)])
        expected = ref_add(law, extra, start, count)
        assert cal.add_working_days(start, count) == expected, (law, start, count)


@pytest.mark.parametrize("law, extra", CASES, ids=CASE_IDS)
def test_it_adds_working_days_around_a_pause_as_the_walk_does(law, extra):
    rng = random.Random(f"pause-{law}-{len(extra)}")
    cal = WorkingCalendar(law, extra)
    for _ in range(1500):
        start = random_day(rng)
        count = rng.choice([0, 1, 20, 40, rng.randrange(0, 60)])
        # Pauses before, across, inside and after the count; empty (first > last) ones too.
        first = start + timedelta(days=rng.randrange(-30, 70))
        paused = (first, first + timedelta(days=rng.randrange(-3, 45)))
        expected = ref_add(law, extra, start, count, paused)
        assert cal.add_working_days(start, count, paused=paused) == expected, (start, count, paused)


@pytest.mark.parametrize("law, extra", CASES, ids=CASE_IDS)
def test_it_counts_working_days_between_as_the_walk_does(law, extra):
    rng = random.Random(f"between-{law}-{len(extra)}")
    cal = WorkingCalendar(law, extra)
    for _ in range(1500):
        start = random_day(rng)
        end = start + timedelta(days=rng.choice([0, 1, -1, rng.randrange(-450, 450)]))
        assert cal.working_days_between(start, end) == ref_between(law, extra, start, end), (
            start,
            end,
        )


@pytest.mark.parametrize("law, extra", CASES, ids=CASE_IDS)
def test_it_knows_every_working_day_from_2015_to_2035(law, extra):
    cal = WorkingCalendar(law, extra)
    day = FIRST
    while day <= LAST:
        assert cal.is_working_day(day) == ref_is_working(law, extra, day), day
        assert (cal.non_working_reason(day) is None) == ref_is_working(law, extra, day), day
        day += timedelta(days=1)


@pytest.mark.parametrize("law", [FOIA, FOISA])
def test_it_agrees_with_the_walk_far_from_the_years_loaded_first(law):
    """A calendar first used in 2024 then asked about 1950, 2150 and spans across decades."""
    cal = WorkingCalendar(law, EXTRA)
    assert cal.add_working_days(D(2024, 1, 5), 20) == ref_add(law, EXTRA, D(2024, 1, 5), 20)
    rng = random.Random(f"far-{law}")
    for _ in range(150):
        start = random_day(rng, D(1940, 1, 1), D(2160, 12, 31))
        count = rng.choice([1, 20, rng.randrange(0, 3000)])
        assert cal.add_working_days(start, count) == ref_add(law, EXTRA, start, count), (
            start,
            count,
        )
        end = start + timedelta(days=rng.randrange(-4000, 4000))
        assert cal.working_days_between(start, end) == ref_between(law, EXTRA, start, end)


def test_it_keeps_the_walks_answers_on_weekends_holidays_and_year_ends():
    cal = WorkingCalendar(FOIA)
    # Received on Christmas Day 2027 (Saturday): substitutes Mon 27, Tue 28 Dec; 3 Jan 2028 for
    # New Year (Saturday) and Scotland's 4 Jan.
    assert cal.add_working_days(D(2027, 12, 25), 1) == D(2027, 12, 29)
    assert cal.add_working_days(D(2027, 12, 25), 3) == D(2027, 12, 31)
    assert cal.add_working_days(D(2027, 12, 25), 4) == D(2028, 1, 5)
    assert cal.working_days_between(D(2027, 12, 24), D(2028, 1, 5)) == 4
    assert cal.working_days_between(D(2028, 1, 5), D(2027, 12, 24)) == -4
    # Between two non-working days with none in between.
    assert cal.working_days_between(D(2027, 12, 25), D(2027, 12, 28)) == 0


def test_a_cached_calendar_cannot_be_changed_by_a_caller():
    cal = WorkingCalendar(FOIA, {D(2024, 6, 10): "Proclaimed"})
    with pytest.raises(TypeError):
        cal.extra_days[D(2024, 6, 11)] = "Another"  # type: ignore[index]


# The per-process cache ---------------------------------------------------------------------


@pytest.fixture
def fresh_cache():
    calendars_module.clear_cache()
    yield
    calendars_module.clear_cache()


def test_it_builds_the_calendars_once_and_reuses_them(db, fresh_cache, django_assert_num_queries):
    first = calendars()
    with django_assert_num_queries(1):
        again = calendars()
    assert again[FOIA] is first[FOIA] and again[FOISA] is first[FOISA]
    assert calendar_for(FOISA) is first[FOISA]


def test_it_rebuilds_when_a_day_is_added_changed_or_deleted(db, fresh_cache):
    monday = D(2024, 6, 10)
    before = calendars()
    assert before[FOIA].is_working_day(monday)

    day = NonWorkingDay.objects.create(date=monday, applies_to="all", description="Proclaimed")
    added = calendars()
    assert added[FOIA] is not before[FOIA]
    assert not added[FOIA].is_working_day(monday) and not added[FOISA].is_working_day(monday)
    assert added[FOIA].add_working_days(D(2024, 6, 7), 1) == D(2024, 6, 11)

    day.applies_to = "foisa"
    day.description = "Scottish only"
    day.save()
    changed = calendars()
    assert changed[FOIA].is_working_day(monday)
    assert changed[FOISA].non_working_reason(monday) == "Scottish only"

    day.delete()
    assert calendars()[FOISA].is_working_day(monday)


def test_it_sees_a_change_made_behind_its_back(db, fresh_cache):
    """Another process (a second gunicorn worker, Celery, a restore) writes the table: no signal
    reaches this one and no shared cache is bumped. Simulated with SQL that bypasses the ORM."""
    tuesday = D(2024, 6, 11)
    assert calendars()[FOIA].is_working_day(tuesday)
    table = NonWorkingDay._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (date, applies_to, description) VALUES (%s, %s, %s)",
            [tuesday, "foia", "Proclaimed elsewhere"],
        )
    assert not calendars()[FOIA].is_working_day(tuesday)
    assert calendars()[FOISA].is_working_day(tuesday)
    # A description changed with update() (no save(), no signal) is seen too.
    NonWorkingDay.objects.filter(date=tuesday).update(description="Renamed elsewhere")
    assert calendars()[FOIA].non_working_reason(tuesday) == "Renamed elsewhere"
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table}")
    assert calendars()[FOIA].is_working_day(tuesday)


def test_it_hands_each_caller_its_own_dict(db, fresh_cache):
    cals = calendars()
    cals.pop(FOISA)
    assert FOISA in calendars()
