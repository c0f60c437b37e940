"""Every date the law sets for a request, as pure functions (DOMAIN.md section 2).

FOIA 2000 s.10(6): a working day is any day but Saturday, Sunday, Christmas Day, Good Friday or a
bank holiday under the Banking and Financial Dealings Act 1971 in *any part of the UK*, so the
calendar for FOIA is the union of the English, Welsh, Scottish and Northern Irish bank holidays.
FOISA 2002 s.73: Scottish bank holidays only. Days added by hand (a newly proclaimed holiday) are
passed in as `extra_days`; loading them from the database is `calendars.calendar_for`.

Counting rule (s.10(1), ICO LTT47): the day of receipt is day 0 whatever day it is, day 1 is the
first working day after it, and the answer is due on day 20.
"""

from __future__ import annotations

import calendar as _calendar
from bisect import bisect_right
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from types import MappingProxyType

import holidays

FOIA = "foia"
FOISA = "foisa"
LAWS = (FOIA, FOISA)

RESPONSE_WORKING_DAYS = 20
# "Long overdue": the ICO treats 40 working days as the outer limit for any answer.
LONG_OVERDUE_WORKING_DAYS = 40
# s.10(3) public interest extension: the ICO expects no more than 20 further working days.
PIT_MAX_WORKING_DAYS = 40
REVIEW_WORKING_DAYS = 20
REVIEW_LONG_OVERDUE_WORKING_DAYS = 40
# A requester should ask for an internal review within 40 working days of the answer.
REVIEW_REQUEST_WINDOW_WORKING_DAYS = 40
# s.9 / s.10(2): a fees notice unpaid after three months ends the duty to answer.
FEE_LAPSE_MONTHS = 3
# ICO: complain within 6 weeks of the review outcome; Scottish Information Commissioner: 6 months.
ICO_COMPLAINT_WINDOW_WEEKS = 6
SIC_APPEAL_WINDOW_MONTHS = 6

_FOIA_SUBDIVISIONS = ("ENG", "WLS", "SCT", "NIR")
_WEEKDAY_NAMES = {5: "Saturday", 6: "Sunday"}


@lru_cache(maxsize=256)
def statutory_holidays(law: str, year: int) -> Mapping[date, str]:
    """Bank holidays that are not working days under `law` in `year`, with their names."""
    if law == FOIA:
        subdivisions = _FOIA_SUBDIVISIONS
    elif law == FOISA:
        subdivisions = ("SCT",)
    else:
        raise ValueError(f"unknown law {law!r}; expected one of {LAWS}")
    days: dict[date, str] = {}
    for subdivision in subdivisions:
        for day, name in holidays.UK(subdiv=subdivision, years=year).items():
            days.setdefault(day, name)
    return days


def _weekdays_through(ordinal: int) -> int:
    """Mondays to Fridays among date ordinals 1..`ordinal` (ordinal 1, 1 Jan 1 AD, was a Monday)."""
    weeks, rest = divmod(ordinal, 7)
    return weeks * 5 + min(rest, 5)


def _nth_weekday(n: int) -> int:
    """The ordinal of the `n`-th Monday-to-Friday day (n >= 1): the inverse of the above."""
    weeks, rest = divmod(n - 1, 5)
    return weeks * 7 + rest + 1


@lru_cache(maxsize=4096)
def _statutory_weekday_ordinals(law: str, year: int) -> tuple[int, ...]:
    """Ordinals of the bank holidays of `year` that fall Monday to Friday (a holiday on a weekend
    changes nothing: the substitute day is a holiday of its own)."""
    return tuple(
        sorted(
            day.toordinal()
            for day in statutory_holidays(law, year)
            # As non_working_reason: a day is looked up in the list of its own year.
            if day.year == year and day.weekday() < 5
        )
    )


# Years of statutory holidays loaded at once; a query outside them loads the decade around it.
_YEAR_BLOCK = 10


