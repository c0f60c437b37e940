"""Storing the files forces send back: type allow-list, size limit, SHA-256, and screening for
hidden data once, as each file is stored (services/screening.py).

A file is written to storage at once, inside the caller's transaction, and deleted again if that
transaction does not commit: `delete_unless_committed` below says how and why.
"""

from __future__ import annotations

import hashlib
import logging
import weakref
from pathlib import PurePath
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.files.storage import Storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.text import get_valid_filename

from requests_app.models import FoiRequest, RequestAttachment, RequestEvent
from requests_app.services.errors import ServiceError
from requests_app.services.screening import attachment_screen

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


def delete_unless_committed(storage: Storage, name: str) -> None:
    """Delete the stored file `name` if the transaction now open does not commit.

    Why write first and delete on rollback, rather than write in on_commit: the attachment row is
    evidence of what a force sent, so it must never point at a file that was not written. A write
    in on_commit runs after the commit and can fail (disk full, process killed), leaving a
    committed row without its file; it would also need the upload's temporary file to outlive the
    transaction, and callers inside the transaction (or a test's) could not read the file. Here
    the worst case is the reverse: a crash between the write and the commit leaves a file that no
    row points at, which is harmless and can be swept.

    How: Django has no on_rollback hook, but it discards the on_commit callbacks of a transaction
    (or savepoint) that rolls back, and that is true of the outermost atomic block too, however
    deeply the service was nested. `keep` is registered with on_commit and referenced nowhere
    else; when Django runs it the file is marked kept, and when Django drops it unrun (rollback,
    savepoint rollback, connection closed) CPython frees it at once and the finalizer deletes the
    file. Nothing else may hold a reference to `keep`, hence this small function of its own.
    """
    state = {"committed": False}

    def keep() -> None:
        state["committed"] = True

    def delete_if_rolled_back() -> None:
        if state["committed"]:
            return
        try:
            storage.delete(name)
        except OSError:
            logger.exception("Could not delete %s after its transaction rolled back.", name)

    weakref.finalize(keep, delete_if_rolled_back)
    transaction.on_commit(keep)


@transaction.atomic
def attachment_add(
    *,
    request_id: int,
    actor: AbstractBaseUser | None,
    upload: UploadedFile,
    event: RequestEvent | None = None,
) -> RequestAttachment:
    """Store `upload` for the request (linked to `event` when given); rolled back, no file stays."""
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
    attachment.file.save(
        get_valid_filename(original) or f"attachment.{extension}", upload, save=False
    )
    # Registered straight after the write, so that a failure from here on removes the file too.
    delete_unless_committed(attachment.file.storage, attachment.file.name)
    attachment.save()
    attachment_screen(attachment=attachment, data=b"".join(chunks))
    return attachment
