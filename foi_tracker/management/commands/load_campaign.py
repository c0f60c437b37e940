from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from foi_tracker.campaign_json import load_campaign
from requests_app.campaign_json import CampaignJsonError
from requests_app.text import plural


class Command(BaseCommand):
    help = "Create a campaign (or with --update, change one) from a JSON file. Nothing is written on error."

    def add_arguments(self, parser):
        parser.add_argument("file", help="Path to the campaign JSON file.")
        parser.add_argument(
            "--update", action="store_true", help="Update the campaign with this slug."
        )
        parser.add_argument(
            "--user", help="Username recorded as making the change (default: none recorded)."
        )

    def handle(self, *args, **options):
        path = Path(options["file"])
        try:
            text = path.read_text(encoding="utf-8-sig")
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror}.") from None
        actor = None
        if options["user"]:
            actor = get_user_model().objects.filter(username=options["user"]).first()
            if actor is None:
                raise CommandError(f"No user called '{options['user']}'.")
        try:
            campaign, created = load_campaign(text, actor=actor, update=options["update"])
        except CampaignJsonError as exc:
            raise CommandError(f"{path}: {exc}") from None
        verb = "Created" if created else "Updated"
        counts = campaign.requests.count()
        self.stdout.write(
            self.style.SUCCESS(
                f"{verb} campaign '{campaign.slug}' with {plural(counts, 'request')}."
            )
        )
