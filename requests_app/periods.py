"""Reporting periods as values: a period's label and dates (the form campaign_create takes), its
kind (financial year, quarter...), and the period after it of the same kind, labelled the usual
way. Pure: no database."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True)
class PeriodSpec:
    label: str
    start: date
    end: date


def _add_months(day: date, months: int) -> date:
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def _whole_months(start: date, end: date) -> int | None:
    """How many whole calendar months start..end covers, or None if it is not whole months."""
    if start.day != 1 or end != _month_end(end):
        return None
    return (end.year - start.year) * 12 + end.month - start.month + 1


def period_kind(start: date, end: date) -> str:
    """'financial_year' (1 Apr - 31 Mar), 'calendar_year', 'quarter' (three whole months
    starting in January, April, July or October), 'months' (other whole months) or 'days'."""
    months = _whole_months(start, end)
    if months == 12 and start.month == 4:
        return "financial_year"
    if months == 12 and start.month == 1:
        return "calendar_year"
    if months == 3 and start.month in (1, 4, 7, 10):
        return "quarter"
    return "months" if months else "days"


def next_period(label: str, start: date, end: date) -> PeriodSpec:
    """The period after this one, of the same kind and length, labelled in the usual way:
    2016/17 -> 2017/18, 2017 -> 2018, 2024 Q4 -> 2025 Q1 (a label with '/' in it, e.g.
    2024/25 Q1, is taken as a financial-year quarter: 2024/25 Q2)."""
    kind = period_kind(start, end)
    if kind in ("financial_year", "calendar_year"):
        new_start, new_end = _add_months(start, 12), _add_months(start, 24) - timedelta(days=1)
        if kind == "financial_year":
            return PeriodSpec(
                f"{new_start.year}/{(new_start.year + 1) % 100:02d}", new_start, new_end
            )
        return PeriodSpec(str(new_start.year), new_start, new_end)
    months = _whole_months(start, end)
    if months:
        new_start = _add_months(start, months)
        new_end = _month_end(_add_months(new_start, months - 1))
        if kind == "quarter":
            if "/" in label:
                # Financial quarters: Q1 is April to June of year Y/Y+1.
                fy = new_start.year if new_start.month >= 4 else new_start.year - 1
                number = (new_start.month - 4) % 12 // 3 + 1
                return PeriodSpec(f"{fy}/{(fy + 1) % 100:02d} Q{number}", new_start, new_end)
            return PeriodSpec(
                f"{new_start.year} Q{(new_start.month - 1) // 3 + 1}", new_start, new_end
            )
        if months == 1:
            return PeriodSpec(f"{new_start:%b %Y}", new_start, new_end)
        return PeriodSpec(f"{new_start:%b %Y} to {new_end:%b %Y}", new_start, new_end)
    length = end - start + timedelta(days=1)
    new_start = end + timedelta(days=1)
    new_end = new_start + length - timedelta(days=1)
    return PeriodSpec(f"{new_start:%-d %b %Y} to {new_end:%-d %b %Y}", new_start, new_end)
