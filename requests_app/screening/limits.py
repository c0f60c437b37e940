"""Bounds on one screening: bytes read, bytes unpacked, entries, and a clock.

Every inspector reads its file through these, so a zip bomb, a file whose zip headers lie about
their sizes, or a document built to make a parser loop gives a finding rather than a hung worker.
The sandbox (sandbox.py) adds hard limits on top (CPU time, address space) for the parsers we
do not control (xlrd, pypdf).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field


class ScreeningLimit(Exception):
    """A bound was reached: the message says which, in words for the attachment page."""


@dataclass
class Limits:
    max_file_bytes: int = 64 * 1024 * 1024
    max_unpacked_bytes: int = 400 * 1024 * 1024
    # A zip member that unpacks to more than this many times its packed size, once it is big
    # (real spreadsheets pack 5-30x; a bomb of zeros packs 1000x).
    max_ratio: int = 250
    ratio_applies_above: int = 5 * 1024 * 1024
    max_entries: int = 10_000
    max_pages: int = 5_000
    seconds: float = 25.0
    started: float = field(default_factory=time.monotonic)
    unpacked: int = 0

    def check_time(self) -> None:
        if time.monotonic() - self.started > self.seconds:
            raise ScreeningLimit(f"screening stopped after {self.seconds:g} seconds")

    def count_unpacked(self, size: int) -> None:
        self.unpacked += size
        if self.unpacked > self.max_unpacked_bytes:
            mb = self.max_unpacked_bytes // (1024 * 1024)
            raise ScreeningLimit(f"unpacks to more than {mb} MB (a zip bomb?)")
