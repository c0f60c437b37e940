from django.core.management.base import BaseCommand, CommandError

from requests_app.backups import BackupError, existing_data, place_for, read_manifest, restore
from requests_app.text import plural


class Command(BaseCommand):
    help = (
        "Restore a backup written by `manage.py backup` (a name in the backups storage, or a "
        "local folder path) into this database and the file storage. "
        "Checks the backup first; refuses a database that already holds data unless --force; "
        "the database part is all or nothing; every attachment's SHA-256 is verified."
    )

    def add_arguments(self, parser):
        parser.add_argument("folder")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Replace the data this database already holds (every table is emptied).",
        )

    def handle(self, *args, **options):
        folder = options["folder"]
        try:
            manifest = read_manifest(place_for(folder))
            self.stdout.write(
                f"Backup of {manifest['created_at']} ({manifest['database']}): checked "
                f"data.json and {plural(len(manifest['media']), 'file')} against the manifest."
            )
            if options["force"]:
                replaced = existing_data()
                if replaced:
                    rows = sum(replaced.values())
                    self.stderr.write(
                        f"WARNING: --force: emptying this database ({rows} rows in "
                        f"{len(replaced)} tables) and replacing it with the backup."
                    )
            result = restore(folder, force=options["force"])
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        rows = sum(result.counts.values())
        self.stdout.write(
            f"Restored {plural(rows, 'row')} of {plural(len(result.counts), 'table')} and "
            f"{plural(result.files, 'file')}; "
            f"{plural(result.verified_references, 'attachment')} verified by SHA-256."
        )
