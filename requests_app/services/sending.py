"""Sending the requests: the tracker emails each force its request, exactly once.

`requests_send` (the web's confirm, one transaction) works out which of the chosen requests can
go and queues one Celery task per request after commit. Each task calls `request_send`, which:
1. claims the request in the sent-log (SentRequest, one row per request) in its own committed
   transaction: the row's uniqueness, not a read-then-write, picks the one worker that sends;
   a failed claim, or one whose worker died (older than FOI_SEND_STALE_CLAIM_MINUTES), is taken
   over by a conditional UPDATE that only one worker can win;
2. sends the email (outside any transaction: a claim must be visible before mail leaves);
3. marks the claim sent and, in the same transaction, moves the request to sent (received that
   day: day 0 of the s.10 clock) through `request_mark_sent`, with the message as an .eml
   attachment on the timeline event.

The window, and why it is at-least-once: between the SMTP server accepting the message (2) and
the commit of (3), a worker that dies leaves a claim that is neither sent nor failed. After the
stale timeout the send task, which keeps coming back while a claim is open (its redelivery
after the broker's visibility timeout, then its retries), sends it again, so the
force may get the request twice, with the same Message-ID and reference (the Message-ID is
chosen at the first claim and reused). The alternative, marking sent before the SMTP call
(at-most-once), would silently lose a request when the worker dies in that window, and a lost
request costs 20 working days before anyone notices. A duplicate costs a force a minute. Every
other failure is exactly-once: an SMTP error marks the claim failed and the retry resends it; a
crash before the SMTP call is resent after the timeout; a second send finds the claim sent.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from email.utils import formatdate
from typing import TYPE_CHECKING

from celery import current_app
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from requests_app.letters import Letter, new_message_id, request_letter
from requests_app.models import FoiRequest, RequestEvent, SentRequest
from requests_app.models.outbox import SendStatus
from requests_app.selectors.sending import SendPlan, requests_plan, send_stale_before
from requests_app.services.attachments import attachment_add
from requests_app.services.errors import ServiceError
from requests_app.services.lifecycle import request_mark_sent
from requests_app.workflow import Status

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser

logger = logging.getLogger(__name__)

SEND_TASK = "requests_app.send_request"


class Outcome:
    SENT = "sent"
    ALREADY_SENT = "already sent"
    IN_PROGRESS = "being sent by another worker"
    NO_ADDRESS = "the force has no FOI address"
    NOT_DRAFT = "no longer a draft"
    GONE = "deleted"


class SendFailed(Exception):
    """The email could not be sent; the claim is marked failed and a retry takes it over."""


@transaction.atomic
def requests_send(*, request_ids: Iterable[int], actor: AbstractBaseUser | None) -> SendPlan:
    """Queue a send task for each request that can go; the tasks start after commit.

    Returns the plan, so the caller can say what was queued and what could not go and why.
    """
    ids = list(request_ids)
    if not ids:
        raise ServiceError("Select at least one request.", "request_ids")
    plan = requests_plan(request_ids=ids)
    actor_id = actor.pk if actor is not None else None
    for request_id in plan.ready_ids:
        transaction.on_commit(
            lambda pk=request_id: current_app.tasks[SEND_TASK].delay(pk, actor_id), robust=True
        )
    return plan


def request_send(*, request_id: int, actor: AbstractBaseUser | None) -> str:
    """Send one request if it is still owed; an Outcome value. Safe to call twice, or at once.

    Deliberately not one transaction (see the module docstring): the claim commits before the
    email leaves, and the record of the send commits after. Raises SendFailed on an SMTP error.
    """
    token = uuid.uuid4().hex
    claim = _claim(request_id=request_id, actor=actor, token=token)
    if isinstance(claim, str):
        return claim
    foi = FoiRequest.objects.select_related("force", "campaign").filter(pk=request_id).first()
    problem = _cannot_send(foi)
    if problem:
        SentRequest.objects.filter(pk=claim.pk, claim_token=token).update(
            status=SendStatus.SKIPPED, last_error=problem
        )
        return problem
    letter = request_letter(foi)
    message = _message(letter, claim.message_id)
    raw = message.message().as_bytes()
    # The window this module's docstring describes opens here...
    try:
        message.send()
    except Exception as exc:  # anything that stops delivery: keep the claim for a retry
        logger.warning("Sending %s to %s failed: %r", foi.reference, letter.to, exc)
        SentRequest.objects.filter(pk=claim.pk, claim_token=token).update(
            status=SendStatus.FAILED, attempts=F("attempts") + 1, last_error=repr(exc)[:2000]
        )
        raise SendFailed(f"{foi.reference} to {letter.to}: {exc!r}") from exc
    # ...and closes when this commits.
    if _record_sent(foi, claim, letter, raw=raw, actor=actor, token=token):
        logger.info("Sent %s to %s (%s)", foi.reference, letter.to, claim.message_id)
        return Outcome.SENT
    return Outcome.IN_PROGRESS


def _cannot_send(foi: FoiRequest | None) -> str:
    if foi is None:
        return Outcome.GONE
    if foi.status != Status.DRAFT:
        return Outcome.NOT_DRAFT
    if not foi.force.foi_email:
        return Outcome.NO_ADDRESS
    return ""


def _claim(*, request_id: int, actor: AbstractBaseUser | None, token: str) -> SentRequest | str:
    """The claim this worker now holds, or the Outcome saying why it holds none."""
    now = timezone.now()
    if not FoiRequest.objects.filter(pk=request_id).exists():
        return Outcome.GONE
    with transaction.atomic():
        # ignore_conflicts: the one-to-one's unique index, not a read-then-write, picks the
        # winner. The Message-ID is fixed here, so a re-send reuses it.
        SentRequest.objects.bulk_create(
            [
                SentRequest(
                    request_id=request_id,
                    status=SendStatus.CLAIMED,
                    claim_token=token,
                    claimed_at=now,
                    message_id=new_message_id(),
                    requested_by=actor,
                )
            ],
            ignore_conflicts=True,
        )
    # Take over a claim whose send failed, or whose worker died before recording the send.
    # The conditional UPDATE is atomic: of two workers, only one sees the old status.
    SentRequest.objects.filter(request_id=request_id).filter(
        Q(status=SendStatus.FAILED)
        | Q(status=SendStatus.CLAIMED, claimed_at__lt=send_stale_before())
    ).update(claim_token=token, status=SendStatus.CLAIMED, claimed_at=now)
    row = SentRequest.objects.filter(request_id=request_id).first()
    if row is None:
        return Outcome.GONE
    if row.claim_token == token and row.status == SendStatus.CLAIMED:
        return row
    if row.status == SendStatus.SENT:
        return Outcome.ALREADY_SENT
    if row.status == SendStatus.SKIPPED:
        # Skipped earlier (no address, or marked sent by hand): if it can go now, go.
        updated = SentRequest.objects.filter(pk=row.pk, status=SendStatus.SKIPPED).update(
            claim_token=token, status=SendStatus.CLAIMED, claimed_at=now
        )
        if updated:
            row.refresh_from_db()
            return row
    return Outcome.IN_PROGRESS


def _message(letter: Letter, message_id: str) -> EmailMessage:
    return EmailMessage(
        subject=letter.subject,
        body=letter.body,
        from_email=letter.from_email,
        to=[letter.to],
        reply_to=[letter.reply_to],
        headers={
            "Message-ID": message_id,
            "Date": formatdate(localtime=True),
            "X-FOI-Tracker-Kind": "request",
        },
    )


@transaction.atomic
def _record_sent(
    foi: FoiRequest,
    claim: SentRequest,
    letter: Letter,
    *,
    raw: bytes,
    actor: AbstractBaseUser | None,
    token: str,
) -> bool:
    today = timezone.localdate()
    updated = SentRequest.objects.filter(pk=claim.pk, claim_token=token).update(
        status=SendStatus.SENT,
        sent_at=timezone.now(),
        to_email=letter.to,
        attempts=F("attempts") + 1,
        last_error="",
    )
    if not updated:
        # Another worker took the claim over as stale while this one was sending.
        logger.warning("Sent-log claim %s was taken over while sending.", claim.pk)
        return False
    eml = SimpleUploadedFile(f"{foi.reference}.eml", raw, content_type="message/rfc822")
    note = f"Sent by email to {letter.to}: {letter.subject}"
    locked = FoiRequest.objects.select_for_update().get(pk=foi.pk)
    if locked.status == Status.DRAFT:
        event = request_mark_sent(
            request_id=foi.pk,
            actor=actor,
            sent_on=today,
            received_on=today,
            note=note,
            attachments=[eml],
        )
    else:
        # Someone marked it sent by hand while the email was in flight: keep their dates (the
        # clock they started) and still put the email we sent on the timeline.
        event = RequestEvent.objects.create(
            request=locked,
            kind=RequestEvent.Kind.NOTE,
            actor=actor,
            happened_on=today,
            note=f"{note} (the request had already been marked {locked.get_status_display()}).",
        )
        attachment_add(request_id=foi.pk, actor=actor, upload=eml, event=event)
    event.data = {
        **event.data,
        "message_id": claim.message_id,
        "to": letter.to,
        "reply_to": letter.reply_to,
        "sent_log_id": claim.pk,
    }
    event.save(update_fields=["data"])
    FoiRequest.objects.filter(pk=foi.pk).update(sent_message_id=claim.message_id)
    return True
