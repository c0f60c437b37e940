"""Screening attachments on arrival, and what people do with a quarantined file (issue 13).

`attachment_screen` runs once, inside the transaction that stores the attachment
(services/attachments.py), so no file is ever stored unscreened: an upload, a file recorded
with a lifecycle action, an attachment of a reply filed from mail. The screening itself runs in
a child process with hard limits (requests_app/screening/sandbox.py).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.files import File
from django.db import IntegrityError, transaction
from django.utils import timezone

from requests_app import roles
from requests_app.models import (
    AttachmentDeletion,
    AttachmentScreening,
    QuarantineOpening,
    RequestAttachment,
    RequestEvent,
)
from requests_app.screening.findings import Finding
from requests_app.screening.sandbox import screen_sandboxed
from requests_app.selectors.quarantine import summary
from requests_app.services.data_versions import requests_data_changed
from requests_app.services.errors import ServiceError
from requests_app.services.needs_you_version import needs_you_changed
from requests_app.storage import QUARANTINE_PREFIX, quarantine_name

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser

logger = logging.getLogger(__name__)


def screen_data(*, name: str, data: bytes) -> list[Finding]:
    """The findings for a file's bytes (the child process with its limits); never raises."""
    return screen_sandboxed(
        name,
        data,
        seconds=settings.SCREENING_MAX_SECONDS,
        memory_mb=settings.SCREENING_MAX_MEMORY_MB,
        max_file_mb=settings.ATTACHMENT_MAX_BYTES // (1024 * 1024) + 1,
        max_unpacked_mb=settings.SCREENING_MAX_UNPACKED_MB,
    )


def must_quarantine(findings: list[Finding]) -> bool:
    return any(item.personal_data_risk for item in findings)


def attachment_screen(
    *, attachment: RequestAttachment, data: bytes = b"", findings: list[Finding] | None = None
) -> AttachmentScreening:
    """Record the findings for the stored file's bytes (`findings` when the caller screened them
    before choosing where to store the file); quarantine it when one of them can hold personal
    data, with a note on the request's timeline, and keep its bytes in the quarantine storage.
    Never raises for a bad file."""
    if findings is None:
        findings = screen_data(name=attachment.original_name, data=data)
    quarantined = must_quarantine(findings)
    if quarantined and not attachment.file.name.startswith(QUARANTINE_PREFIX):
        _move_to_quarantine(attachment)
    screening = AttachmentScreening.objects.create(
        attachment=attachment,
        findings=[item.as_dict() for item in findings],
        quarantined=quarantined,
    )
    if quarantined:
        needs_you_changed()
        RequestEvent.objects.create(
            request_id=attachment.request_id,
            kind=RequestEvent.Kind.NOTE,
            actor=None,
            happened_on=timezone.localdate(),
            note=(
                f"File quarantined: {attachment.original_name}: {summary(screening.findings)}. "
                "Only a reviewer can open it; it is kept out of exports."
            ),
            data={"attachment": attachment.pk, "screening": "quarantined"},
        )
        logger.warning(
            "Attachment %s (%s) quarantined: %s",
            attachment.pk,
            attachment.original_name,
            summary(screening.findings),
        )
    return screening


def _move_to_quarantine(attachment: RequestAttachment) -> None:
    """A file stored before it was screened (older releases, a restored backup) goes to the
    quarantine storage: written there now, the row pointed at it in this transaction, and the
    old copy deleted only after the commit (a rollback leaves the row and file as they were; the
    new copy is then left for the nightly sweep)."""
    storage, old = attachment.file.storage, attachment.file.name
    with storage.open(old, "rb") as source:
        attachment.file.name = storage.save(
            quarantine_name(old), File(source), max_length=RequestAttachment.file.field.max_length
        )
    RequestAttachment.objects.filter(pk=attachment.pk).update(file=attachment.file.name)

    def remove_old() -> None:
        try:
            storage.delete(old)
        except OSError:
            logger.exception("Could not delete %s after quarantining it.", old)

    transaction.on_commit(remove_old)


