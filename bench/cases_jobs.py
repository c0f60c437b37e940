"""bench/run.py's measurements of jobs that write: the tidy import beside a raw COPY (and, on
PostgreSQL as a superuser, without the foreign-key checks), and the daily reminder sweep beside a
raw SELECT of what it chases."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import bench_load
from bench_totals import timed
from django_setup import ROOT
from run_table import Bench, fmt_ms

RAW_CHASE_SQL = """
    SELECT q.id, q.next_due_on, q.status, fo.law, fo.foi_email, c.chase_again_after, c.title
    FROM requests_app_foirequest q
    JOIN requests_app_campaign c ON c.id = q.campaign_id
    JOIN requests_app_force fo ON fo.id = q.force_id
    WHERE c.chase_forces AND q.next_due_on < %s AND q.status IN ({statuses})
      AND fo.foi_email <> '' AND q.new_reply_at IS NULL
"""


def row_reminders(bench: Bench, day) -> None:
    from django.core import mail
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from requests_app.selectors.deadlines import CHASED_STATUSES

    def sweep(*options: str) -> tuple[float, int, int]:
        """(seconds, queries, emails the run reports) for one run of the command."""
        out = io.StringIO()
        with CaptureQueriesContext(connection) as ctx:
            started = time.perf_counter()
            call_command("send_reminders", "--date", day.isoformat(), *options, stdout=out)
            seconds = time.perf_counter() - started
        found = re.search(r"Total: (\d+)", out.getvalue())
        return seconds, len(ctx), int(found.group(1)) if found else -1

    from django.core.management import call_command

    statuses = ", ".join(f"'{s}'" for s in sorted(CHASED_STATUSES))

    def raw():
        with connection.cursor() as cursor:
            cursor.execute(RAW_CHASE_SQL.format(statuses=statuses), [day])
            return cursor.fetchall()

    open_requests = len(raw())
    raw_ms = timed(raw, bench.args.repeat)
    seconds, queries, owed = sweep("--dry-run")
    bench.add(
        f"reminders: work out {owed:,} owed over {open_requests:,} overdue (dry-run)",
        f"{seconds:,.2f} s, {queries:,} queries",
        f"{fmt_ms(raw_ms)} (SELECT)",
        f"{seconds * 1000 / raw_ms:,.0f}x",
        "< 10 s",
        seconds < 10,
    )
    mail.outbox = []
    seconds, queries, sent = sweep()
    emails = len(mail.outbox)
    per_email = queries / emails if emails else float("nan")
    bench.add(
        f"reminders: send {emails:,} emails (locmem backend)",
        f"{per_email:.1f} queries/email, {seconds:,.1f} s, {queries:,} queries",
        "-",
        "-",
        "<= 2 queries/email",
        emails > 0 and per_email <= 2,
    )
    if sent != emails and sent >= 0:
        bench.notes.append(f"the send run reported {sent} emails, the backend got {emails}")
    seconds, queries, again = sweep()
    bench.add(
        "reminders: steady state (nothing new owed)",
        f"{seconds:,.2f} s, {queries:,} queries, {again} sent",
        "-",
        "-",
        "< 2 s, <= 20 queries",
        seconds < 2 and queries <= 20 and again == 0,
    )


def row_import(bench: Bench, day, postgres: bool) -> None:
    import build
    from django.db import connection

    rows = bench.args.import_rows
    folder = Path(tempfile.mkdtemp(prefix="foi-bench-import-"))
    try:
        from requests_app.models import Campaign

        slug = f"{build.PREFIX}-import"
        runs_before = Campaign.objects.filter(slug__startswith=slug).count()
        campaign, lines = build.build_import_file(
            slug=f"{slug}-{runs_before + 1}" if runs_before else slug, rows=rows, today=day
        )
        path = folder / "figures.csv"
        with path.open("w", newline="") as handle:
            csv.writer(handle).writerows(lines)
        with path.open(newline="") as handle:
            data = list(csv.reader(handle))[1:]

        def raw() -> None:
            """The file's rows written as they are into a scratch table: the floor."""
            quote = connection.ops.quote_name
            with connection.cursor() as cursor:
                cursor.execute(
                    f"CREATE TEMPORARY TABLE {quote('bench_tidy')} "
                    "(force TEXT, period TEXT, metric TEXT, location TEXT, value TEXT)"
                )
                try:
                    if postgres:
                        with cursor.copy("COPY bench_tidy FROM STDIN") as copy:
                            for line in data:
                                copy.write_row(line)
                    else:
                        cursor.executemany(
                            "INSERT INTO bench_tidy VALUES (%s, %s, %s, %s, %s)", data
                        )
                finally:
                    cursor.execute("DROP TABLE bench_tidy")

        raw_rate = rows / (timed(raw, bench.args.repeat) / 1000)
        env = bench_load.site_env(
            Path(os.environ.get("FOI_DATA_DIR") or folder),
            use_database_url=bench.args.use_database_url,
        )
        env["DJANGO_SETTINGS_MODULE"] = "foi_tracker.settings"

        def import_file(slug: str, file: Path) -> dict:
            command = [sys.executable, str(ROOT / "bench" / "import_child.py"), slug, str(file)]
            out = bench_load.run([*command, "bench-maker"], env)
            return json.loads(out.splitlines()[-1])

        first = import_file(campaign.slug, path)
        again = import_file(campaign.slug, path)
        unchecked = None
        if postgres and superuser():
            # Not a target of the issue's: what dropping the foreign keys would buy, the same
            # import into a campaign of its own with their check triggers off.
            other, other_lines = build.build_import_file(
                slug=f"{campaign.slug}-unchecked", rows=rows, today=day
            )
            other_path = folder / "unchecked.csv"
            with other_path.open("w", newline="") as handle:
                csv.writer(handle).writerows(other_lines)
            with foreign_key_checks_off(figure_tables()):
                unchecked = import_file(other.slug, other_path)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    rate = rows / first["seconds"]
    bench.add(
        f"tidy import, {rows:,} rows (x raw COPY into a scratch table)"
        if postgres
        else f"tidy import, {rows:,} rows (x raw INSERT into a scratch table)",
        f"{rate:,.0f} rows/s ({first['seconds']:,.1f} s)",
        f"{raw_rate:,.0f} rows/s",
        f"{rate / raw_rate:.3f}",
        ">= 20,000 rows/s",
        rate >= 20_000,
    )
    bench.add(
        "tidy import, peak memory of the process",
        f"{first['peak_mb']:,.0f} MB (Django alone {first['baseline_mb']:,.0f} MB)",
        "-",
        "-",
        "< 300 MB",
        first["peak_mb"] < 300,
    )
    again_rate = rows / again["seconds"]
    bench.add(
        "tidy import again, nothing to change",
        f"{again['seconds']:,.2f} s ({again_rate:,.0f} rows/s)",
        "-",
        "-",
        ">= 20,000 rows/s",
        again_rate >= 20_000,
    )
    if unchecked:
        unchecked_rate = rows / unchecked["seconds"]
        bench.add(
            "  the same import without foreign-key checks on figures and history",
            f"{unchecked_rate:,.0f} rows/s ({unchecked['seconds']:,.1f} s)",
            f"{raw_rate:,.0f} rows/s",
            f"{unchecked_rate / raw_rate:.3f}",
        )
    bench.notes.append(f"import: {first['output']} / again: {again['output']}")


def figure_tables() -> tuple[str, str]:
    """The tables an import writes a row in for every figure: the figures and their history."""
    from figures_app.models import Figure, FigureChange

    return Figure._meta.db_table, FigureChange._meta.db_table


def superuser() -> bool:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        return bool(cursor.fetchone()[0])


@contextmanager
def foreign_key_checks_off(tables):
    """PostgreSQL, as a superuser: the triggers that check these tables' foreign keys on insert
    and update disabled for the duration, whatever happens; the constraints themselves stay."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.relname, t.tgname FROM pg_trigger t
            JOIN pg_class c ON c.oid = t.tgrelid
            JOIN pg_constraint k ON k.oid = t.tgconstraint
            WHERE t.tgisinternal AND k.contype = 'f' AND k.conrelid = t.tgrelid
              AND c.relname = ANY(%s)
            """,
            [list(tables)],
        )
        triggers = cursor.fetchall()

    def switch(state: str) -> None:
        quote = connection.ops.quote_name
        with connection.cursor() as cursor:
            for table, trigger in triggers:
                cursor.execute(f"ALTER TABLE {quote(table)} {state} TRIGGER {quote(trigger)}")

    switch("DISABLE")
    try:
        yield
    finally:
        switch("ENABLE")
