"""`manage.py foi_deadline YYYY-MM-DD [--law foia|foisa]`: the s.10 due date for a request.

Lists the non-working days skipped (weekends, bank holidays, days added by hand), then prints the
due date alone on the last line so scripts can read it with `tail -n 1`.
"""

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from requests_app.calendars import calendar_for
from requests_app.deadlines import FOIA, LAWS, RESPONSE_WORKING_DAYS


class Command(BaseCommand):
    help = (
        "Print the due date (20th working day) for a request received on a date, after the "
        "non-working days it skips. The due date is alone on the last line."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "received_on", help="Date the authority received the request, YYYY-MM-DD."
        )
        parser.add_argument(
            "--law",
            choices=LAWS,
            default=FOIA,
            help="foia (default; UK-wide bank holidays) or foisa.",
        )

    def handle(self, *args, **options):
        raw = options["received_on"]
        try:
            received_on = date.fromisoformat(raw)
        except ValueError:
            raise CommandError(
                f"received_on: '{raw}' is not a valid date; expected YYYY-MM-DD."
            ) from None
        cal = calendar_for(options["law"])
        due = cal.add_working_days(received_on, RESPONSE_WORKING_DAYS)
        for day, reason in cal.skipped_days(received_on, due):
            self.stdout.write(f"{day:%Y-%m-%d} {day:%a} {reason}")
        self.stdout.write(f"{due:%Y-%m-%d}")
