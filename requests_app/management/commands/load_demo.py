from django.core.management.base import BaseCommand
from django.utils import timezone

from requests_app.demo import DEMO_USERS, demo_load


class Command(BaseCommand):
    help = "Load the demo users and campaigns (safe to run again: existing ones are kept)."

    def handle(self, *args, **options):
        today = timezone.localdate()
        _, made = demo_load(today=today)
        for campaign in made:
            self.stdout.write(
                f"Loaded demo campaign '{campaign.title}' ({campaign.requests.count()} requests)."
            )
        if not made:
            self.stdout.write("Demo campaigns already loaded.")
        self.stdout.write("Demo logins (change these before real use):")
        for username, password, roles, superuser in DEMO_USERS:
            what = "admin, " if superuser else ""
            self.stdout.write(f"  {username} / {password}  ({what}{', '.join(roles)})")
