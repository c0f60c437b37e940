"""Where the stored files live (issue 29): through Django's storage API only, never by path.

Web processes and workers may run on different hosts, so a file one writes must be readable by
every other: a file is only ever saved, opened, listed or deleted through a Storage (a local
folder by default, an S3-compatible bucket when configured; settings.STORAGES). Nothing asks a
storage for `.path()`: screening and cell reading take the bytes.

The rows' file fields (attachments, raw emails) use `file_store`, which sends a name starting
with "quarantine/" to the "quarantine" storage (a separate private bucket, or a prefix of the
same one) and every other name to "default". A quarantined file is saved under that prefix, so
its row's name says where it is and a backup restores it to the same place.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

from django.conf import settings
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.utils.deconstruct import deconstructible
from django.utils.functional import cached_property

QUARANTINE_PREFIX = "quarantine/"
# The folders stored files are kept under (the backup copies these, the sweep looks in them).
STORED_FOLDERS = ("attachments", "mail", "quarantine")


class QuarantineFolder(FileSystemStorage):
    """MEDIA_ROOT/quarantine on local disk, following MEDIA_ROOT when it changes (tests)."""

    @cached_property
    def base_location(self):
        return self._value_or_setting(
            self._location, os.path.join(settings.MEDIA_ROOT, "quarantine")
        )


def quarantine_name(name: str) -> str:
    return name if name.startswith(QUARANTINE_PREFIX) else QUARANTINE_PREFIX + name


@deconstructible(path="requests_app.storage.FileStore")
class FileStore(Storage):
    """One storage for the file fields, routing each name to "quarantine" or "default"."""

    @staticmethod
    def _route(name: str) -> tuple[Storage, str, str]:
        if name == QUARANTINE_PREFIX.rstrip("/") or name.startswith(QUARANTINE_PREFIX):
            return storages["quarantine"], name[len(QUARANTINE_PREFIX) :], QUARANTINE_PREFIX
        return storages["default"], name, ""

    def _open(self, name, mode="rb"):
        storage, inner, _ = self._route(name)
        return storage.open(inner, mode)

    def save(self, name, content, max_length=None):
        storage, inner, prefix = self._route(name)
        if max_length is not None:
            max_length -= len(prefix)
        return prefix + storage.save(inner, content, max_length=max_length)

    def delete(self, name):
        storage, inner, _ = self._route(name)
        storage.delete(inner)

    def exists(self, name):
        storage, inner, _ = self._route(name)
        return storage.exists(inner)

    def listdir(self, path):
        storage, inner, _ = self._route(path)
        return storage.listdir(inner)

    def size(self, name):
        storage, inner, _ = self._route(name)
        return storage.size(inner)

    def get_modified_time(self, name):
        storage, inner, _ = self._route(name)
        return storage.get_modified_time(inner)

    def url(self, name):
        # Files leave only through login-checked views; there is no direct URL to hand out.
        raise NotImplementedError("Stored files are served through the site, never by URL.")


file_store = FileStore()


def files_under(storage: Storage, folder: str) -> Iterator[str]:
    """Every file's name under `folder`, sorted, through the storage API (any backend)."""
    try:
        folders, files = storage.listdir(folder)
    except FileNotFoundError:
        return
    for name in sorted(files):
        yield f"{folder}/{name}"
    for sub in sorted(folders):
        yield from files_under(storage, f"{folder}/{sub}")


def read_bytes(storage: Storage, name: str, limit: int | None = None) -> bytes:
    """A stored file's bytes (at most `limit` + 1 of them, so a caller can tell it is larger)."""
    with storage.open(name, "rb") as handle:
        return handle.read() if limit is None else handle.read(limit + 1)
