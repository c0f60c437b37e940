from datetime import datetime

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from figures_app.services.releases import ReleaseError, ReleaseSpec, release_publish
from requests_app.models import Campaign


def parse_when(text: str) -> datetime:
    """'2017-06-01 00:01' or ISO 8601 ('2017-06-01T00:01:00+01:00'); without a zone, the site's
    (Europe/London)."""
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise CommandError(
            f"--at: '{text}' is not a date and time (e.g. 2017-06-01 00:01)."
        ) from None
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value


class Command(BaseCommand):
    help = (
        "Publish the campaign's approved figures as release SLUG (frozen). Run again with the "
        "same --slug to publish the next version, --note giving the changelog's reason. With "
        "--at in the future the release is embargoed until then."
    )

    def add_arguments(self, parser):
        parser.add_argument("campaign", help="Campaign slug.")
        parser.add_argument("--slug", required=True, help="The release's public address.")
        parser.add_argument("--title", help="Required for the first version.")
        parser.add_argument("--user", required=True, help="Username (reviewer role).")
        parser.add_argument(
            "--metric",
            action="append",
            dest="metrics",
            help="Metric slug (repeat for several); default every metric, or the previous "
            "version's.",
        )
        parser.add_argument("--at", help="Public from this date and time (an embargo).")
        parser.add_argument("--note", default="", help="Why this version: the changelog's reason.")

    def handle(self, *args, **options):
        campaign = Campaign.objects.filter(slug=options["campaign"]).first()
        if campaign is None:
            raise CommandError(f"No campaign '{options['campaign']}'.")
        user = get_user_model().objects.filter(username=options["user"]).first()
        if user is None:
            raise CommandError(f"No user called '{options['user']}'.")
        publish_at = parse_when(options["at"]) if options["at"] else None
        try:
            version = release_publish(
                campaign=campaign,
                actor=user,
                slug=options["slug"],
                spec=ReleaseSpec(title=options["title"], metric_slugs=options["metrics"]),
                publish_at=publish_at,
                note=options["note"],
            )
        except PermissionDenied:
            raise CommandError(
                f"{user.username} does not have the reviewer role needed to publish."
            ) from None
        except ReleaseError as error:
            raise CommandError(str(error)) from None
        release = version.release
        when = timezone.localtime(version.publish_at)
        embargoed = version.publish_at > timezone.now()
        self.stdout.write(
            self.style.SUCCESS(
                f"Published '{release.title}' version {version.number} at "
                f"{release.get_absolute_url()}"
                + (f", embargoed until {when:%Y-%m-%d %H:%M %Z}." if embargoed else ", public now.")
            )
        )
        for line in version.changelog:
            self.stdout.write(f"  {line}")
