"""Screening in a child process with hard limits: what the tracker runs on arrival.

The inspectors bound themselves (limits.py), but xlrd and pypdf are not ours: a file built to
make one of them loop or allocate would hang or kill the worker that stores the attachment.
The child sets itself a CPU-time and address-space limit before it reads anything, and the
parent a wall-clock timeout; whatever happens to
it, the caller gets findings (`unreadable` when the child was stopped), never an exception.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path, PurePath

from requests_app.screening import DOCUMENT_TYPES, screen_bytes
from requests_app.screening import findings as k
from requests_app.screening.findings import Finding, finding
from requests_app.screening.ole import OLE_MAGIC
from requests_app.screening.packages import ZIP_MAGIC
from requests_app.screening.pdf import is_pdf

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def needs_reading(name: str, data: bytes) -> bool:
    """True when the file is a document a parser must read (else nothing can hide in it that
    screening looks for: an image, an email)."""
    extension = PurePath(name or "").suffix.lower().lstrip(".")
    return (
        extension in DOCUMENT_TYPES
        or data[:4] == ZIP_MAGIC
        or data[:8] == OLE_MAGIC
        or is_pdf(data)
    )


def screen_sandboxed(
    name: str,
    data: bytes,
    *,
    seconds: float = 30.0,
    memory_mb: int = 1024,
    max_file_mb: int = 64,
    max_unpacked_mb: int = 400,
) -> list[Finding]:
    if not needs_reading(name, data):
        return screen_bytes(name, data)
    command = [
        sys.executable,
        "-m",
        "requests_app.screening",
        PurePath(name or "file").name,
        # The child stops itself a little before it is killed, so it can say why.
        "--seconds",
        str(max(1.0, seconds - 3)),
        "--max-file-mb",
        str(max_file_mb),
        "--max-unpacked-mb",
        str(max_unpacked_mb),
        "--memory-mb",
        str(memory_mb),
        "--cpu-seconds",
        str(int(seconds) + 1),
    ]
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}

    try:
        result = subprocess.run(
            command,
            input=data,
            capture_output=True,
            timeout=seconds,
            cwd=PROJECT_ROOT,
            env=env,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return [finding(k.UNREADABLE, f"screening stopped after {seconds:g} seconds", 1)]
    except OSError as exc:
        return [finding(k.UNREADABLE, f"screening could not start ({exc.strerror})", 1)]
    if result.returncode != 0:
        return [
            finding(
                k.UNREADABLE,
                "screening stopped: the file made the reader crash or run out of memory",
                1,
            )
        ]
    found = []
    for line in result.stdout.decode("utf-8", "replace").splitlines():
        if not line.strip():
            continue
        try:
            found.append(Finding.from_dict(json.loads(line)))
        except (ValueError, KeyError, TypeError):
            return [finding(k.UNREADABLE, "screening gave an answer it could not read", 1)]
    return found
