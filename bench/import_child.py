"""One tidy import in a process of its own, so that its peak memory is the import's: run by
bench/run.py as `python bench/import_child.py CAMPAIGN FILE USERNAME`, with the site's
environment. Prints one JSON line: seconds, peak and baseline resident memory (MB), output."""

from __future__ import annotations

import io
import json
import os
import resource
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "foi_tracker.settings")


def main() -> int:
    slug, path, username = sys.argv[1:4]
    import django

    django.setup()
    from django.core.management import call_command

    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out = io.StringIO()
    started = time.perf_counter()
    call_command("import_figures", slug, path, "--user", username, stdout=out)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "seconds": seconds,
                "peak_mb": peak,
                "baseline_mb": baseline,
                "output": out.getvalue().strip(),
            }
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
