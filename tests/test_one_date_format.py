"""Dates a person reads are written one way (issue 27): the site's long format, '7 December
2026', with its weekday where the day matters ('Monday 7 December 2026') and its time for a
moment ('7 December 2026, 14:05'), all from requests_app/text.py (the templates' long_date,
long_day and long_datetime filters). No template or sentence picks a format of its own; files
and the API keep ISO dates."""

import re
from datetime import UTC, date, datetime
from pathlib import Path

from django.template import Context, Template

from requests_app.text import long_date, long_datetime, long_day

ROOT = Path(__file__).resolve().parent.parent
# Formats that are not for reading: an <input type="date">'s value, a time beside a long date.
MACHINE_FORMATS = {"Y-m-d", "H:i"}


def test_templates_use_the_one_long_format():
    stray = []
    for path in (ROOT / "templates").rglob("*.*"):
        for fmt in re.findall(r"\|date:[\"']([^\"']*)[\"']", path.read_text()):
            if fmt not in MACHINE_FORMATS:
                stray.append((path.name, fmt))
    assert not stray


def test_sentences_built_in_python_use_the_one_long_format():
    # f"{day:%d %b %Y}" and the like; a period's own label ("1 Apr 2026 to 31 Mar 2027") and a
    # command's output for an operator are not dates on a page.
    allowed = {"requests_app/periods.py", "foi_tracker/management/commands/send_reminders.py"}
    stray = []
    for app in ("accounts", "requests_app", "figures_app", "foi_tracker"):
        for path in (ROOT / app).rglob("*.py"):
            rel = path.relative_to(ROOT).as_posix()
            if rel in allowed or "/migrations/" in rel:
                continue
            if re.search(r":%-?[aAdbB][^}\"']*%[bBYy]", path.read_text()):
                stray.append(rel)
    assert not stray


def test_the_long_formats():
    assert long_date(date(2026, 12, 7)) == "7 December 2026"
    assert long_day(date(2026, 12, 7)) == "Monday 7 December 2026"
    assert long_datetime(datetime(2026, 12, 7, 14, 5)) == "7 December 2026, 14:05"
    assert long_date(None) == long_day(None) == long_datetime(None) == ""


def test_the_filters_write_them():
    out = Template(
        "{% load foi %}{{ d|long_date }}|{{ d|long_day }}|{{ m|long_datetime }}|{{ n|long_day }}"
    ).render(Context({"d": date(2017, 4, 1), "m": datetime(2017, 4, 1, 9, 30), "n": None}))
    assert out == "1 April 2017|Saturday 1 April 2017|1 April 2017, 09:30|"


def test_a_day_written_again_comes_from_memory_and_moments_are_never_confused():
    """Days are remembered per format and language (a reminder run writes 50,000); two equal
    moments in different zones are different days, so moments are never remembered."""
    from datetime import datetime, timedelta, timezone

    from django.utils import translation

    from requests_app import text

    text._formatted.cache_clear()
    assert text.long_date(date(2017, 4, 1)) == "1 April 2017"
    assert text.long_day(date(2017, 4, 1)) == "Saturday 1 April 2017"
    assert text.long_date(date(2017, 4, 1)) == "1 April 2017"
    assert text._formatted.cache_info().hits == 1
    late_utc = datetime(2017, 4, 1, 23, 30, tzinfo=UTC)
    same_moment_east = late_utc.astimezone(timezone(timedelta(hours=2)))
    assert late_utc == same_moment_east
    assert text.long_date(late_utc) == "1 April 2017"
    assert text.long_date(same_moment_east) == "2 April 2017"
    with translation.override("fr"):
        assert text.long_date(date(2017, 4, 1)) == "1 avril 2017"
    assert text.long_date(date(2017, 4, 1)) == "1 April 2017"
