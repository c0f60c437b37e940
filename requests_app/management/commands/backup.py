from django.core.management.base import BaseCommand, CommandError

from requests_app.backups import BackupError, backup
from requests_app.text import plural


class Command(BaseCommand):
    help = (
        "Back up the whole tracker into a new folder: every app's rows (data.json), a copy of "
        "the stored files (media/) and a manifest with rows per model and each file's "
        "SHA-256. Restore it with `manage.py restore NAME`."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "folder",
            help=(
                "A name in the backups storage (FOI_BACKUP_DIR locally, the backups bucket or "
                "prefix on S3), e.g. foi-2026-12-07; or a local folder given as a path "
                "(absolute, or starting with ./). It must not exist yet (or be empty)."
            ),
        )

    def handle(self, *args, **options):
        try:
            result = backup(options["folder"])
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        rows = sum(result.counts.values())
        self.stdout.write(
            f"Backed up {plural(rows, 'row')} of {plural(len(result.counts), 'table')} and "
            f"{plural(result.files, 'file')} "
            f"({result.bytes} bytes) to {result.path}"
        )
