from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from foi_tracker.series import campaign_run_again_with_metrics
from requests_app.models import Campaign
from requests_app.roles import can_edit
from requests_app.services.errors import ServiceError
from requests_app.text import plural


class Command(BaseCommand):
    help = (
        "Run a campaign again for the next period: same forces as they are now (merged or "
        "renamed forces followed), letter, settings and metrics, the next period(s), nothing "
        "sent; in the campaign's series (created on first use). Nothing is written on error."
    )

    def add_arguments(self, parser):
        parser.add_argument("campaign", help="Slug of the campaign to run again.")
        parser.add_argument("--slug", help="Slug of the new campaign (default: derived).")
        parser.add_argument("--title", help="Title of the new campaign (default: derived).")
        parser.add_argument(
            "--user", help="Username recorded as making it (staff role; default: none recorded)."
        )

    def handle(self, *args, **options):
        source = Campaign.objects.filter(slug=options["campaign"]).first()
        if source is None:
            raise CommandError(f"No campaign '{options['campaign']}'.")
        actor = None
        if options["user"]:
            actor = get_user_model().objects.filter(username=options["user"]).first()
            if actor is None:
                raise CommandError(f"No user called '{options['user']}'.")
            if not can_edit(actor):
                raise CommandError(f"{actor.username} does not have the staff role.")
        try:
            result = campaign_run_again_with_metrics(
                campaign_id=source.pk, actor=actor, slug=options["slug"], title=options["title"]
            )
        except ServiceError as exc:
            where = f"--{exc.field}: " if exc.field in ("slug", "title") else ""
            raise CommandError(f"{where}{exc}") from None
        for before, now in result.followed:
            self.stdout.write(f"{before.name} is now asked as {now.name}.")
        for force in result.dropped:
            self.stdout.write(
                f"{force.name} is no longer active and no force lists it as a former name: "
                "not asked."
            )
        campaign = result.campaign
        self.stdout.write(
            self.style.SUCCESS(
                f"Created campaign '{campaign.slug}' in series '{result.series.slug}': "
                f"{plural(campaign.requests.count(), 'request')} not yet sent, periods "
                + ", ".join(p.label for p in result.periods)
                + "."
            )
        )
