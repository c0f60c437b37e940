from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from figures_app.models import FigureSource
from figures_app.readers import ImportFileError
from figures_app.services.imports import import_figures
from requests_app.models import Campaign
from requests_app.roles import can_edit, can_review
from requests_app.text import plural


class Command(BaseCommand):
    help = (
        "Import figures from a tidy CSV or XLSX file (force, period, metric, one column per "
        "dimension, value, status?, note?). Every error is listed with its line; nothing is "
        "written on error. Re-importing the same file changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("campaign", help="Campaign slug.")
        parser.add_argument("file", help="Path to a .csv or .xlsx file.")
        parser.add_argument(
            "--user",
            help="Username recorded as entering the figures (staff role). Without it the "
            "figures are recorded as entered from the command line, pending review.",
        )
        parser.add_argument(
            "--approve",
            action="store_true",
            help="Also approve the figures (needs --user with the reviewer role).",
        )
        parser.add_argument(
            "--source",
            choices=FigureSource.values,
            default=FigureSource.FORCE,
            help="'published': figures loaded from what was published (an earlier year never "
            "tracked here), shown as such everywhere; default 'force' (the force's answer).",
        )

    def handle(self, *args, **options):
        campaign = Campaign.objects.filter(slug=options["campaign"]).first()
        if campaign is None:
            raise CommandError(f"No campaign '{options['campaign']}'.")
        path = Path(options["file"])
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror}.") from None
        user = None
        if options["approve"] and not options["user"]:
            raise CommandError("--approve needs --user USERNAME (someone with the reviewer role).")
        if options["user"]:
            user = get_user_model().objects.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(f"No user called '{options['user']}'.")
            if not can_edit(user):
                raise CommandError(f"{user.username} does not have the staff role.")
        if options["approve"] and not can_review(user):
            raise CommandError(
                f"{user.username} does not have the reviewer role needed to approve."
            )
        try:
            result = import_figures(
                campaign=campaign,
                actor=user,
                data=data,
                filename=path.name,
                approve=options["approve"],
                source=options["source"],
            )
        except ImportFileError as exc:
            for error in exc.errors:
                self.stderr.write(f"{path.name}: {error}")
            raise CommandError(
                f"{plural(len(exc.errors), 'error')} in {path.name}; nothing was imported."
            ) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {path.name} into '{campaign.slug}': {result.created} created, "
                f"{result.changed} changed, {result.deleted} removed, {result.unchanged} unchanged"
                + (
                    f"; approved figures of {plural(len(result.requests), 'request')}."
                    if options["approve"]
                    else "."
                )
            )
        )
