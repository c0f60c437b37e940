from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.utils import timezone

from accounts import two_factor
from foi_tracker.demo import demo_load_with_figures
from requests_app.demo import DEMO_USERS, refuse_unless_demo_site
from requests_app.text import plural


class Command(BaseCommand):
    help = "Load the demo users and campaigns (safe to run again: existing ones are kept)."

    def handle(self, *args, **options):
        # The demo's admin has a published password (demo / demo-password).
        refuse_unless_demo_site("load_demo creates an admin with a published password")
        today = timezone.localdate()
        _, made = demo_load_with_figures(today=today)
        for campaign in made:
            self.stdout.write(
                f"Loaded demo campaign '{campaign.title}' ({plural(campaign.requests.count(), 'request')})."
            )
        if not made:
            self.stdout.write("Demo campaigns already loaded.")
        self.stdout.write("Demo logins (change these before real use):")
        users = get_user_model().objects.in_bulk(
            [username for username, *_ in DEMO_USERS], field_name="username"
        )
        needs_code = []
        for username, password, roles, superuser in DEMO_USERS:
            what = "admin, " if superuser else ""
            self.stdout.write(f"  {username} / {password}  ({what}{', '.join(roles)})")
            if two_factor.required_for(users[username]):
                needs_code.append((username, two_factor.demo_authenticator(user=users[username])))
        if needs_code:
            self.stdout.write(
                "Reviewers and admins also type a code from an authenticator app. Add these keys "
                "to one (or paste the otpauth:// address), or print the current code with "
                "`.venv/bin/python manage.py demo_code USERNAME`:"
            )
            for username, device in needs_code:
                self.stdout.write(f"  {username}: key {two_factor.grouped_secret(device)}")
                self.stdout.write(f"    {device.config_url}")
