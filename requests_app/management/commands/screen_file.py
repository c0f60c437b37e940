"""`manage.py screen_file PATH`: what screening finds in a file, one JSON object per line.

The same screening, in the same limited child process, that the tracker runs when it stores an
attachment (issue 13). Each line has `kind`, `where`, `count` and `personal_data_risk`; a file
with nothing to report prints nothing. Exits 0 whatever the file holds; a path that cannot be
read is an error.
"""

import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from requests_app.screening import finding
from requests_app.screening import findings as kinds
from requests_app.screening.sandbox import screen_sandboxed


class Command(BaseCommand):
    help = (
        "Screen a file for hidden data (hidden sheets, rows and columns, pivot caches, comments, "
        "tracked changes, embedded files, macros, ...): one JSON object per finding."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="The file to screen.")

    def handle(self, *args, **options):
        path = Path(options["path"])
        limit = settings.ATTACHMENT_MAX_BYTES
        try:
            with path.open("rb") as handle:
                # Read one byte past the limit, never the whole of a huge file.
                data = handle.read(limit + 1)
        except OSError as exc:
            raise CommandError(f"{path}: {exc.strerror or exc}") from None
        if len(data) > limit:
            found = [
                finding(
                    kinds.UNREADABLE,
                    f"larger than the {limit // (1024 * 1024)} MB attachment limit: not screened",
                    1,
                )
            ]
        else:
            found = screen_sandboxed(
                path.name,
                data,
                seconds=settings.SCREENING_MAX_SECONDS,
                memory_mb=settings.SCREENING_MAX_MEMORY_MB,
                max_file_mb=limit // (1024 * 1024) + 1,
                max_unpacked_mb=settings.SCREENING_MAX_UNPACKED_MB,
            )
        for item in found:
            self.stdout.write(json.dumps(item.as_dict()))