def attachments_screen_unscreened(*, limit: int | None = None) -> dict[str, int]:
    """Screen the files stored before screening existed (or restored from an older backup), one
    at a time, each in its own transaction: the nightly job and `screen_attachments`. A file
    screened meanwhile by another run is skipped (the screening is one per file); a file whose
    bytes are missing is counted, not screened. Returns counts: screened, quarantined, missing,
    skipped."""
    counts = {"screened": 0, "quarantined": 0, "missing": 0, "skipped": 0}
    waiting = (
        RequestAttachment.objects.filter(screening__isnull=True)
        .exclude(file="")
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for pk in waiting[:limit] if limit else waiting.iterator():
        attachment = RequestAttachment.objects.filter(pk=pk).first()
        if attachment is None:
            continue
        try:
            with attachment.file.open("rb") as handle:
                data = handle.read(settings.ATTACHMENT_MAX_BYTES + 1)
        except OSError:
            logger.warning("Attachment %s: its bytes are missing; not screened.", pk)
            counts["missing"] += 1
            continue
        try:
            with transaction.atomic():
                screening = attachment_screen(attachment=attachment, data=data)
        except IntegrityError:  # another run screened it first
            counts["skipped"] += 1
            continue
        counts["screened"] += 1
        counts["quarantined"] += screening.quarantined
    return counts


def quarantined_files_move() -> int:
    """Move files quarantined before the quarantine had a storage of its own (releases before
    issue 29, or restored from their backups) out of the public storage, each in its own
    transaction: the nightly screening job and `screen_attachments`. Returns how many moved; a
    file whose bytes are missing is logged and left."""
    moved = 0
    astray = (
        RequestAttachment.objects.filter(screening__quarantined=True)
        .exclude(file="")
        .exclude(file__startswith=QUARANTINE_PREFIX)
        .order_by("pk")
    )
    for attachment in astray.iterator():
        try:
            with transaction.atomic():
                _move_to_quarantine(attachment)
        except OSError:
            logger.warning("Attachment %s: its bytes are missing; not moved.", attachment.pk)
            continue
        moved += 1
    return moved


def _locked(attachment_id: int) -> RequestAttachment:
    try:
        return RequestAttachment.objects.select_for_update().get(pk=attachment_id)
    except RequestAttachment.DoesNotExist:
        raise ServiceError("That file no longer exists.") from None


@transaction.atomic
def attachment_open_quarantined(
    *, attachment_id: int, actor: AbstractBaseUser, understood: bool
) -> RequestAttachment:
    """Let a reviewer open a quarantined file, recording who and when."""
    roles.require_review(actor)
    if not understood:
        raise ServiceError(
            "Tick that you understand this file may hold personal data before opening it.",
            "understood",
        )
    attachment = _locked(attachment_id)
    if not attachment.file:
        raise ServiceError("This file was deleted; only its record is kept.")
    QuarantineOpening.objects.create(attachment=attachment, opened_by=actor)
    return attachment


@transaction.atomic
def attachment_delete(
    *, attachment_id: int, actor: AbstractBaseUser, reason: str
) -> AttachmentDeletion:
    """Delete a file's bytes (after commit), keeping who, when, why and its SHA-256."""
    roles.require_review(actor)
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError("Say why the file is deleted (kept in the audit record).", "reason")
    attachment = _locked(attachment_id)
    if not attachment.file:
        raise ServiceError("This file was already deleted.")
    deletion = AttachmentDeletion.objects.create(
        attachment=attachment,
        original_name=attachment.original_name,
        sha256=attachment.sha256,
        size_bytes=attachment.size_bytes,
        deleted_by=actor,
        reason=reason,
    )
    storage, name = attachment.file.storage, attachment.file.name
    RequestAttachment.objects.filter(pk=attachment.pk).update(file="")
    # The totals link a figure to the file it was read from.
    requests_data_changed(request_ids=[attachment.request_id])
    RequestEvent.objects.create(
        request_id=attachment.request_id,
        kind=RequestEvent.Kind.NOTE,
        actor=actor,
        happened_on=timezone.localdate(),
        note=(
            f"File deleted: {attachment.original_name} (SHA-256 {attachment.sha256}). "
            f"Reason: {reason}"
        ),
        data={"attachment": attachment.pk, "screening": "deleted"},
    )

    def remove_bytes() -> None:
        # After commit: a rolled-back deletion must leave the file where it was.
        try:
            storage.delete(name)
        except OSError:
            logger.exception(
                "Could not delete the bytes of attachment %s (%s)", attachment.pk, name
            )

    transaction.on_commit(remove_bytes)
    return deletion


@transaction.atomic
def attachment_mark_force_told(*, attachment_id: int, actor: AbstractBaseUser) -> bool:
    """Record that the force was told about its quarantined file; False if already recorded."""
    roles.require_view(actor)
    attachment = _locked(attachment_id)
    updated = AttachmentScreening.objects.filter(
        attachment=attachment, quarantined=True, force_told_at__isnull=True
    ).update(force_told_at=timezone.now(), force_told_by=actor)
    if not updated:
        return False
    needs_you_changed()
    RequestEvent.objects.create(
        request_id=attachment.request_id,
        kind=RequestEvent.Kind.NOTE,
        actor=actor,
        happened_on=timezone.localdate(),
        note=f"Force told that {attachment.original_name} holds hidden data.",
        data={"attachment": attachment.pk, "screening": "force_told"},
    )
    return True
