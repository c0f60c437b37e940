"""Issue 11's table in one run: build the data set at a scale, then measure every row side by
side, each beside its limit (a raw SQL GROUP BY, a raw COPY, a bare view under the same
gunicorn, a raw SELECT), and print measured, limit, ratio, target and whether it is met.

    .venv/bin/python bench/run.py --scale 1                   # temporary SQLite, about a minute
    DATABASE_URL=postgres://.../foi_bench .venv/bin/python bench/run.py --scale 100 --use-database-url

Scale 1 is one charity's size (the NSPCC's: ~11 campaigns, 495 requests, 16k figures); scale
100 is issue 11's (1,064 campaigns, 47,880 requests, ~1.6M figures). With --use-database-url the
data set is written into DATABASE_URL, which must hold no earlier build (campaigns bulk-NNNN):
give it a database of its own. Without it everything goes into a temporary folder.

Nothing about time is asserted: the exit status is 1 only when a measurement failed (an
error, a failed request under load) or a page's query count grew between the first two
campaigns and the whole data set.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from cases_jobs import row_import, row_reminders  # noqa: E402
from cases_pages import (  # noqa: E402
    USER,
    built_campaigns,
    guarded_query_counts,
    row_export,
    row_load,
    row_queries,
    row_review_queue,
    row_totals,
)
from django_setup import add_database_option, signed_in_client, start_django  # noqa: E402
from run_table import Bench, compare_scales, print_table  # noqa: E402

MEASUREMENTS = {
    "totals": "totals API vs raw GROUP BY",
    "queries": "queries per page",
    "review": "review queue page vs raw SELECT",
    "export": "figures CSV export",
    "load": "gunicorn load",
    "import": "tidy import",
    "reminders": "reminder sweep",
}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", type=float, default=1, help="Times the NSPCC's size.")
    parser.add_argument("--repeat", type=int, default=5, help="Timed runs per timing (median).")
    parser.add_argument(
        "--export-campaigns",
        type=int,
        default=10,
        help="Campaigns exported per timed export run (about 1,500 figures each).",
    )
    parser.add_argument(
        "--import-rows",
        type=int,
        default=0,
        help="Rows in the tidy import (default 1,000 per unit of scale: 100k at scale 100).",
    )
    parser.add_argument("--load-seconds", type=float, default=10, help="Per page under load.")
    parser.add_argument("--warmup", type=float, default=2, help="Seconds per page, not counted.")
    parser.add_argument("--connections", type=int, default=20, help="Concurrent clients.")
    parser.add_argument(
        "--workers", type=int, default=3, help="gunicorn workers (docs/benchmarks.md: 3)."
    )
    parser.add_argument(
        "--skip",
        nargs="*",
        default=[],
        choices=MEASUREMENTS,
        help="Measurements to leave out (the table says which were skipped).",
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="Measure an earlier build of the same scale instead of refusing it.",
    )
    parser.add_argument(
        "--statement-timeout",
        type=float,
        default=300,
        help="PostgreSQL: seconds before a measured query is cancelled (0: none).",
    )
    parser.add_argument(
        "--results-dir",
        type=Path,
        default=Path(__file__).resolve().parent.parent / "var" / "bench",
        help="Where each run keeps its load ratios per database and scale, to print the "
        "dashboard's growth between scales (run at 10, then at 100).",
    )
    add_database_option(parser)
    args = parser.parse_args()
    args.import_rows = args.import_rows or max(100, round(1000 * args.scale))
    return args


def main() -> int:
    args = parse_args()

    # Reminder emails go to memory, never out; the tracker's tasks run in this process, so a
    # sweep fanned out over Celery tasks is measured whole.
    os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"
    start_django(args)
    from django.core.management import call_command
    from django.db import connection

    from foi_tracker.celery import app as celery_app

    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True

    call_command("migrate", verbosity=0)
    # One log line per reminder email would bury the table.
    logging.disable(logging.INFO)
    import build

    postgres = connection.vendor == "postgresql"
    existing = built_campaigns().count()
    total = build.campaigns_at(args.scale)
    if existing and not (args.reuse and existing == total):
        sys.exit(
            f"{connection.settings_dict['NAME']} already holds a benchmark build of "
            f"{existing} campaigns: give bench/run.py a database of its own"
            + (" (or --reuse at the scale it was built at)." if args.reuse or existing else ".")
        )
    bench = Bench(args)
    sweep_day = last_working_day()
    load = os.getloadavg()
    print(
        f"Database: {connection.vendor} {connection.settings_dict['NAME']}; scale {args.scale:g}; "
        f"load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f} on {os.cpu_count()} CPUs"
    )

    if existing:
        small_counts = None
        bench.notes.append(
            f"scale {args.scale:g}: {existing:,} campaigns reused from an earlier build "
            "(query counts not compared with a smaller size)"
        )
    else:
        first = min(2, total)
        started = time.perf_counter()
        built = build.build(args.scale, today=sweep_day, count=first)
        client = signed_in_client(USER)
        small_counts = guarded_query_counts(client)
        more = build.build(args.scale, today=sweep_day, first=first, progress=print)
        seconds = time.perf_counter() - started
        for name in ("campaigns", "requests", "figures", "pending_reviews", "open_requests"):
            setattr(built, name, getattr(built, name) + getattr(more, name))
        print(
            f"Built {built.campaigns:,} campaigns, {built.requests:,} requests "
            f"({built.open_requests:,} open), {built.figures:,} figures, "
            f"{built.pending_reviews:,} figure sets pending review in {seconds:.1f} s"
        )
        bench.notes.append(
            f"scale {args.scale:g}: {built.campaigns:,} campaigns, {built.requests:,} requests "
            f"({built.open_requests:,} open), {built.figures:,} figures, built in {seconds:.0f} s"
        )
    if postgres and args.statement_timeout:
        # A page whose query never ends (a plan quadratic in the data) is reported, not waited
        # for: the timeout applies to this process's queries, the measured ones.
        with connection.cursor() as cursor:
            cursor.execute(f"SET statement_timeout = {int(args.statement_timeout * 1000)}")
        bench.notes.append(f"statement timeout {args.statement_timeout:g} s on measured queries")
    client = signed_in_client(USER)
    campaign = built_campaigns().order_by("slug").last()

    # Reads first; then the import (its requests wait for review: after the queue is timed)
    # and the sweep, which writes the most and takes longest.
    steps = {
        "totals": lambda: row_totals(bench, client, campaign),
        "queries": lambda: row_queries(bench, client, small_counts),
        "review": lambda: row_review_queue(bench, client),
        "export": lambda: row_export(bench, client, postgres),
        "load": lambda: row_load(bench, client, campaign, postgres),
        "import": lambda: row_import(bench, sweep_day, postgres),
        "reminders": lambda: row_reminders(bench, sweep_day),
    }
    for name, step in steps.items():
        if name in args.skip:
            bench.notes.append(f"skipped: {MEASUREMENTS[name]}")
            continue
        bench.measure(MEASUREMENTS[name], step)

    compare_scales(bench, connection.vendor, args.results_dir)
    print_table(bench, connection.vendor)
    if bench.failed:
        print(f"\nFailed: {', '.join(bench.failed)}")
        return 1
    return 0


def last_working_day():
    """The sweep runs on a working day everywhere in the UK (digests and chasers both go)."""
    from django.utils import timezone

    from requests_app.calendars import calendars
    from requests_app.deadlines import FOIA

    day = timezone.localdate()
    cal = calendars()[FOIA]
    while not cal.is_working_day(day):
        day -= timedelta(days=1)
    return day


if __name__ == "__main__":
    raise SystemExit(main())
