"""The production settings, with a URLconf that adds /bench/bare/ (bench/bench_load.py only)."""

from foi_tracker.settings import *  # noqa: F403

ROOT_URLCONF = "loadsite.urls"
