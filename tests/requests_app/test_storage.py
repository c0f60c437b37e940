"""Files through the storage API only (issue 29). Every storage here is Django's
InMemoryStorage, which has no local path at all: a code path that opened a stored file by
`.path`, MEDIA_ROOT or open() would fail these tests. Quarantined files go to their own storage."""

from __future__ import annotations

import json

import pytest
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from requests_app.backups import BackupError, backup, place_for, read_manifest
from requests_app.models import AttachmentScreening, RequestAttachment
from requests_app.services.attachments import attachment_add, stored_files_sweep
from requests_app.services.screening import attachments_screen_unscreened, quarantined_files_move
from requests_app.storage import QUARANTINE_PREFIX
from tests.requests_app import screening_corpus as corpus

MEMORY = {"BACKEND": "django.core.files.storage.InMemoryStorage"}


@pytest.fixture(autouse=True)
def in_memory(settings):
    settings.STORAGES = {
        "default": MEMORY,
        "quarantine": MEMORY,
        "backups": MEMORY,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def foi(campaign):
    return campaign.requests.get(force__name="Kent Police")


def store(foi, name, data, actor):
    return attachment_add(request_id=foi.pk, actor=actor, upload=SimpleUploadedFile(name, data))


def test_a_clean_file_is_stored_in_the_default_storage_and_opened_cell_by_cell(foi, staff, client):
    data = corpus.clean_xlsx()
    attachment = store(foi, "kent.xlsx", data, staff)
    assert not attachment.file.name.startswith(QUARANTINE_PREFIX)
    assert storages["default"].exists(attachment.file.name)
    assert not storages["quarantine"].exists(attachment.file.name)
    client.force_login(staff)
    cells = client.get(reverse("figures_cells", args=[attachment.pk]))
    assert cells.status_code == 200
    download = client.get(reverse("attachment_download", args=[attachment.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == data


def test_a_quarantined_file_goes_to_the_quarantine_storage_only(foi, staff, reviewer, client):
    data = corpus.psni_like_xlsx(people=20)
    attachment = store(foi, "kent-reply.xlsx", data, staff)
    assert attachment.screening.quarantined
    assert attachment.file.name.startswith(QUARANTINE_PREFIX)
    inner = attachment.file.name.removeprefix(QUARANTINE_PREFIX)
    assert storages["quarantine"].exists(inner)
    assert storages["default"].listdir("") == ([], [])  # nothing of it among the others
    # Staff cannot download it; a reviewer opens it through the site, after ticking.
    client.force_login(staff)
    assert client.get(reverse("attachment_download", args=[attachment.pk])).status_code == 403
    client.force_login(reviewer)
    opened = client.post(reverse("attachment_open", args=[attachment.pk]), {"understood": "on"})
    assert opened.status_code == 200
    assert b"".join(opened.streaming_content) == data


def test_a_file_stored_before_screening_is_moved_to_quarantine_when_screened(
    foi, staff, django_capture_on_commit_callbacks
):
    attachment = store(foi, "kent-reply.xlsx", corpus.psni_like_xlsx(people=20), staff)
    # As an older release left it: among the others, never screened.
    plain = attachment.file.name.removeprefix(QUARANTINE_PREFIX)
    with attachment.file.open("rb") as handle:
        storages["default"].save(plain, handle)
    storages["quarantine"].delete(plain)
    RequestAttachment.objects.filter(pk=attachment.pk).update(file=plain)
    AttachmentScreening.objects.filter(attachment=attachment).delete()

    with django_capture_on_commit_callbacks(execute=True):
        counts = attachments_screen_unscreened()
    assert counts["quarantined"] == 1
    attachment.refresh_from_db()
    assert attachment.file.name == QUARANTINE_PREFIX + plain
    assert storages["quarantine"].exists(plain)
    assert not storages["default"].exists(plain)


def test_a_file_quarantined_by_an_older_release_is_moved_out_of_the_public_storage(
    foi, staff, django_capture_on_commit_callbacks
):
    attachment = store(foi, "kent-reply.xlsx", corpus.psni_like_xlsx(people=20), staff)
    # As a release before the quarantine storage left it: screened, quarantined, yet public.
    plain = attachment.file.name.removeprefix(QUARANTINE_PREFIX)
    with attachment.file.open("rb") as handle:
        storages["default"].save(plain, handle)
    storages["quarantine"].delete(plain)
    RequestAttachment.objects.filter(pk=attachment.pk).update(file=plain)

    with django_capture_on_commit_callbacks(execute=True):
        assert quarantined_files_move() == 1
    attachment.refresh_from_db()
    assert attachment.file.name == QUARANTINE_PREFIX + plain
    assert storages["quarantine"].exists(plain)
    assert not storages["default"].exists(plain)
    assert quarantined_files_move() == 0  # nothing left astray: running again moves nothing


def test_a_backup_goes_to_the_backups_storage_with_every_file(foi, staff):
    clean = store(foi, "kent.xlsx", corpus.clean_xlsx(), staff)
    leaked = store(foi, "kent-reply.xlsx", corpus.psni_like_xlsx(people=20), staff)
    result = backup("nightly")
    assert result.files == 2
    backups = storages["backups"]
    manifest = json.loads(backups.open("nightly/manifest.json").read())
    assert set(manifest["media"]) == {clean.file.name, leaked.file.name}
    assert backups.exists(f"nightly/media/{leaked.file.name}")
    assert read_manifest(place_for("nightly"))["counts"] == manifest["counts"]
    with pytest.raises(BackupError, match="already exists"):
        backup("nightly")


def test_a_backup_cut_short_is_not_a_backup(db):
    storages["backups"].save("partial/data.json", SimpleUploadedFile("data.json", b"[]"))
    with pytest.raises(BackupError, match="is not a backup"):
        read_manifest(place_for("partial"))


def test_the_sweep_looks_in_the_quarantine_storage_too(foi, staff):
    from datetime import timedelta

    from django.utils import timezone

    leaked = store(foi, "kent-reply.xlsx", corpus.psni_like_xlsx(people=20), staff)
    storages["quarantine"].save("attachments/1/1/orphan.xlsx", SimpleUploadedFile("o", b"x"))
    deleted = stored_files_sweep(now=timezone.now() + timedelta(days=1))
    assert deleted == [QUARANTINE_PREFIX + "attachments/1/1/orphan.xlsx"]
    assert leaked.file.storage.exists(leaked.file.name)


def test_on_an_s3_store_quarantined_files_go_to_their_own_bucket(
    foi, staff, settings, monkeypatch, client
):
    import boto3
    from moto import mock_aws

    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, "testing")
    s3_backend = "storages.backends.s3.S3Storage"
    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        for bucket in ("files", "quarantined"):
            s3.create_bucket(Bucket=bucket)
        settings.STORAGES = {
            **settings.STORAGES,
            "default": {"BACKEND": s3_backend, "OPTIONS": {"bucket_name": "files"}},
            "quarantine": {"BACKEND": s3_backend, "OPTIONS": {"bucket_name": "quarantined"}},
        }
        data = corpus.clean_xlsx()
        clean = store(foi, "kent.xlsx", data, staff)
        leaked = store(foi, "kent-reply.xlsx", corpus.psni_like_xlsx(people=20), staff)

        def keys(bucket):
            return [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]

        assert keys("files") == [clean.file.name]
        assert keys("quarantined") == [leaked.file.name.removeprefix(QUARANTINE_PREFIX)]
        client.force_login(staff)
        download = client.get(reverse("attachment_download", args=[clean.pk]))
        assert b"".join(download.streaming_content) == data
        assert client.get(reverse("figures_cells", args=[clean.pk])).status_code == 200
