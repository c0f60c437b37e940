"""Benchmark the figures CSV export: rows/s of the streamed Python path, of the COPY path
(PostgreSQL) and of the export view, each beside its limit: a raw `COPY (SELECT the same rows)
TO STDOUT` on PostgreSQL (a plain SELECT of the same rows, fetched, on SQLite), in one run.
Ratios are printed, nothing is asserted.

    .venv/bin/python bench/bench_export.py                       # fresh SQLite in a temp dir, 5 campaigns
    DATABASE_URL=postgres://... .venv/bin/python bench/bench_export.py --use-database-url --scale 5

Every campaign seed_demo made (slugs bench-NNNN, topped up to --scale) is exported once per
timed run; rows/s is all their rows over the time taken, the median of --repeat runs.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from django_setup import add_database_option, signed_in_client, start_django  # noqa: E402


def export_rates(campaigns, client, repeat: int) -> tuple[str, float, dict[str, float], int]:
    """Rows/s exporting every one of `campaigns` (median of `repeat` runs after a warm-up):
    (name of the limit, the limit's rows/s, {export path: rows/s}, rows)."""
    from counting import execute, open_plain
    from django.db import connection
    from django.urls import reverse

    from figures_app.exports import ORDER, VALUES, export_csv_chunks
    from figures_app.models import Figure

    postgres = connection.vendor == "postgresql"
    rows = Figure.objects.filter(request__campaign__in=campaigns).count()
    # The limit on a connection of the driver's own (bench/counting.py says why).
    plain = open_plain()

    def raw(campaign) -> int:
        """The same rows, unformatted: the limit any export can reach."""
        qs = Figure.objects.filter(request__campaign=campaign).order_by(*ORDER).values_list(*VALUES)
        sql, params = qs.query.sql_with_params()
        size = 0
        if postgres:
            sql = connection.ops.compose_sql(sql, params)
            with (
                plain.cursor() as cursor,
                cursor.copy(f"COPY ({sql}) TO STDOUT (FORMAT csv)") as copy,
            ):
                for data in copy:
                    size += len(data)
        else:
            size = len(execute(plain, sql, params))
        return size

    def python(campaign) -> int:
        return sum(map(len, export_csv_chunks(campaign, use_copy=False)))

    def copied(campaign) -> int:
        return sum(map(len, export_csv_chunks(campaign, use_copy=True)))

    def view(campaign) -> int:
        response = client.get(reverse("figures_export_csv", args=[campaign.slug]))
        assert response.status_code == 200, response.status_code
        return sum(map(len, response.streaming_content))

    def rows_per_second(export) -> float:
        for campaign in campaigns:  # warm up: plans, regex caches, the digit classes
            export(campaign)
        runs = []
        for _ in range(repeat):
            started = time.perf_counter()
            for campaign in campaigns:
                export(campaign)
            runs.append(time.perf_counter() - started)
        return rows / statistics.median(runs)

    if postgres:
        for campaign in campaigns[:2]:
            assert python(campaign) == copied(campaign), "COPY and Python differ in size"
    limit_name = "raw COPY (SELECT the same rows)" if postgres else "raw SELECT, fetched"
    try:
        limit = rows_per_second(raw)
    finally:
        plain.close()
    measured = {"Python streamed": rows_per_second(python)}
    if postgres:
        measured["COPY formatted in SQL"] = rows_per_second(copied)
    measured["export view (HTTP, " + ("COPY" if postgres else "Python") + ")"] = rows_per_second(
        view
    )
    return limit_name, limit, measured, rows


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", type=int, default=5, help="Campaigns to export (seeded).")
    parser.add_argument("--repeat", type=int, default=5, help="Timed runs (median).")
    add_database_option(parser)
    args = parser.parse_args()
    start_django(args)
    from django.core.management import call_command
    from django.db import connection

    from figures_app.seed import seed_campaigns
    from requests_app.models import Campaign

    call_command("migrate", verbosity=0)
    print(f"Database: {connection.vendor} {connection.settings_dict['NAME']}")
    existing = Campaign.objects.filter(slug__startswith="bench-").count()
    if existing < args.scale:
        started = time.perf_counter()
        seed_campaigns(args.scale - existing)
        print(f"Seeded {args.scale - existing} campaigns in {time.perf_counter() - started:.1f}s")
    campaigns = list(Campaign.objects.filter(slug__startswith="bench-").order_by("slug"))
    campaigns = campaigns[: args.scale]
    limit_name, limit, measured, rows = export_rates(
        campaigns, signed_in_client("bench-checker"), args.repeat
    )
    print(f"\n{len(campaigns)} campaigns, {rows:,} figure rows; median of {args.repeat} runs\n")
    print(f"{'what':<34} {'rows/s':>12} {'x limit':>8}")
    print(f"{limit_name:<34} {limit:>12,.0f} {1:>8.3f}")
    for name, value in measured.items():
        print(f"{name:<34} {value:>12,.0f} {value / limit:>8.3f}")
    print("\nIssue 11 wants the export at >= 1/3 of the raw COPY's rows/s.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
