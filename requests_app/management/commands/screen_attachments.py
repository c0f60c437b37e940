"""`manage.py screen_attachments [--limit N]`: screen every stored file that has not been screened.

Files stored before screening existed (issue 13), or restored from a backup taken before it,
have no screening: this screens them as the tracker does on arrival, quarantining any that can
hold personal data. Beat runs the same each night ("Screen unscreened files"); running it twice
screens nothing twice.
"""

from django.core.management.base import BaseCommand

from requests_app.services.screening import attachments_screen_unscreened, quarantined_files_move


class Command(BaseCommand):
    help = "Screen the stored files that have not been screened yet (quarantining as on arrival)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--limit", type=int, default=None, help="Screen at most this many files this run."
        )

    def handle(self, *args, **options):
        if options["limit"] is not None and options["limit"] < 1:
            self.stderr.write("--limit must be 1 or more.")
            raise SystemExit(2)
        counts = attachments_screen_unscreened(limit=options["limit"])
        moved = quarantined_files_move()
        self.stdout.write(
            f"Screened {counts['screened']} file(s): {counts['quarantined']} quarantined; "
            f"{counts['missing']} with missing bytes; {counts['skipped']} screened by another run."
            + (f" Moved {moved} quarantined file(s) to the quarantine storage." if moved else "")
        )
