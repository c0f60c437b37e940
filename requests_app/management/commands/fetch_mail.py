"""python manage.py fetch_mail [--limit N]"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from requests_app.services.errors import ServiceError
from requests_app.services.mail_fetch import mail_fetch
from requests_app.text import plural


class Command(BaseCommand):
    help = (
        "Read new mail from the IMAP mailbox (FOI_IMAP_URL) or, with none set, the drop folder "
        "(FOI_MAIL_DROP_DIR, var/inbox/*.eml), and file each message. A message leaves the "
        "mailbox (flagged seen, or moved) only once it is stored."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--limit",
            type=int,
            default=settings.FOI_MAIL_FETCH_BATCH,
            help="At most this many messages in this run (default FOI_MAIL_FETCH_BATCH).",
        )
        parser.add_argument("--quiet", action="store_true", help="Print only the summary.")

    def handle(self, *args, **options):
        if options["limit"] < 1:
            raise CommandError("--limit must be at least 1.")
        try:
            report = mail_fetch(limit=options["limit"])
        except ServiceError as exc:
            raise CommandError(str(exc)) from exc
        except OSError as exc:
            raise CommandError(f"Could not read the mailbox: {exc}") from exc
        if not options["quiet"]:
            for line in report.lines:
                self.stdout.write(line)
        self.stdout.write(report.summary())
        if report.counts["failed"]:
            raise CommandError(
                f"{plural(report.counts['failed'], 'message')} could not be stored and were left in "
                "the mailbox; see the log."
            )
