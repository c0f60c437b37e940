"""The request email for one force: addresses, subject and the rendered letter.

Shared by the preview (selectors), the send (services) and the command, so that what staff see
before confirming is what goes. Pure: no writes, no sending.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from email.utils import formataddr

from django.conf import settings
from django.template.loader import render_to_string

from requests_app.models import FoiRequest


@dataclass(frozen=True)
class Letter:
    to: str
    from_email: str
    reply_to: str
    subject: str
    body: str


def from_address() -> str:
    """The organisation's name and FOI_FROM_EMAIL, as the From header shows them."""
    return formataddr((settings.FOI_ORGANISATION, settings.FOI_FROM_EMAIL))


def message_id_domain() -> str:
    """The domain our Message-IDs carry: that of FOI_FROM_EMAIL (not the host's name)."""
    return settings.FOI_FROM_EMAIL.rpartition("@")[2] or "localhost"


def new_message_id() -> str:
    """A Message-ID for an email we send: 144 random bits from `secrets`, so that only a mail
    system that saw the email can name it. A reply naming a Message-ID we sent and stored is
    trusted to act on its request (mail/matching.py), so the ID must be unguessable: neither a
    sequence number nor `email.utils.make_msgid` (whose random part is the `random` module's)."""
    return f"<foi.{secrets.token_urlsafe(18)}@{message_id_domain()}>"


def request_subject(foi: FoiRequest) -> str:
    """The subject the request email goes (or went) with; chasers reply to it ("Re: ...")."""
    context = {"campaign": foi.campaign, "reference": foi.reference}
    return " ".join(render_to_string("emails/request-subject.txt", context).split())


def request_letter(foi: FoiRequest, periods=None) -> Letter:
    """The email `foi` is (or would be) sent as. `periods`: the campaign's, if already loaded."""
    context = {
        "campaign": foi.campaign,
        "force": foi.force,
        "reference": foi.reference,
        "organisation": settings.FOI_ORGANISATION,
        "request_text": foi.campaign.render_request_text(foi.force, periods),
    }
    body = render_to_string("emails/request-body.txt", context)
    return Letter(
        to=foi.force.foi_email,
        from_email=from_address(),
        reply_to=foi.reply_to,
        subject=request_subject(foi),
        body=body,
    )
