"""The benchmark's statement count (bench/counting.py) fails rather than print a number that is
not the count, and accepts a true count however many statements outran Django's log."""

import importlib.util
import sys
from pathlib import Path

import pytest

_spec = importlib.util.spec_from_file_location(
    "bench_counting", Path(__file__).resolve().parent.parent / "bench" / "counting.py"
)
counting = importlib.util.module_from_spec(_spec)
sys.modules["bench_counting"] = counting  # its dataclasses look their module up
_spec.loader.exec_module(counting)


def test_a_count_equal_to_a_log_with_room_passes():
    counting.check_count(400, 400, 9000)


def test_a_count_beyond_a_full_log_passes_as_the_count():
    # The reminder sweep at scale 100: 32,994 statements; the log kept its last 9,000 entries,
    # 183 of them BEGIN and COMMIT.
    counting.check_count(32994, 8817, 9000, log_full=True)


def test_a_log_with_room_that_holds_fewer_than_counted_fails():
    with pytest.raises(RuntimeError, match="logged 300 of 400"):
        counting.check_count(400, 300, 9000)


def test_a_statement_round_the_counter_fails():
    with pytest.raises(RuntimeError, match="ran round the counter"):
        counting.check_count(399, 400, 9000)


@pytest.mark.django_db
@pytest.mark.filterwarnings("ignore:Limit for query logging exceeded")
def test_a_log_that_fills_while_counting_after_earlier_entries_passes_as_the_count():
    """The reminder sweep at scale 100 after the dry-run: the log held 238 entries on entering,
    filled, and the capture then held 8,762 of 34,923 statements. That is a full log, not a
    statement round the counter."""
    from collections import deque

    from django.db import connection

    saved, saved_debug = connection.queries_log, connection.force_debug_cursor
    connection.queries_log, connection.force_debug_cursor = deque(maxlen=10), True
    try:
        with connection.cursor() as cursor:
            for _ in range(3):
                cursor.execute("SELECT 1")
            with counting.counted() as counter:
                for _ in range(25):
                    cursor.execute("SELECT 1")
        assert counter.statements == 25
    finally:
        connection.queries_log, connection.force_debug_cursor = saved, saved_debug