class WorkingCalendar:
    """Working days under one law, plus any days added by hand.

    Counting is O(log h) in the number h of non-working weekdays loaded (a few hundred), not
    linear in the days counted: working days up to a date are its Mondays-to-Fridays (weekday
    arithmetic) less the non-working weekdays before it (bisect in one sorted list). The list
    covers whole decades of statutory holidays, loaded as queries reach them, plus every day added
    by hand. A calendar is immutable once built, so one instance can serve every request of a
    process (calendars.calendars() caches them).
    """

    def __init__(self, law: str, extra_days: Mapping[date, str] | None = None) -> None:
        if law not in LAWS:
            raise ValueError(f"unknown law {law!r}; expected one of {LAWS}")
        self.law = law
        self.extra_days = MappingProxyType(dict(extra_days or {}))
        self._extra_weekdays = frozenset(
            day.toordinal() for day in self.extra_days if day.weekday() < 5
        )
        # (first year, last year, sorted non-working weekday ordinals): replaced whole, never
        # changed in place, so a thread reading it while another extends it sees one or the other.
        self._loaded: tuple[int, int, list[int]] | None = None

    def non_working_reason(self, day: date) -> str | None:
        """Why `day` is not a working day, or None when it is one."""
        holiday = self.extra_days.get(day) or statutory_holidays(self.law, day.year).get(day)
        weekend = _WEEKDAY_NAMES.get(day.weekday())
        if holiday and weekend:
            return f"{weekend} ({holiday})"
        return holiday or weekend

    def is_working_day(self, day: date) -> bool:
        if day.weekday() >= 5:
            return False
        ordinal = day.toordinal()
        return ordinal not in self._extra_weekdays and ordinal not in _statutory_weekday_set(
            self.law, day.year
        )

    def _holidays(self, first_year: int, last_year: int) -> tuple[int, int, list[int]]:
        """(first year, last year, sorted ordinals of the non-working weekdays), complete for at
        least `first_year`..`last_year`."""
        loaded = self._loaded
        if loaded and loaded[0] <= first_year and last_year <= loaded[1]:
            return loaded
        lo = first_year - first_year % _YEAR_BLOCK
        hi = last_year - last_year % _YEAR_BLOCK + _YEAR_BLOCK - 1
        if loaded:
            lo, hi = min(lo, loaded[0]), max(hi, loaded[1])
        lo, hi = max(lo, date.min.year), min(hi, date.max.year)
        days = set(self._extra_weekdays)
        for year in range(lo, hi + 1):
            days.update(_statutory_weekday_ordinals(self.law, year))
        self._loaded = (lo, hi, sorted(days))
        return self._loaded

    def _working_through(self, ordinal: int, holidays_: list[int]) -> int:
        """Working days among ordinals 1..`ordinal` (`holidays_` complete up to `ordinal`)."""
        return _weekdays_through(ordinal) - bisect_right(holidays_, ordinal)

    def _nth_after(self, start: date, count: int) -> date:
        """The `count`-th working day after `start` (count >= 1)."""
        origin = start.toordinal()
        # Guess the year the answer falls in, load it, and load further if the answer runs on.
        guess = date.fromordinal(min(origin + count * 7 // 5 + 14, date.max.toordinal()))
        last_year = guess.year
        while True:
            _, loaded_until, holidays_ = self._holidays(start.year, last_year)
            target = self._working_through(origin, holidays_) + count
            # The answer is the (target + h)-th weekday, h being the non-working weekdays up to
            # it. Start h at those up to `start` and raise it until it stops moving; h only grows
            # and cannot pass the answer's own (proof: the answer is the first day reaching
            # `target`, and working-days-through never falls).
            skipped = bisect_right(holidays_, origin)
            while True:
                candidate = _nth_weekday(target + skipped)
                now_skipped = bisect_right(holidays_, candidate)
                if now_skipped == skipped:
                    break
                skipped = now_skipped
            answer = date.fromordinal(candidate)
            if answer.year <= loaded_until:
                return answer
            last_year = answer.year

    def add_working_days(
        self, start: date, count: int, *, paused: tuple[date, date] | None = None
    ) -> date:
        """The `count`-th working day after `start` (start itself is day 0).

        `paused` is an inclusive (first, last) range whose working days do not count: the s.10(2)
        fees-notice period from the day the notice is given to the day the fee is received.
        """
        if count < 0:
            raise ValueError("count must be zero or more")
        if count == 0:
            return start
        answer = self._nth_after(start, count)
        if not paused:
            return answer
        first = max(paused[0], start + timedelta(days=1))
        last = paused[1]
        if first > last or answer < first:
            # The pause is empty, over before the count starts, or starts after it ends.
            return answer
        # Working days counted before the pause, then the rest after its last day.
        before = self.working_days_between(start, first - timedelta(days=1))
        return self._nth_after(last, count - before)

    def working_days_between(self, start: date, end: date) -> int:
        """Working days d with start < d <= end (negative when end is before start)."""
        if end == start:
            return 0
        if end < start:
            return -self.working_days_between(end, start)
        holidays_ = self._holidays(start.year, end.year)[2]
        return self._working_through(end.toordinal(), holidays_) - self._working_through(
            start.toordinal(), holidays_
        )

    def skipped_days(self, start: date, end: date) -> list[tuple[date, str]]:
        """Non-working days d with start < d <= end, with the reason each is skipped."""
        skipped = []
        for offset in range(1, (end - start).days + 1):
            day = start + timedelta(days=offset)
            reason = self.non_working_reason(day)
            if reason:
                skipped.append((day, reason))
        return skipped


@lru_cache(maxsize=4096)
def _statutory_weekday_set(law: str, year: int) -> frozenset[int]:
    return frozenset(_statutory_weekday_ordinals(law, year))


def add_months(day: date, months: int) -> date:
    """Same day `months` later, clamped to the month's end (31 Jan + 1 month = 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, _calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class ClockFacts:
    """What happened to a request that moves its clock; dates as the force received them."""

    law: str
    received_on: date | None = None
    clarification_requested_on: date | None = None
    clarification_received_on: date | None = None
    fee_notice_on: date | None = None
    fee_paid_on: date | None = None
    pit_extension_on: date | None = None
    pit_estimated_on: date | None = None
    answered_on: date | None = None
    review_requested_on: date | None = None
    review_answered_on: date | None = None
    # Known from the request's state; dates alone cannot tell a second clarification asked for
    # on the day the first one arrived. None: infer from the dates.
    awaiting_clarification: bool | None = None


@dataclass(frozen=True)
class Deadlines:
    """Computed dates for one request. None means the clock is not running for that step."""

    clock_started_on: date | None
    response_due_on: date | None
    response_long_overdue_on: date | None
    fee_lapses_on: date | None
    pit_limit_on: date | None
    pit_beyond_limit: bool
    review_request_by: date | None
    review_due_on: date | None
    review_long_overdue_on: date | None
    complaint_window_closes_on: date | None


def compute_deadlines(facts: ClockFacts, cal: WorkingCalendar) -> Deadlines:
    """All the dates the law sets for a request, from what has happened to it so far."""
    if cal.law != facts.law:
        raise ValueError(f"calendar is for {cal.law}, request is under {facts.law}")
    # s.1(3): a clarification restarts the clock from the day it is received.
    clock_start = facts.clarification_received_on or facts.received_on
    awaiting_clarification = facts.awaiting_clarification
    if awaiting_clarification is None:
        awaiting_clarification = facts.clarification_requested_on is not None and (
            facts.clarification_received_on is None
            or facts.clarification_received_on < facts.clarification_requested_on
        )
    response_due = long_overdue = fee_lapses = pit_limit = None
    if clock_start and not awaiting_clarification:
        paused = None
        if facts.fee_notice_on and facts.fee_notice_on >= clock_start:
            if facts.fee_paid_on:
                paused = (facts.fee_notice_on, facts.fee_paid_on)
            else:
                fee_lapses = add_months(facts.fee_notice_on, FEE_LAPSE_MONTHS)
        if fee_lapses is None:
            response_due = cal.add_working_days(clock_start, RESPONSE_WORKING_DAYS, paused=paused)
            long_overdue = cal.add_working_days(
                clock_start, LONG_OVERDUE_WORKING_DAYS, paused=paused
            )
            if facts.law == FOIA:
                pit_limit = cal.add_working_days(clock_start, PIT_MAX_WORKING_DAYS, paused=paused)
    pit_beyond = bool(facts.pit_estimated_on and pit_limit and facts.pit_estimated_on > pit_limit)
    review_request_by = (
        cal.add_working_days(facts.answered_on, REVIEW_REQUEST_WINDOW_WORKING_DAYS)
        if facts.answered_on
        else None
    )
    review_due = review_long = None
    if facts.review_requested_on:
        review_due = cal.add_working_days(facts.review_requested_on, REVIEW_WORKING_DAYS)
        review_long = cal.add_working_days(
            facts.review_requested_on, REVIEW_LONG_OVERDUE_WORKING_DAYS
        )
    complaint_closes = None
    if facts.review_answered_on:
        if facts.law == FOISA:
            complaint_closes = add_months(facts.review_answered_on, SIC_APPEAL_WINDOW_MONTHS)
        else:
            complaint_closes = facts.review_answered_on + timedelta(
                weeks=ICO_COMPLAINT_WINDOW_WEEKS
            )
    return Deadlines(
        clock_started_on=clock_start,
        response_due_on=response_due,
        response_long_overdue_on=long_overdue,
        fee_lapses_on=fee_lapses,
        pit_limit_on=pit_limit,
        pit_beyond_limit=pit_beyond,
        review_request_by=review_request_by,
        review_due_on=review_due,
        review_long_overdue_on=review_long,
        complaint_window_closes_on=complaint_closes,
    )


def due_date(received_on: date, law: str = FOIA, extra_days: Mapping[date, str] | None = None):
    """Due date for a request received on `received_on`, and the non-working days skipped."""
    cal = WorkingCalendar(law, extra_days)
    due = cal.add_working_days(received_on, RESPONSE_WORKING_DAYS)
    return due, cal.skipped_days(received_on, due)
