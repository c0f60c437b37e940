"""receive_email holds a large message in memory a part at a time, not whole (a 57 MB message
with three 14 MB PDFs used to peak at over 500 MB).

Proved with a hard limit rather than by timing or sampling: `receive_email` runs in a child
process whose address space is capped (RLIMIT_AS) at what a one-line message needed plus a small
multiple of the largest attachment, and must still file the message and store every attachment
intact. The old code needed about thirty times the largest part on top; this needs about five.
The child has its own SQLite database (made from the models, not the migrations, to be quick),
whatever database the suite runs on.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.requests_app.mail_child import SETUP, child_env, reply_with_pdfs

pytestmark = pytest.mark.skipif(
    sys.platform != "linux", reason="RLIMIT_AS and /proc/self/status as Linux has them"
)

ROOT = Path(__file__).resolve().parents[2]
PARTS = 3
PART_BYTES = 5 * 1024 * 1024
# Room above the one-line message's peak, in largest parts: the parser's lines of one part, the
# part joined, and its decoding come to about five.
ALLOWED_PARTS = 8

# `python -c RECEIVE LIMIT < message.eml`: manage.py receive_email with its address space capped
# at LIMIT bytes (0: no cap); prints the peak it reached (VmPeak, kB) on standard error.
RECEIVE = """
import resource, runpy, sys
limit = int(sys.argv[1])
if limit:
    # The soft limit only: the screening child raises its own (requests_app/screening).
    resource.setrlimit(resource.RLIMIT_AS, (limit, resource.getrlimit(resource.RLIMIT_AS)[1]))
sys.argv = ["manage.py", "receive_email"]
try:
    runpy.run_path("manage.py", run_name="__main__")
finally:
    with open("/proc/self/status") as status:
        peak = next(line.split()[1] for line in status if line.startswith("VmPeak:"))
    sys.stderr.write(f"VmPeak {peak}\\n")
"""


class Child:
    """The project run in child processes, with its own database and temporary folder."""

    def __init__(self, tmp_path: Path) -> None:
        self.tmp = tmp_path / "tmp"
        self.tmp.mkdir()
        self.env = child_env(ROOT, tmp_path, self.tmp)

    def python(self, *args: str, stdin: Path | None = None) -> subprocess.CompletedProcess:
        with open(stdin or os.devnull, "rb") as message:
            return subprocess.run(
                [sys.executable, *args],
                cwd=ROOT,
                env=self.env,
                stdin=message,
                capture_output=True,
                text=True,
                timeout=120,
            )

    def receive(self, message: Path, *, limit: int = 0) -> tuple[subprocess.CompletedProcess, int]:
        result = self.python("-c", RECEIVE, str(limit), stdin=message)
        peaks = [line for line in result.stderr.splitlines() if line.startswith("VmPeak ")]
        assert peaks, result.stderr[-3000:]
        return result, int(peaks[-1].split()[1]) * 1024

    def stored(self) -> set[str]:
        """The SHA-256 of every file stored (mail and attachments)."""
        return {
            hashlib.sha256(path.read_bytes()).hexdigest()
            for path in self.tmp.glob("foi-test-media-*/**/*")
            if path.is_file()
        }


def test_it_files_a_large_message_within_a_small_multiple_of_its_largest_part(tmp_path):
    child = Child(tmp_path)
    setup = child.python("-c", SETUP)
    assert setup.returncode == 0, setup.stderr[-3000:]
    reply_to = setup.stdout.strip().splitlines()[-1]

    small = tmp_path / "small.eml"
    small.write_bytes(reply_with_pdfs(reply_to, [b"%PDF-1.4 one page"], "small"))
    result, baseline = child.receive(small)
    assert result.returncode == 0 and "filed on" in result.stdout, result.stderr[-3000:]

    parts = [os.urandom(PART_BYTES) for _ in range(PARTS)]
    raw = reply_with_pdfs(reply_to, parts, "large")
    large = tmp_path / "large.eml"
    large.write_bytes(raw)
    limit = baseline + ALLOWED_PARTS * PART_BYTES
    result, peak = child.receive(large, limit=limit)
    assert result.returncode == 0 and "filed on" in result.stdout, (
        f"Over the limit of {limit:,} bytes (one-line message: {baseline:,}; the message is "
        f"{len(raw):,} bytes, its largest part {PART_BYTES:,}):\n{result.stderr[-3000:]}"
    )
    assert peak <= limit

    stored = child.stored()
    assert hashlib.sha256(raw).hexdigest() in stored  # the .eml, whole
    for part in parts:
        assert hashlib.sha256(part).hexdigest() in stored
