"""bench/run.py's table: the rows measured so far, the measurements that failed, notes, and the
table printed at the end."""

from __future__ import annotations

import argparse
import json
import os
import time
import traceback
from dataclasses import dataclass
from pathlib import Path


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
        # Page -> requests/s as a share of the bare view's, for the growth between scales.
        self.load_ratios: dict[str, float] = {}

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


def compare_scales(bench: Bench, vendor: str, folder: Path) -> None:
    """Keep this run's load ratios (a JSON file per database and scale in `folder`) and add a
    row for the dashboard's growth against each other scale kept there (issue 28: its cost
    flat from scale 10 to 100): the smaller scale's ratio over the larger's, 1.0 when flat."""
    if not bench.load_ratios:
        return
    folder.mkdir(parents=True, exist_ok=True)
    scale = bench.args.scale
    record = {"scale": scale, "vendor": vendor, "when": time.time(), **bench.load_ratios}
    (folder / f"load-{vendor}-scale-{scale:g}.json").write_text(json.dumps(record))
    for path in sorted(folder.glob(f"load-{vendor}-scale-*.json")):
        other = json.loads(path.read_text())
        if other["scale"] == scale or "dashboard" not in other:
            continue
        small, large = sorted([other, record], key=lambda r: r["scale"])
        growth = small["dashboard"] / large["dashboard"] if large["dashboard"] else float("inf")
        bench.add(
            f"dashboard's cost, scale {small['scale']:g} -> {large['scale']:g} "
            f"(x bare view: {small['dashboard']:.3f} -> {large['dashboard']:.3f})",
            f"grew x{growth:.2f}",
            "-",
            f"{growth:.2f}",
            "flat (<= 1.25)",
            growth <= 1.25,
        )
