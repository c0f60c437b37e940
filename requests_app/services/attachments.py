"""Storing the files forces send back: type allow-list, size limit, SHA-256, and screening for
hidden data once, as each file is stored (services/screening.py).

A file is written to storage at once, inside the caller's transaction. Why write first rather
than in on_commit: the attachment row is evidence of what a force sent, so it must never point at
a file that was not written. A write in on_commit runs after the commit and can fail (disk full,
process killed), leaving a committed row without its file; it would also need the upload's
temporary file to outlive the transaction, and callers inside the transaction (or a test's)
could not read the file. The cost is the reverse case: a transaction that rolls back (or a
process killed before its commit) leaves a file no row names. That is harmless, and
`stored_files_sweep` deletes such files once they are older than any transaction could be
(beat, nightly; manage.py sweep_files).
"""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime, timedelta
from pathlib import PurePath
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.files.storage import Storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.text import get_valid_filename

from requests_app.models import FoiRequest, InboundMessage, RequestAttachment, RequestEvent
from requests_app.services.errors import ServiceError
from requests_app.services.screening import attachment_screen, must_quarantine, screen_data
from requests_app.storage import files_under, quarantine_name

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser

logger = logging.getLogger(__name__)

# Extension -> the content type we serve it with (never the one the uploader claimed).
ALLOWED_TYPES = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "xls": "application/vnd.ms-excel",
    # Macro-enabled workbooks arrive too; screening reports the macro.
    "xlsm": "application/vnd.ms-excel.sheet.macroEnabled.12",
    "csv": "text/csv",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "doc": "application/msword",
    "odt": "application/vnd.oasis.opendocument.text",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "gif": "image/gif",
    "tif": "image/tiff",
    "tiff": "image/tiff",
    # An email as sent or received (RFC 822): the request we sent is kept on its timeline.
    "eml": "message/rfc822",
}


def check_upload(upload: UploadedFile) -> str:
    """The extension of an acceptable upload; ServiceError naming the file otherwise."""
    name = upload.name or ""
    extension = PurePath(name).suffix.lower().lstrip(".")
    if extension not in ALLOWED_TYPES:
        allowed = ", ".join(sorted(ALLOWED_TYPES))
        raise ServiceError(
            f"{name}: files of this type are not accepted (allowed: {allowed}).", "attachments"
        )
    if upload.size > settings.ATTACHMENT_MAX_BYTES:
        limit_mb = settings.ATTACHMENT_MAX_BYTES / (1024 * 1024)
        raise ServiceError(f"{name}: larger than the {limit_mb:.0f} MB limit.", "attachments")
    if upload.size == 0:
        raise ServiceError(f"{name}: the file is empty.", "attachments")
    return extension


# Where the files rows point at are stored (the upload_to of RequestAttachment.file and of
# InboundMessage.raw), and the rows that name them. The sweep looks nowhere else.
SWEPT_FOLDERS = {
    "attachments": (RequestAttachment, "file"),
    quarantine_name("attachments"): (RequestAttachment, "file"),
    "mail/in": (InboundMessage, "raw"),
}
# An unreferenced file younger than this may belong to a transaction still open: left alone.
SWEEP_AFTER = timedelta(hours=6)


def stored_files_sweep(
    *,
    now: datetime | None = None,
    older_than: timedelta = SWEEP_AFTER,
    storage: Storage | None = None,
) -> list[str]:
    """Delete the stored files no row names (left by a transaction that rolled back, or a
    process killed before its commit) and last written before `now - older_than`; returns their
    names. Safe to run at any time and twice: a file a row names is never touched."""
    storage = storage or RequestAttachment.file.field.storage
    cutoff = (now or timezone.now()) - older_than
    named = set()
    for model, field in SWEPT_FOLDERS.values():
        named.update(model._base_manager.exclude(**{field: ""}).values_list(field, flat=True))
    deleted = []
    for folder in SWEPT_FOLDERS:
        for name in files_under(storage, folder):
            if name in named or storage.get_modified_time(name) > cutoff:
                continue
            try:
                storage.delete(name)
            except OSError:
                logger.exception("Could not delete the unreferenced file %s.", name)
                continue
            deleted.append(name)
    if deleted:
        logger.info("Deleted %s stored file(s) no row names.", len(deleted))
    return deleted


@transaction.atomic
def attachment_add(
    *,
    request_id: int,
    actor: AbstractBaseUser | None,
    upload: UploadedFile,
    event: RequestEvent | None = None,
) -> RequestAttachment:
    """Store `upload` for the request (linked to `event` when given); rolled back, the file is
    left for stored_files_sweep."""
    extension = check_upload(upload)
    foi = FoiRequest.objects.get(pk=request_id)
    digest = hashlib.sha256()
    # Kept for screening: at most ATTACHMENT_MAX_BYTES (check_upload), read once.
    chunks = []
    for chunk in upload.chunks():
        digest.update(chunk)
        chunks.append(chunk)
    upload.seek(0)
    original = PurePath(upload.name).name
    attachment = RequestAttachment(
        request=foi,
        event=event,
        original_name=original[:255],
        content_type=ALLOWED_TYPES[extension],
        size_bytes=upload.size,
        sha256=digest.hexdigest(),
        uploaded_by=actor,
    )
    # Screened before it is stored, so a file that may hold personal data is written straight
    # to the quarantine storage (requests_app/storage.py) and never sits among the others.
    findings = screen_data(name=attachment.original_name, data=b"".join(chunks))
    field = RequestAttachment.file.field
    name = field.generate_filename(
        attachment, get_valid_filename(original) or f"attachment.{extension}"
    )
    if must_quarantine(findings):
        name = quarantine_name(name)
    attachment.file = field.storage.save(name, upload, max_length=field.max_length)
    attachment.save()
    attachment_screen(attachment=attachment, findings=findings)
    return attachment
