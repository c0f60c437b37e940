"""Peak memory and time of reading hostile and realistic XLSX files (issue 24), each in a fresh
process, on the three paths that read one: the tidy import (read_rows, both passes), the cells
page (read_sheets) and screening (screen_bytes). Not run by the tests.

    .venv/bin/python bench/xlsx_memory.py            # all files
    .venv/bin/python bench/xlsx_memory.py --quick    # smaller versions, a few seconds each

Prints one line per file and path: what happened, peak resident memory (MB, the child's VmHWM,
Python and Django included; not ru_maxrss, which Linux carries over from the parent) beside the
300 MB bound, the resident memory before reading, and seconds.
"""

from __future__ import annotations

import argparse
import io
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BOUND_MB = 300

CHILD = """
import json, os, sys, time
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "foi_tracker.test_settings")
import django
django.setup()
from figures_app.cells import CellsUnavailable, read_sheets
from figures_app.readers import ImportFileError, read_rows
from requests_app.screening import screen_bytes

def status(field):
    with open("/proc/self/status") as lines:
        return next(int(line.split()[1]) / 1024 for line in lines if line.startswith(field))

path, how = sys.argv[1:3]
data = open(path, "rb").read()
baseline = status("VmRSS:")
started = time.perf_counter()
try:
    if how == "import":
        columns, rows, _ = read_rows(data, "returned.xlsx")
        outcome = f"read {sum(1 for _ in rows):,} rows"
    elif how == "cells":
        outcome = f"read {len(read_sheets('returned.xlsx', data))} sheet(s)"
    else:
        found = screen_bytes("returned.xlsx", data)
        outcome = "; ".join(f"{f.kind}: {f.where}" for f in found) or "clean"
except ImportFileError as exc:
    outcome = "refused: " + exc.errors[0]
except CellsUnavailable as exc:
    outcome = "refused: " + str(exc)
except MemoryError:
    outcome = "out of memory"
print(json.dumps({
    "outcome": outcome,
    "seconds": time.perf_counter() - started,
    "baseline": baseline,
    "peak": status("VmHWM:"),
}))
"""


def realistic(rows: int) -> bytes:
    """A force's big return as Excel writes it: shared strings, numbers, a date column."""
    from datetime import date

    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("figures")
    sheet.append(["force", "period", "metric", "victim_age", "value", "status", "note", "date"])
    ages = ["Under 10", "10 to 15", "16 to 17", "18 and over"]
    for n in range(rows):
        sheet.append(
            [f"Force {n % 45}", f"20{10 + n % 10}/{11 + n % 10}", "offences", ages[n % 4],
             n % 997, "", f"note {n % 5000}", date(2016, 1 + n % 12, 1)]
        )  # fmt: skip
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller files")
    args = parser.parse_args()
    from tests.figures_app import hostile_xlsx

    folder = Path(tempfile.mkdtemp(prefix="xlsx-memory-"))
    files = {
        "whitespace bomb (390 MB of blanks)": lambda p: hostile_xlsx.whitespace_bomb(
            40 if args.quick else 390, path=p
        ),
        "300k rows of inline strings": lambda p: hostile_xlsx.inline_rows(
            30_000 if args.quick else 300_000, note=100, path=p
        ),
        "negative shared-string index": lambda p: p.write_bytes(
            hostile_xlsx.pointing_at({"A2": 0, "B2": -3})
        ),
        "realistic: 200k rows, shared strings": lambda p: p.write_bytes(
            realistic(20_000 if args.quick else 200_000)
        ),
    }
    print(
        f"{'file':38} {'path':7} {'peak MB':>8} {'bound':>6} {'base MB':>8} {'seconds':>8}  outcome"
    )
    for label, build in files.items():
        path = folder / (label.split()[0] + ".xlsx")
        build(path)
        for how in ("import", "cells", "screen"):
            result = subprocess.run(
                [sys.executable, "-c", CHILD, str(path), how],
                cwd=ROOT, capture_output=True, text=True,
            )  # fmt: skip
            if result.returncode:
                print(f"{label:38} {how:7} failed: {result.stderr.strip()[-300:]}")
                continue
            got = json.loads(result.stdout)
            print(
                f"{label:38} {how:7} {got['peak']:8.0f} {BOUND_MB:6} {got['baseline']:8.0f} "
                f"{got['seconds']:8.1f}  {got['outcome'][:110]}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
