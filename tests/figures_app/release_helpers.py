"""What the release tests share: the approved figures they publish, and a time in a given
year (test_releases.py, test_release_command.py; the fixture is registered in conftest.py)."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

LONDON = ZoneInfo("Europe/London")


def at(year, *args) -> datetime:
    """A time in the year given, moved 25 years on: after the fixtures' figures were entered
    (now), so a correction's date read from the history is the one the test travels to."""
    return datetime(year + 25, *args, tzinfo=LONDON)


@pytest.fixture
def figures(campaign, metric, staff, reviewer):
    from tests.figures_app.conftest import enter  # conftest imports this module

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
        ],
        approve_by=reviewer,
    )
    return campaign
