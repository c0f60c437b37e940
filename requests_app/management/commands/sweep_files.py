"""`manage.py sweep_files [--older-than-hours N]`: delete the stored files no row names.

A file is written inside the transaction that stores its row (services/attachments.py says why);
when that transaction rolls back, or the process is killed before its commit, the file stays with
no row naming it. This deletes such files once they are older than any transaction could be.
Beat runs the same each night ("Sweep unreferenced files"); running it twice deletes nothing twice.
"""

from datetime import timedelta

from django.core.management.base import BaseCommand

from requests_app.services.attachments import SWEEP_AFTER, stored_files_sweep


class Command(BaseCommand):
    help = "Delete stored attachments and raw messages that no row names (left by rollbacks)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than-hours",
            type=float,
            default=SWEEP_AFTER.total_seconds() / 3600,
            help="Leave files written more recently than this (a transaction may still be open).",
        )

    def handle(self, *args, **options):
        if options["older_than_hours"] < 0:
            self.stderr.write("--older-than-hours must be 0 or more.")
            raise SystemExit(2)
        deleted = stored_files_sweep(older_than=timedelta(hours=options["older_than_hours"]))
        for name in deleted:
            self.stdout.write(f"Deleted {name}")
        self.stdout.write(f"Deleted {len(deleted)} file(s) no row names.")
