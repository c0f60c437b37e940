"""Counting and timing that tell the truth (issue 28).

Django's query log keeps at most 9,000 entries (`connection.queries_log` is a bounded deque):
CaptureQueriesContext over a run of more statements reports the cap, not the count (the
reminder sweep's "0.3 queries per email" was the cap). `counted` wraps every statement with
`connection.execute_wrapper` instead, which has no cap. `captured` is for the few places that
need the statements themselves and fails loudly if the log could have dropped one.

The limits the pages are compared with (a raw GROUP BY, a raw SELECT, a raw COPY) are timed on
`plain_connection()`, a connection of the driver's own, not through Django's cursor (with
DEBUG on that cursor logs each statement and its time: 0.6 ms against 0.36 ms for the same
GROUP BY, so ratios against it were flattered)."""

from __future__ import annotations

import re
from contextlib import contextmanager
from dataclasses import dataclass, field


@dataclass
class Counter:
    statements: int = 0
    # (sql, params) of each statement, when asked for (the dashboard's SQL run again raw).
    kept: list[tuple[str, object]] = field(default_factory=list)
    keep: bool = False

    def __call__(self, execute, sql, params, many, context):
        self.statements += 1
        if self.keep and not many:
            self.kept.append((sql, params))
        return execute(sql, params, many, context)


TRANSACTION_CONTROL = {"BEGIN", "COMMIT", "ROLLBACK"}


@contextmanager
def counted(*, keep: bool = False):
    """Every statement run on Django's connection in this thread while inside, uncapped (an
    executemany counts once: one call, one round trip's worth of statement).

    Checked against Django's own log as well: a count below what the log holds means a
    statement went round the wrapper, and a count at or above the log's size is reported as
    the count it is, never as the log's length. Either way the run fails rather than print a
    number that is not the count."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counter = Counter(keep=keep)
    with CaptureQueriesContext(connection) as logged, connection.execute_wrapper(counter):
        yield counter
    # The log also holds the BEGIN and COMMIT Django issues round a transaction (not
    # statements the code ran, and not counted here).
    statements = [q for q in logged.captured_queries if q["sql"] not in TRANSACTION_CONTROL]
    # Full is the log's state on leaving, not what was captured: a log that already held
    # entries on entering drops its oldest once it reaches its size, so the capture (its
    # entries from where it started) then holds fewer than the size.
    cap = connection.queries_log.maxlen or 0
    check_count(
        counter.statements,
        len(statements),
        cap,
        log_full=cap > 0 and len(connection.queries_log) >= cap,
    )


def check_count(
    counted_statements: int, logged: int, cap: int | None, *, log_full: bool = False
) -> None:
    """`logged`: the statements in Django's log (less BEGIN and COMMIT); `log_full`: whether the
    log, BEGIN and COMMIT included, reached its cap, so that it dropped the oldest entries (the
    reminder sweep at scale 100 runs some 33,000 statements against a cap of 9,000). A log that
    is not full must hold exactly what was counted."""
    if counted_statements < logged:
        raise RuntimeError(
            f"counted {counted_statements} statements but Django logged {logged}: some ran "
            "round the counter"
        )
    if not log_full and logged < counted_statements:
        raise RuntimeError(
            f"Django logged {logged} of {counted_statements} statements with room for {cap}"
        )


def open_plain():
    """A connection of the database driver's own to Django's database (psycopg or sqlite3),
    in autocommit; `execute(raw, sql, params)` below runs Django-style SQL (%s placeholders)
    on it. Close it after."""
    from django.db import connection

    raw = connection.get_new_connection(connection.get_connection_params())
    if connection.vendor == "postgresql":
        raw.autocommit = True
    else:
        raw.isolation_level = None
    return raw


@contextmanager
def plain_connection():
    raw = open_plain()
    try:
        yield raw
    finally:
        raw.close()


def execute(raw, sql: str, params=()) -> list[tuple]:
    """Run `sql` on a plain connection and fetch every row."""
    from django.db import connection

    if connection.vendor == "sqlite":
        sql = re.sub(r"(?<!%)%s", "?", sql)
    cursor = raw.cursor()
    try:
        cursor.execute(sql, tuple(params or ()))
        return cursor.fetchall() if cursor.description else []
    finally:
        cursor.close()
