"""`manage.py count_deadlines`: count every campaign's requests overdue, long overdue and due
soon for today, as the dashboard shows them (CampaignDeadlineCounts, issue 28).

Beat runs the same just after midnight ("Count deadlines for the day"); the dashboard does it
itself on the day's first load if beat has not. Running it twice only counts again."""

from django.core.management.base import BaseCommand
from django.utils import timezone

from requests_app.services.deadline_counts import deadline_counts_refresh


class Command(BaseCommand):
    help = "Count every campaign's overdue and due-soon requests for today (the dashboard's)."

    def handle(self, *args, **options):
        counted = deadline_counts_refresh(today=timezone.localdate())
        self.stdout.write(f"Counted the deadlines of {counted} campaign(s).")
