"""A project run in a child process for measuring mail in: its own SQLite database with one
request to reply to, and a force's reply with PDFs attached. Shared by the memory test
(tests/requests_app/test_mail_memory.py) and its benchmark (bench/mail_memory.py)."""

from __future__ import annotations

import os
from email.message import EmailMessage
from pathlib import Path

# Run in the child's project (cwd and PYTHONPATH its root): a database made from the models (not
# the migrations: quicker), with one request to reply to; prints that request's reply address.
SETUP = """
import django
from django.conf import settings

class NoMigrations:
    def __contains__(self, app):
        return True
    def __getitem__(self, app):
        return None

settings.MIGRATION_MODULES = NoMigrations()
django.setup()
from django.core.management import call_command
from requests_app.models import Force
from tests.factories import FoiRequestFactory

call_command("migrate", run_syncdb=True, verbosity=0)
kent = Force.objects.create(
    name="Kent Police", short_name="Kent", slug="kent", region="South East",
    country="england", foi_email="foi@kent.police.uk",
)
print(FoiRequestFactory(force=kent).reply_to)
"""


def child_env(root: Path, work: Path, tmp: Path) -> dict[str, str]:
    """The environment of a child running the project at `root`, its state under `work`. The
    test settings make MEDIA_ROOT with mkdtemp: under `tmp` (TMPDIR), so stored files can be
    read back."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "foi_tracker.test_settings",
        "DATABASE_URL": f"sqlite:///{work / 'db.sqlite3'}",
        "FOI_DATA_DIR": str(work / "data"),
        "TMPDIR": str(tmp),
        "PYTHONPATH": str(root),
    }
    env.pop("MEDIA_ROOT", None)
    return env


def reply_with_pdfs(to: str, attachments: list[bytes], name: str) -> bytes:
    """A force's reply to `to` with each of `attachments` as a PDF."""
    msg = EmailMessage()
    msg["From"] = "foi@kent.police.uk"
    msg["To"] = to
    msg["Subject"] = f"Our response ({name})"
    msg["Message-ID"] = f"<{name}@kent.police.uk>"
    msg.set_content("Please find our response attached.")
    for number, content in enumerate(attachments):
        msg.add_attachment(
            content, maintype="application", subtype="pdf", filename=f"response-{number}.pdf"
        )
    return msg.as_bytes()
