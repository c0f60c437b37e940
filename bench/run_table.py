"""bench/run.py's table: the rows measured so far, the measurements that failed, notes, and the
table printed at the end."""

from __future__ import annotations

import argparse
import os
import time
import traceback
from dataclasses import dataclass


@dataclass
class Row:
    name: str
    measured: str
    limit: str = "-"
    ratio: str = "-"
    target: str = "-"
    meets: bool | None = None


class Bench:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.rows: list[Row] = []
        self.failed: list[str] = []
        self.notes: list[str] = []

    def measure(self, what: str, fn) -> None:
        """Run one measurement; an error is reported and the run goes on to the next."""
        started = time.perf_counter()
        print(f"- {what} ...", flush=True)
        try:
            fn()
        except Exception:
            traceback.print_exc()
            self.failed.append(what)
            self.rows.append(Row(what, "ERROR (traceback above)"))
        print(f"  ({time.perf_counter() - started:.1f} s)", flush=True)

    def add(self, *args, **kwargs) -> None:
        row = Row(*args, **kwargs)
        self.rows.append(row)
        # Also as it comes, so that a long run stopped part way has its rows in the log.
        print(
            f"  {row.name}: {row.measured} | {row.limit} | {row.ratio} | {row.target}", flush=True
        )


def fmt_ms(ms: float) -> str:
    return f"{ms:,.1f} ms" if ms < 10_000 else f"{ms / 1000:,.1f} s"


def print_table(bench: Bench, vendor: str) -> None:
    header = Row("row", "measured", "limit", "ratio", "target")
    table = [header, *bench.rows]
    cells = [
        [r.name, r.measured, r.limit, r.ratio, r.target, "meets" if r is header else yes(r.meets)]
        for r in table
    ]
    widths = [max(len(c[i]) for c in cells) for i in range(6)]
    print(
        f"\nIssue 11 at scale {bench.args.scale:g} on {vendor}, {time.strftime('%Y-%m-%d %H:%M %Z')}"
    )
    for n, c in enumerate(cells):
        print(" | ".join(v.ljust(w) for v, w in zip(c, widths, strict=True)).rstrip())
        if n == 0:
            print("-+-".join("-" * w for w in widths))
    met = [r.meets for r in bench.rows if r.meets is not None]
    print(f"\n{sum(met)} of {len(met)} targets met. Times are medians of {bench.args.repeat} runs.")
    load = os.getloadavg()
    print(f"Load average at the end: {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}")
    for note in bench.notes:
        print(f"  {note}")


def yes(meets: bool | None) -> str:
    return "-" if meets is None else "yes" if meets else "no"
