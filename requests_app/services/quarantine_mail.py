"""Telling a force, by the tracker's own mail, that a file it sent holds hidden data (issue 13).

The note is the one the file's page shows (quarantine.force_note). It goes from the tracker's
address, in the request's thread when the tracker sent the request (In-Reply-To its Message-ID,
the request's Reply-To), and lands on the request's timeline with the email as an .eml.

Never twice: the screening's `force_told_at` is claimed (a conditional UPDATE, committed) before
the email leaves, and given back if sending fails. A worker that dies between the SMTP call and
recording it leaves the claim standing and no timeline entry: the force got one note, and the
page says it was told; the same window, and the same choice, as sending a request
(services/sending.py).
"""

from __future__ import annotations

import logging
from email.utils import formatdate
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone

from requests_app import roles
from requests_app.letters import from_address, new_message_id
from requests_app.models import AttachmentScreening, RequestAttachment, RequestEvent
from requests_app.selectors.quarantine import force_note, screening_of
from requests_app.services.attachments import attachment_add
from requests_app.services.errors import ServiceError
from requests_app.services.needs_you_version import needs_you_changed
from requests_app.text import long_date

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser

logger = logging.getLogger(__name__)


def attachment_email_force_note(*, attachment_id: int, actor: AbstractBaseUser) -> str:
    """Email the force the note about its quarantined file and record that it was told.
    Returns the address it went to; ServiceError if it cannot go (or has gone already)."""
    roles.require_view(actor)
    attachment = RequestAttachment.objects.select_related(
        "request__force", "request__campaign"
    ).get(pk=attachment_id)
    foi = attachment.request
    screening = screening_of(attachment)
    if screening is None or not screening.quarantined:
        raise ServiceError("Only a quarantined file needs a note to the force.")
    if screening.force_told_at:
        raise ServiceError(
            f"The force was already told, on {long_date(timezone.localtime(screening.force_told_at))}."
        )
    note = force_note(attachment, screening)
    if not note.to:
        raise ServiceError(
            f"{foi.force.name} has no FOI address on record: set one, then send the note."
        )
    claimed_at = timezone.now()
    with transaction.atomic():
        claimed = AttachmentScreening.objects.filter(
            pk=screening.pk, quarantined=True, force_told_at__isnull=True
        ).update(force_told_at=claimed_at, force_told_by=actor)
    if not claimed:
        raise ServiceError("The force was already told (someone else sent the note just now).")
    needs_you_changed()
    message = _message(foi, note)
    try:
        message.send()
    except Exception as exc:  # anything that stops delivery: give the claim back
        logger.warning("Quarantine note for attachment %s failed: %r", attachment.pk, exc)
        AttachmentScreening.objects.filter(pk=screening.pk, force_told_at=claimed_at).update(
            force_told_at=None, force_told_by=None
        )
        needs_you_changed()
        raise ServiceError(
            "The email could not be sent; nothing was recorded. Try again, or send the text "
            "yourself and record it."
        ) from exc
    _record(attachment, message, note.to, actor)
    return note.to


def _message(foi, note) -> EmailMessage:
    threaded = bool(foi.sent_message_id)
    headers = {
        "Message-ID": new_message_id(),
        "Date": formatdate(localtime=True),
        "X-FOI-Tracker-Kind": "quarantine-note",
    }
    # In the request's thread when the tracker sent it, so the force's reply is matched as the
    # request's replies are; otherwise as a chaser of a request marked sent by hand.
    reply_to = [settings.CHASER_REPLY_TO] if settings.CHASER_REPLY_TO else []
    if threaded:
        headers["In-Reply-To"] = headers["References"] = foi.sent_message_id
        reply_to = [foi.reply_to]
    return EmailMessage(
        subject=note.subject,
        body=note.body,
        from_email=from_address(),
        to=[note.to],
        reply_to=reply_to,
        headers=headers,
    )


@transaction.atomic
def _record(attachment: RequestAttachment, message: EmailMessage, to: str, actor) -> None:
    foi = attachment.request
    event = RequestEvent.objects.create(
        request=foi,
        kind=RequestEvent.Kind.NOTE,
        actor=actor,
        happened_on=timezone.localdate(),
        note=f"Emailed {to}: {attachment.original_name} holds hidden data (the note to the force).",
        data={
            "attachment": attachment.pk,
            "screening": "force_told",
            "message_id": message.extra_headers["Message-ID"],
            "to": to,
        },
    )
    eml = SimpleUploadedFile(
        f"{foi.reference}-note-to-force.eml",
        message.message().as_bytes(),
        content_type="message/rfc822",
    )
    attachment_add(request_id=foi.pk, actor=actor, upload=eml, event=event)
