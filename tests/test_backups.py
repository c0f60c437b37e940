"""`manage.py backup` and `restore`, run as an operator would: separate processes, each pointed at
its own data folder (SQLite file and MEDIA_ROOT) or, when DATABASE_URL names a PostgreSQL server,
its own freshly created database on it.

The source holds the demo (campaigns, requests, figures with their review history, timeline
events) plus an attachment and sent-log rows; the restore goes into a fresh database and must
find every one of them, and every attachment by its SHA-256 on disk.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
SERVER_URL = os.environ.get("DATABASE_URL", "")

# Run inside each site: a picture of everything the backup must carry, as JSON.
SNAPSHOT = """
import hashlib, json
from django.apps import apps
from django.core.files.storage import default_storage
from requests_app.models import Campaign, RequestAttachment, RequestEvent, SentReminder
from figures_app.models import Figure
def sha(name):
    with default_storage.open(name, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()
print(json.dumps({
    "campaigns": sorted(Campaign.objects.values_list("slug", "title")),
    "requests": Campaign.objects.values_list("requests__pk", flat=True).count(),
    "figures": sorted(
        [f.pk, f.request_id, f.period_id, f.category_key, f.kind, f.value, f.note]
        for f in Figure.objects.all()
    ),
    "events": sorted(
        [e.pk, e.request_id, e.kind, e.note, str(e.created_at)] for e in RequestEvent.objects.all()
    ),
    "sent_log": sorted(
        [r.pk, r.kind, r.to_email, r.status, str(r.about_date)] for r in SentReminder.objects.all()
    ),
    "attachments": sorted(
        [a.pk, a.file.name, a.sha256, sha(a.file.name)] for a in RequestAttachment.objects.all()
    ),
    "users": sorted(apps.get_model("auth", "User").objects.values_list("username", "password")),
    "counts": {
        m._meta.label_lower: m._base_manager.count()
        for m in apps.get_models(include_auto_created=True)
        if m._meta.label_lower not in ("sessions.session", "django_celery_beat.periodictasks")
    },
}, default=str))
"""

# Run in the source: an attachment (with its event), a chaser in the sent-log, a failed digest.
ADD_ATTACHMENT_AND_SENT_LOG = """
from datetime import date
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from requests_app.models import FoiRequest, RequestEvent, SentReminder
from requests_app.services.attachments import attachment_add
user = get_user_model().objects.get(username="sam")
foi = FoiRequest.objects.order_by("pk").first()
event = RequestEvent.objects.create(request=foi, kind="note", actor=user, note="Reply letter")
pdf = b"%PDF-1.4\\n% reply from the force\\n" + bytes(range(256)) * 40
attachment_add(request_id=foi.pk, actor=user, event=event,
               upload=SimpleUploadedFile("Reply letter.pdf", pdf, "application/pdf"))
now = timezone.now()
SentReminder.objects.create(kind="chaser_1", request=foi, about_date=date(2026, 4, 16),
    to_email="foi@kent.example.org", status="sent", run_on=date(2026, 4, 17),
    claim_token="a" * 32, claimed_at=now, sent_at=now, attempts=1)
SentReminder.objects.create(kind="digest", recipient=user, about_date=date(2026, 4, 17),
    to_email="sam@example.org", status="failed", run_on=date(2026, 4, 17),
    claim_token="b" * 32, claimed_at=now, attempts=2, last_error="SMTP went away")
"""


class Site:
    """The project as deployed: its own data folder and database, run through manage.py."""

    def __init__(self, data: Path) -> None:
        self.data = data
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "foi_tracker.settings",
            "FOI_DATA_DIR": str(data),
            "PYTHONUNBUFFERED": "1",
            "FOI_DEMO": "true",  # load_demo fills it, as on the demo site
        }
        self.env.pop("DATABASE_URL", None)
        self.env.pop("MEDIA_ROOT", None)
        self.database = None
        if SERVER_URL.startswith(("postgres://", "postgresql://")):
            self.database = f"foi_backup_test_{uuid.uuid4().hex[:8]}"
            with psycopg.connect(SERVER_URL, autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{self.database}"')
            parts = urlsplit(SERVER_URL)
            self.env["DATABASE_URL"] = urlunsplit(parts._replace(path=f"/{self.database}"))

    def run(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=600,
        )

    def manage(self, *args: str) -> str:
        result = self.run(*args)
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout

    def snapshot(self) -> dict:
        return json.loads(self.manage("shell", "-c", SNAPSHOT).strip().splitlines()[-1])

    def drop(self) -> None:
        if self.database:
            with psycopg.connect(SERVER_URL, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')


@pytest.fixture
def sites(tmp_path):
    made: list[Site] = []

    def make(name: str) -> Site:
        site = Site(tmp_path / name)
        made.append(site)
        return site

    yield make
    for site in made:
        site.drop()


def test_a_backup_restores_into_a_fresh_database_with_everything_in_it(sites, tmp_path):
    source = sites("source")
    source.manage("migrate", "--noinput")
    source.manage("load_demo")
    source.manage("shell", "-c", ADD_ATTACHMENT_AND_SENT_LOG)
    before = source.snapshot()
    assert before["campaigns"] and before["figures"] and before["events"]
    # The demo's two files (one taken from by cells, one quarantined), and the one added here.
    assert len(before["sent_log"]) == 2 and len(before["attachments"]) == 3
    (_, _, recorded, on_disk) = before["attachments"][0]
    assert recorded == on_disk

    backup = tmp_path / "backup"
    out = source.manage("backup", str(backup))
    assert "and 3 files (" in out
    manifest = json.loads((backup / "manifest.json").read_text())
    assert manifest["media"][before["attachments"][0][1]]["sha256"] == recorded
    assert manifest["counts"]["figures_app.figure"] == len(before["figures"])

    # A fresh database (never migrated) and an empty media folder.
    target = sites("target")
    out = target.manage("restore", str(backup))
    assert "3 attachments verified by SHA-256" in out
    after = target.snapshot()
    assert after == before
    assert (target.data / "media" / before["attachments"][0][1]).is_file()

    # The restored site works: the demo login and a page with the campaign.
    target.manage("check")

    # A second restore into the now non-empty database is refused, and changes nothing.
    refused = target.run("restore", str(backup))
    assert refused.returncode != 0
    assert "already holds data" in refused.stderr and "--force" in refused.stderr
    assert target.snapshot() == before

    # Restored over, the data versions count again from the backup's: nothing cached before
    # the restore may be read after it (issue 28's caches are emptied).
    target.manage("shell", "-c", "from django.core.cache import cache; cache.set('old', 1)")
    target.manage("restore", str(backup), "--force")
    cached = target.manage(
        "shell", "-c", "from django.core.cache import cache; print(cache.get('old'))"
    )
    assert cached.strip().splitlines()[-1] == "None"
    assert target.snapshot() == before


def test_restore_checks_the_backup_first_and_is_all_or_nothing(sites, tmp_path):
    source = sites("source")
    source.manage("migrate", "--noinput")
    source.manage("load_demo")
    source.manage("shell", "-c", ADD_ATTACHMENT_AND_SENT_LOG)
    backup = tmp_path / "backup"
    source.manage("backup", str(backup))
    before = source.snapshot()
    attachment = before["attachments"][0][1]

    # An attachment changed since the backup: refused before anything is touched.
    tampered = tmp_path / "tampered"
    shutil.copytree(backup, tampered)
    (tampered / "media" / attachment).write_bytes(b"%PDF-1.4 something else")
    target = sites("target")
    refused = target.run("restore", str(tampered))
    assert refused.returncode != 0 and "does not match the manifest" in refused.stderr
    assert not (target.data / "media").exists()

    # A manifest that disagrees with the rows loaded: --force empties the tables and loads,
    # finds the difference, and rolls the whole database part back.
    target.manage("restore", str(backup))
    target.manage(
        "shell",
        "-c",
        "from requests_app.models import Campaign; "
        "Campaign.objects.update(title='Changed after the restore')",
    )
    changed = target.snapshot()
    wrong_counts = tmp_path / "wrong-counts"
    shutil.copytree(backup, wrong_counts)
    manifest = json.loads((wrong_counts / "manifest.json").read_text())
    manifest["counts"]["figures_app.figure"] += 1
    (wrong_counts / "manifest.json").write_text(json.dumps(manifest))
    refused = target.run("restore", "--force", str(wrong_counts))
    assert refused.returncode != 0 and "differ from the manifest" in refused.stderr
    assert "WARNING: --force" in refused.stderr
    assert target.snapshot() == changed

    # --force with a good backup replaces the changed data.
    target.manage("restore", "--force", str(backup))
    assert target.snapshot() == before


def test_backup_refuses_a_folder_that_holds_something(sites, tmp_path):
    source = sites("source")
    source.manage("migrate", "--noinput")
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "keep.txt").write_text("mine")
    refused = source.run("backup", str(tmp_path / "full"))
    assert refused.returncode != 0 and "not an empty folder" in refused.stderr
    assert (tmp_path / "full" / "keep.txt").read_text() == "mine"
    nothing = source.run("restore", str(tmp_path / "full"))
    assert nothing.returncode != 0 and "is not a backup" in nothing.stderr


def test_a_backup_from_a_newer_release_is_refused_before_any_change(db):
    from requests_app.backups import BackupError, migrate_to

    with pytest.raises(BackupError, match="requests_app.9999_from_the_future"):
        migrate_to([("requests_app", "9999_from_the_future")])
