"""What bench_totals.py and bench_export.py share: the --use-database-url option and starting
Django on either that database or a fresh SQLite file in a temporary folder."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def add_database_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--use-database-url",
        action="store_true",
        help="Use DATABASE_URL as configured instead of a temporary SQLite file.",
    )


def start_django(args: argparse.Namespace) -> None:
    """Without --use-database-url nothing outside a temporary folder is touched."""
    if not args.use_database_url:
        os.environ.pop("DATABASE_URL", None)
        os.environ["FOI_DATA_DIR"] = tempfile.mkdtemp(prefix="foi-bench-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "foi_tracker.settings")
    os.environ.setdefault("DEBUG", "true")

    import django

    django.setup()
