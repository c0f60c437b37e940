from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from accounts import two_factor
from requests_app.demo import DEMO_USERS, refuse_unless_demo_site


class Command(BaseCommand):
    help = "Print a demo user's current two-factor code (local demo only, FOI_DEMO=true)."

    def add_arguments(self, parser):
        parser.add_argument("username", choices=[username for username, *_ in DEMO_USERS])

    def handle(self, *args, username: str, **options):
        refuse_unless_demo_site("demo_code prints a demo user's two-factor code")
        user = get_user_model().objects.filter(username=username).first()
        device = two_factor.authenticator_for(user) if user else None
        if device is None:
            raise CommandError(f"{username} has no authenticator: run load_demo first.")
        self.stdout.write(two_factor.current_code(device))
