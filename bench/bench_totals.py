"""Benchmark the figures totals: API time beside a raw SQL GROUP BY on the same rows, and the
query counts of the campaign, totals and review pages at two sizes (they must not grow).

    .venv/bin/python bench/bench_totals.py                 # fresh SQLite in a temp dir, sizes 2 and 20
    .venv/bin/python bench/bench_totals.py --sizes 5 50
    DATABASE_URL=postgres://... .venv/bin/python bench/bench_totals.py --use-database-url

With --use-database-url the campaigns are added to that database (slugs bench-NNNN); without it
nothing outside a temporary directory is touched. Exits 1 if a page's query count grows.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from counting import open_plain  # noqa: E402
from django_setup import add_database_option, signed_in_client, start_django  # noqa: E402

# The limit the totals API is measured against: one GROUP BY over the same approved rows.
RAW_TOTALS_SQL = """
    SELECT f.period_id,
           COALESCE(SUM(CASE WHEN f.kind = 'reported' THEN f.value END), 0),
           COALESCE(SUM(CASE WHEN f.kind = 'suppressed' THEN f.upper END), 0),
           COUNT(CASE WHEN f.kind = 'suppressed' THEN 1 END),
           COUNT(DISTINCT CASE WHEN f.kind IN ('reported', 'suppressed') THEN f.request_id END)
    FROM figures_app_figure f
    JOIN figures_app_figurereview r ON r.request_id = f.request_id
    WHERE f.metric_id = %s AND f.category_key = '' AND r.state = %s
    GROUP BY f.period_id ORDER BY f.period_id
"""


def timed(fn, repeat: int) -> float:
    """Median milliseconds of `repeat` calls."""
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        runs.append((time.perf_counter() - started) * 1000)
    return statistics.median(runs)


def totals_api_and_sql(client, campaign, plain):
    """(call the totals API, call its floor, run the raw GROUP BY) for the campaign's one
    metric; checks once that all three give the same totals. The floor is the raw GROUP BY
    behind the same signed-in request (bench/loadsite/urls.py: the session, the user, the
    second factor and the role, then the one query, as JSON): no API can cost less. The raw
    GROUP BY runs on `plain`, a connection of the driver's own (bench/counting.py)."""

    from counting import execute

    from figures_app.models import ReviewState

    metric = campaign.metrics.get()
    api = api_url(campaign)
    floor = f"/bench/totals-floor/{metric.pk}/"

    def get(url):
        response = client.get(url)
        assert response.status_code == 200, response.content[:200]
        return response.json()

    def call_sql():
        return execute(plain, RAW_TOTALS_SQL, [metric.pk, ReviewState.APPROVED])

    totals = [r[1] for r in call_sql()]
    assert [p["total"] for p in get(api)["periods"]] == totals, "API and SQL disagree"
    assert [p["total"] for p in get(floor)["periods"]] == totals, "floor and SQL disagree"
    return (lambda: get(api)), (lambda: get(floor)), call_sql


def api_url(campaign) -> str:
    from django.urls import reverse

    metric = campaign.metrics.get()
    return reverse("figures_totals_api", args=[campaign.slug]) + f"?metric={metric.slug}"


def query_counts(client, pages: dict[str, str]) -> dict[str, int]:
    """Queries each page (a GET answered 200) runs, counted without a cap
    (bench/counting.py)."""
    from counting import counted

    counts = {}
    for name, url in pages.items():
        with counted() as counter:
            status = client.get(url).status_code
        assert status == 200, (url, status)
        counts[name] = counter.statements
    return counts


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--sizes",
        nargs=2,
        type=int,
        default=[2, 20],
        metavar=("SMALL", "LARGE"),
        help="Number of campaigns at the two sizes.",
    )
    parser.add_argument(
        "--repeat", type=int, default=7, help="Timed runs per measurement (median)."
    )
    add_database_option(parser)
    args = parser.parse_args()
    start_django(args)
    from django.core.management import call_command
    from django.db import connection
    from django.urls import reverse

    from figures_app.models import Figure
    from figures_app.seed import seed_campaigns
    from requests_app.models import Campaign

    call_command("migrate", verbosity=0)
    print(f"Database: {connection.vendor} {connection.settings_dict['NAME']}")

    results = []
    existing = Campaign.objects.filter(slug__startswith="bench-").count()
    for size in args.sizes:
        if size > existing:
            started = time.perf_counter()
            seed_campaigns(size - existing)
            print(f"Seeded {size - existing} campaigns in {time.perf_counter() - started:.1f}s")
            existing = size
        campaign = Campaign.objects.filter(slug__startswith="bench-").order_by("slug").last()
        n_figures = Figure.objects.count()
        # bench-checker is a reviewer, so every page wants the second factor.
        client = signed_in_client("bench-checker")
        plain = open_plain()
        call_api, call_floor, call_sql = totals_api_and_sql(client, campaign, plain)
        counts = query_counts(
            client,
            {
                "campaign": reverse("campaign_detail", args=[campaign.slug]),
                "totals": reverse("figures_campaign_totals", args=[campaign.slug]),
                "review queue": reverse("figures_review_queue"),
            },
        )
        counts.update(query_counts(client, {"totals API": api_url(campaign)}))
        results.append(
            {
                "campaigns": size,
                "figures": n_figures,
                "api_ms": timed(call_api, args.repeat),
                "floor_ms": timed(call_floor, args.repeat),
                "sql_ms": timed(call_sql, args.repeat),
                "counts": counts,
            }
        )
        plain.close()

    print()
    print(
        f"{'campaigns':>9} {'figures':>9} {'API ms':>8} {'floor ms':>8} {'raw SQL ms':>10}  queries: "
        + ", ".join(results[0]["counts"])
    )
    for r in results:
        print(
            f"{r['campaigns']:>9} {r['figures']:>9} {r['api_ms']:>8.1f} {r['floor_ms']:>8.1f} "
            f"{r['sql_ms']:>10.2f}  " + ", ".join(f"{v}" for v in r["counts"].values())
        )
    grew = [k for k in results[0]["counts"] if results[1]["counts"][k] > results[0]["counts"][k]]
    if grew:
        print(f"Query counts grew with size: {', '.join(grew)}")
        return 1
    print("Query counts are the same at both sizes.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
