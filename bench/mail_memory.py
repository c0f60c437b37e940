"""Peak memory of `manage.py receive_email` for messages of a few sizes, side by side, each in a
fresh process: a message of three equal PDF attachments, to the Inbox (no request matches) and
filed (to a request's reply address, so its attachments are stored and screened). Not run by
the tests; tests/requests_app/test_mail_memory.py holds the bound.

    .venv/bin/python bench/mail_memory.py                       # 5, 20 and 57 MB
    .venv/bin/python bench/mail_memory.py --sizes 57 --compare /path/to/an/older/checkout

Prints, per message: its size and largest part, the peak resident memory (the process's
VmHWM, Linux's: Python and Django included), what it adds to a one-line message's peak, and the
ratios peak / largest part and peak / message size (the added memory over the largest part in
brackets). --compare runs the same messages through another checkout of the project, for a
before and after in one run.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.requests_app.mail_child import SETUP, child_env, reply_with_pdfs  # noqa: E402

MB = 1024 * 1024

# manage.py receive_email, then its peak resident memory (kB) on standard error: VmHWM, not
# ru_maxrss, which Linux carries over from the parent across fork and exec.
RECEIVE = """
import runpy, sys
sys.argv = ["manage.py", "receive_email"]
try:
    runpy.run_path("manage.py", run_name="__main__")
finally:
    with open("/proc/self/status") as status:
        peak = next(line.split()[1] for line in status if line.startswith("VmHWM:"))
    sys.stderr.write(f"VmHWM {peak}\\n")
"""


def message(path: Path, *, to: str, size_mb: float, name: str) -> int:
    """Write a message of about `size_mb` MB (three equal attachments); returns the part size."""
    part = int(size_mb * MB / 3 / 1.37)  # base64 and its line breaks
    path.write_bytes(reply_with_pdfs(to, [os.urandom(part) for _ in range(3)], name))
    return part


class Project:
    """One checkout of the project, run with its own database and data folder."""

    def __init__(self, root: Path, work: Path) -> None:
        self.root = root
        work.mkdir()
        self.env = child_env(root, work, work)
        self.reply_to = self.python(SETUP).stdout.strip().splitlines()[-1]

    def python(self, code: str, stdin: Path | None = None) -> subprocess.CompletedProcess:
        with open(stdin or os.devnull, "rb") as handle:
            result = subprocess.run(
                [sys.executable, "-c", code],
                cwd=self.root,
                env=self.env,
                stdin=handle,
                capture_output=True,
                text=True,
                check=False,
            )
        if result.returncode != 0:
            sys.exit(f"{self.root}: failed:\n{result.stderr[-3000:]}")
        return result

    def peak_mb(self, path: Path) -> float:
        result = self.python(RECEIVE, stdin=path)
        line = [x for x in result.stderr.splitlines() if x.startswith("VmHWM ")][-1]
        return int(line.split()[1]) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=float, nargs="+", default=[5, 20, 57], help="MB")
    parser.add_argument("--compare", type=Path, help="another checkout, run beside this one")
    args = parser.parse_args()
    roots = [ROOT, *([args.compare.resolve()] if args.compare else [])]
    with tempfile.TemporaryDirectory(prefix="mail-memory-") as tmp:
        work = Path(tmp)
        print(f"{'project':<28} {'message':>8} {'part':>6} {'path':<6} {'peak':>7} "
              f"{'added':>7} {'peak/part':>12} {'peak/message':>13}")  # fmt: skip
        for number, root in enumerate(roots):
            project = Project(root, work / f"project-{number}")
            one_line = work / f"one-line-{number}.eml"
            message(one_line, to=project.reply_to, size_mb=0.0001, name=f"one-line-{number}")
            baseline = project.peak_mb(one_line)
            print(f"{str(root)[-28:]:<28} {'1 line':>8} {'':>6} {'filed':<6} {baseline:6.0f}M")
            for size in args.sizes:
                for where in ("inbox", "filed"):
                    to = project.reply_to if where == "filed" else "someone@example.org"
                    path = work / f"{number}-{size}-{where}.eml"
                    part = message(path, to=to, size_mb=size, name=f"{number}-{size}-{where}")
                    size_mb, part_mb = path.stat().st_size / MB, part / MB
                    peak = project.peak_mb(path)
                    path.unlink()
                    print(
                        f"{str(root)[-28:]:<28} {size_mb:7.1f}M {part_mb:5.1f}M {where:<6} "
                        f"{peak:6.0f}M {peak - baseline:6.0f}M "
                        f"{peak / part_mb:5.1f} ({(peak - baseline) / part_mb:4.1f}) "
                        f"{peak / size_mb:6.2f} ({(peak - baseline) / size_mb:4.2f})"
                    )


if __name__ == "__main__":
    main()
