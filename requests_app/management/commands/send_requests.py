"""python manage.py send_requests CAMPAIGN [--force NAME ...] [--dry-run]"""

from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse

from requests_app.force_names import ForceNameError, ForceResolver
from requests_app.models import Campaign
from requests_app.selectors.sending import requests_plan
from requests_app.services.sending import Outcome, SendFailed, request_send
from requests_app.workflow import Status


class Command(BaseCommand):
    help = (
        "Email a campaign's requests to the forces not yet sent to (or only the named ones), "
        "here and now, through the same sent-log as the web's Send: running it twice sends "
        "nothing twice. Prints what was sent and what could not be, and why."
    )

    def add_arguments(self, parser):
        parser.add_argument("campaign", help="The campaign's slug.")
        parser.add_argument(
            "--force",
            action="append",
            default=[],
            metavar="NAME",
            help="Only this force (name, short name, alias or ONS code); repeat for more.",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Print what would be sent; send nothing."
        )

    def handle(self, *args, **options):
        campaign = Campaign.objects.filter(slug=options["campaign"]).first()
        if campaign is None:
            raise CommandError(f"No campaign with the slug '{options['campaign']}'.")
        requests = campaign.requests.all()
        if options["force"]:
            resolver = ForceResolver()
            force_ids = []
            for name in options["force"]:
                try:
                    force = resolver.resolve(name)
                except ForceNameError as exc:
                    raise CommandError(f"--force: {exc}") from None
                if not requests.filter(force=force).exists():
                    raise CommandError(f"--force: {force.name} is not asked in this campaign.")
                force_ids.append(force.pk)
            requests = requests.filter(force_id__in=force_ids)
        else:
            requests = requests.filter(status=Status.DRAFT)
        plan = requests_plan(request_ids=requests.values_list("pk", flat=True))
        dry_run = options["dry_run"]

        sent = failed = 0
        for foi, letter in plan.ready:
            line = f"{foi.force.name} <{letter.to}> [{foi.reference}]"
            if dry_run:
                self.stdout.write(f"would send: {line}")
                continue
            try:
                outcome = request_send(request_id=foi.pk, actor=None)
            except SendFailed as exc:
                failed += 1
                self.stdout.write(f"FAILED: {line}: {exc} (run again to retry)")
                continue
            if outcome == Outcome.SENT:
                sent += 1
                self.stdout.write(f"sent: {line}")
            else:
                self.stdout.write(f"not sent: {line}: {outcome}")
        for foi in plan.no_address:
            url = reverse("force_address", args=[foi.force.pk])
            self.stdout.write(
                f"not sent: {foi.force.name}: no FOI address (set it at {url} "
                "or with update_forces)"
            )
        for foi in plan.sending:
            self.stdout.write(
                f"not sent: {foi.force.name}: being sent by another worker since "
                f"{foi.sent_log.claimed_at:%Y-%m-%d %H:%M}"
            )
        for foi in plan.not_draft:
            when = f" on {foi.sent_on:%Y-%m-%d}" if foi.sent_on else ""
            self.stdout.write(
                f"not sent: {foi.force.name}: already {foi.get_status_display().lower()}{when}"
            )
        could_not = len(plan.no_address) + len(plan.sending) + len(plan.not_draft)
        if dry_run:
            self.stdout.write(
                f"Dry run: {len(plan.ready)} would be sent, {could_not} could not; nothing sent."
            )
        else:
            self.stdout.write(f"{sent} sent, {failed} failed, {could_not} not sent.")
