from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from requests_app.backups import BackupError, backup
from requests_app.text import plural


class Command(BaseCommand):
    help = (
        "Back up the whole tracker into a new folder: every app's rows (data.json), a copy of "
        "the attachment files (media/) and a manifest with rows per model and each file's "
        "SHA-256. Restore it with `manage.py restore DIR`."
    )

    def add_arguments(self, parser):
        parser.add_argument("folder", help="A folder that does not exist yet (or is empty).")

    def handle(self, *args, **options):
        try:
            result = backup(Path(options["folder"]))
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        rows = sum(result.counts.values())
        self.stdout.write(
            f"Backed up {plural(rows, 'row')} of {plural(len(result.counts), 'table')} and "
            f"{plural(result.files, 'file')} "
            f"({result.bytes} bytes) to {result.path}"
        )
