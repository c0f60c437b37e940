"""Storing the files forces send back: type allow-list, size limit, SHA-256."""

from __future__ import annotations

import hashlib
from pathlib import PurePath

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.text import get_valid_filename

from requests_app.models import FoiRequest, RequestAttachment, RequestEvent
from requests_app.services.errors import ServiceError

# Extension -> the content type we serve it with (never the one the uploader claimed).
ALLOWED_TYPES = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "xls": "application/vnd.ms-excel",
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


@transaction.atomic
def attachment_add(
    *, request_id: int, actor, upload: UploadedFile, event: RequestEvent | None = None
) -> RequestAttachment:
    extension = check_upload(upload)
    foi = FoiRequest.objects.get(pk=request_id)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
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
    attachment.save()
    return attachment
