from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from foi_tracker.digest import FIGURE_SECTIONS
from requests_app.calendars import calendars
from requests_app.deadlines import FOIA
from requests_app.models.reminders import ReminderKind
from requests_app.selectors.reminder_runs import empty_counts, reminders_pending
from requests_app.services.reminders import reminders_send_daily
from requests_app.text import plural


class Command(BaseCommand):
    help = (
        "Send the daily staff digests and chasers to late forces, exactly as the scheduled job "
        "does, for a date (default today). Safe to repeat: nothing already sent is sent again."
    )

    def add_arguments(self, parser):
        parser.add_argument("--date", help="Run as if on this day (YYYY-MM-DD). Default: today.")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="List what would be sent; send and record nothing.",
        )

    def handle(self, *args, **options):
        if options["date"]:
            try:
                today = date.fromisoformat(options["date"])
            except ValueError:
                raise CommandError(
                    f"--date: '{options['date']}' is not a date (YYYY-MM-DD)."
                ) from None
        else:
            today = timezone.localdate()
        dry_run = options["dry_run"]

        reason = calendars()[FOIA].non_working_reason(today)
        if reason:
            self.stdout.write(
                f"{today:%a %d %b %Y} is not a working day ({reason}): no staff digests; "
                "chasers owed under a force's own calendar still go."
            )
        if dry_run:
            counts = empty_counts()
            for out in reminders_pending(today=today, extra_sections=FIGURE_SECTIONS):
                self.stdout.write(f"  would send {out.kind} to {out.to_email}: {out.subject}")
                counts[out.kind] += 1
        else:
            counts = reminders_send_daily(today=today, extra_sections=FIGURE_SECTIONS)
        verb = "Would send" if dry_run else "Sent"
        self.stdout.write(f"{verb} on {today:%a %d %b %Y}:")
        for kind in ReminderKind:
            self.stdout.write(f"  {kind.label}: {counts[kind.value]}")
        total = sum(counts[kind] for kind in ReminderKind.values)
        self.stdout.write(f"  Total: {total}")
        if counts["failed"]:
            raise CommandError(
                f"{plural(counts['failed'], 'email')} failed to send; they are listed in the admin "
                "(Sent reminders, status failed) and the next run sends them."
            )
