import re
import uuid
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from requests_app.demo import DRAFT_SLUG, refuse_unless_demo_site
from requests_app.demo_mail import KINDS, demo_message
from requests_app.force_names import ForceNameError, resolve_force
from requests_app.models import FoiRequest

REFERENCE = re.compile(r"^\s*\[?(?:FOI-)?(\d{1,12})\]?\s*$", re.I)
WHAT = {
    "acknowledgement": "an automatic acknowledgement",
    "reply": "a reply with the figures attached",
    "out-of-office": "an out-of-office (filed; the request is still chased when late)",
    "bounce": "a bounce for the force's address",
    "unplaced": "a message that names no request (it will wait in the Inbox)",
}


class Command(BaseCommand):
    help = (
        "Local demo only: write a made-up email from a force into the drop folder "
        "(FOI_MAIL_DROP_DIR), to watch the tracker file it."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "request",
            help="Our reference for the request (FOI-123), or a force's name in --campaign.",
        )
        parser.add_argument(
            "--campaign",
            default=DRAFT_SLUG,
            help="With a force's name: the campaign's slug (default: the demo's draft campaign).",
        )
        parser.add_argument("--kind", choices=KINDS, default="reply")
        parser.add_argument(
            "--force-reference",
            default="",
            help="The force's own reference quoted in the email (default: made up).",
        )

    def handle(self, *args, request, campaign, kind, force_reference, **options):
        refuse_unless_demo_site("demo_reply writes made-up emails from police forces")
        foi = self._request(request, campaign)
        raw = demo_message(foi, kind, force_reference or f"FOI/{foi.pk:06d}")
        folder = Path(settings.FOI_MAIL_DROP_DIR)
        folder.mkdir(parents=True, exist_ok=True)
        name = f"demo-{kind}-{foi.reference}-{uuid.uuid4().hex[:8]}.eml"
        # Written under another name first, so a fetch running now never reads half a file.
        partial = folder / f".{name}.part"
        partial.write_bytes(raw)
        partial.rename(folder / name)
        self.stdout.write(
            f"Wrote {folder / name}: {WHAT[kind]}, from {foi.force.name} about {foi.reference}."
        )
        self.stdout.write(
            "The worker files it within five minutes. To file it now, press Check for mail now "
            "on the Inbox page, or run `.venv/bin/python manage.py fetch_mail`."
        )

    def _request(self, given: str, campaign: str) -> FoiRequest:
        requests = FoiRequest.objects.select_related("force", "campaign")
        found = REFERENCE.match(given)
        if found:
            foi = requests.filter(pk=found.group(1)).first()
            if foi is None:
                raise CommandError(
                    f"request: no request {given!r}. Give our reference, as shown on the request "
                    "page and in the subject of what we sent (e.g. FOI-123), or a force's name."
                )
            return foi
        try:
            force = resolve_force(given)
        except ForceNameError as exc:
            raise CommandError(f"request: {exc}") from exc
        foi = requests.filter(campaign__slug=campaign, force=force).first()
        if foi is None:
            raise CommandError(
                f"--campaign: no request to {force.name} in a campaign {campaign!r}."
            )
        return foi
