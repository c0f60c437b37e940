"""The corpus of real-world mail forms (tests/requests_app/mail_forms/), filled in for a request.

Each .eml is a string.Template: `fill` puts in the request's reply address, the Message-ID we
sent it with, its force's address and our reference; `forge` puts in what a stranger could
know instead (our reference, the force's address) with a reply address and Message-ID we never
issued, so the same form arrives as a forgery.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from email.utils import format_datetime
from pathlib import Path
from string import Template

from django.conf import settings
from django.utils import timezone

from requests_app.letters import request_subject
from requests_app.models import FoiRequest

FOLDER = Path(__file__).parent / "mail_forms"
KENT_EMAIL = "foi@kent.police.uk"  # the forms' force, as the conftest's sent_kent sends


@dataclass(frozen=True)
class Form:
    file: str
    kind: str
    sender: str
    carries_original: bool
    force_reference: str
    source: str
    note: str

    @property
    def name(self) -> str:
        return self.file.removesuffix(".eml")

    def template(self) -> Template:
        return Template((FOLDER / self.file).read_text(encoding="utf-8"))


def forms() -> list[Form]:
    entries = json.loads((FOLDER / "forms.json").read_text(encoding="utf-8"))
    return [Form(**entry) for entry in entries]


def _values(foi: FoiRequest, *, reply_to: str, sent_message_id: str) -> dict[str, str]:
    return {
        "reply_to": reply_to,
        "our_from": settings.FOI_FROM_EMAIL,
        "force_email": foi.force.foi_email,
        "force_domain": foi.force.foi_email.rpartition("@")[2],
        "sent_message_id": sent_message_id.strip("<>"),
        "reference": foi.reference,
        "subject": request_subject(foi),
        "date": format_datetime(timezone.now()),
    }


def fill(form: Form, foi: FoiRequest) -> bytes:
    """The form as the force's mail system would send it about our request email."""
    values = _values(foi, reply_to=foi.reply_to, sent_message_id=foi.sent_message_id)
    return form.template().safe_substitute(values).encode("utf-8")


def forge(form: Form, foi: FoiRequest) -> bytes:
    """The same form from someone who knows our reference and the force's address, but never
    saw our email: a reply address and Message-ID of the right shape that we never issued."""
    fake_token = secrets.token_urlsafe(16)
    values = _values(
        foi,
        reply_to=settings.FOI_REPLY_TO_TEMPLATE.format(token=fake_token),
        sent_message_id=f"foi.{secrets.token_urlsafe(18)}@{settings.FOI_FROM_EMAIL.rpartition('@')[2]}",
    )
    raw = form.template().safe_substitute(values)
    # A forger also sends it with our reference in the subject, as the repro does.
    return raw.replace("Subject: ", f"Subject: [{foi.reference}] ", 1).encode("utf-8")
