"""Real mail servers (issue 9, part 4): what the test_mail_servers_* modules share (their
fixtures, which use it, are in conftest.py).

Importing this module skips the importing test module unless FOI_TEST_IMAP_URL
(imap://user:password@host:port/INBOX of a throwaway server) and CELERY_TEST_BROKER_URL
(redis://...) are set; with FOI_REQUIRE_MAILSERVER=1 a missing one fails instead.
.ci/mail_servers.sh starts dovecot and runs the test_mail_servers_* modules. The SMTP server is
aiosmtpd, started here in the test process. The project runs as test_celery_broker.Project runs
it (production settings, a throwaway database, its own data folder); each test reads its own
IMAP folders (names with spaces, to check the quoting) and uses its own queue.
"""

from __future__ import annotations

import email
import imaplib
import json
import os
import re
import socket
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import quote

import pytest

IMAP_URL = os.environ.get("FOI_TEST_IMAP_URL", "")
BROKER = os.environ.get("CELERY_TEST_BROKER_URL", "")
_missing = [
    reason
    for reason, absent in [
        ("FOI_TEST_IMAP_URL (a real IMAP server; .ci/mail_servers.sh starts one)", not IMAP_URL),
        ("CELERY_TEST_BROKER_URL=redis://...", not BROKER.startswith("redis://")),
    ]
    if absent
]
if _missing:
    if os.environ.get("FOI_REQUIRE_MAILSERVER") == "1":
        pytest.fail(
            f"FOI_REQUIRE_MAILSERVER=1 but the mail server tests need {' and '.join(_missing)}",
            pytrace=False,
        )
    pytest.skip(f"set {' and '.join(_missing)}", allow_module_level=True)

from requests_app.mail.imap_names import imap_mailbox  # noqa: E402
from requests_app.services.mail_fetch import imap_address  # noqa: E402
from tests.requests_app.test_celery_broker import ROOT, Project  # noqa: E402

FROM_EMAIL = "foi@charity.example.org"
RESULT_TIMEOUT = 120  # seconds for one fetch task to report back


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def bare(message_id: str | None) -> str:
    return (message_id or "").strip().strip("<>")


# The servers -----------------------------------------------------------------------------


class Collect:
    """aiosmtpd handler: keep every envelope the server accepts."""

    def __init__(self) -> None:
        self.envelopes: list[SimpleNamespace] = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(
            SimpleNamespace(
                mail_from=envelope.mail_from,
                rcpt_tos=list(envelope.rcpt_tos),
                message=email.message_from_bytes(envelope.original_content),
            )
        )
        return "250 Message accepted for delivery"


class Mailbox:
    """The test's own IMAP session with the server FOI_TEST_IMAP_URL names."""

    def __init__(self, url: str) -> None:
        self.address = imap_address(url)
        self.client = imaplib.IMAP4(self.address.host, self.address.port, timeout=30)
        self.client.login(self.address.user, self.address.password)

    @staticmethod
    def quoted(folder: str) -> str:
        return imap_mailbox(folder)

    def url(self, folder: str, password: str | None = None) -> str:
        a = self.address
        password = a.password if password is None else password
        return (
            f"imap://{quote(a.user, safe='')}:{quote(password, safe='')}@{a.host}:{a.port}/"
            f"{quote(folder, safe='')}"
        )

    def listed(self) -> list[bytes]:
        status, data = self.client.list()
        assert status == "OK", data
        return data

    def create(self, folder: str) -> None:
        status, data = self.client.create(self.quoted(folder))
        assert status == "OK", data

    def append(self, folder: str, raw: bytes) -> None:
        status, data = self.client.append(self.quoted(folder), None, None, raw)
        assert status == "OK", data

    def select(self, folder: str) -> int:
        status, data = self.client.select(self.quoted(folder))
        assert status == "OK", data
        return int(data[0])

    def uids(self, folder: str, criteria: str = "ALL") -> list[bytes]:
        self.select(folder)
        status, data = self.client.uid("SEARCH", None, criteria)
        assert status == "OK", data
        return data[0].split()

    def flags(self, folder: str) -> dict[str, set[str]]:
        """Message-ID -> flags, for every message in the folder."""
        if not self.select(folder):
            return {}
        ids: dict[bytes, str] = {}
        status, data = self.client.uid("FETCH", "1:*", "(BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])")
        assert status == "OK", data
        for item in data:
            if isinstance(item, tuple):
                uid = re.search(rb"UID (\d+)", item[0]).group(1)
                ids[uid] = bare(email.message_from_bytes(item[1])["Message-ID"])
        found: dict[str, set[str]] = {}
        status, data = self.client.uid("FETCH", "1:*", "(FLAGS)")
        assert status == "OK", data
        for line in data:
            uid = re.search(rb"UID (\d+)", line).group(1)
            flags = re.search(rb"FLAGS \(([^)]*)\)", line).group(1).decode()
            found[ids[uid]] = set(flags.split())
        return found

    def close(self) -> None:
        try:
            self.client.logout()
        except (imaplib.IMAP4.error, OSError):
            pass


class MailProject(Project):
    """The project with a real SMTP server for EMAIL_*, and workers started per test."""

    def __init__(self, data: Path, smtp_port: int) -> None:
        super().__init__(data)
        self.env.update(
            {
                "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                "EMAIL_HOST": "127.0.0.1",
                "EMAIL_PORT": str(smtp_port),
                "EMAIL_TIMEOUT": "10",
                "FOI_FROM_EMAIL": FROM_EMAIL,
                "FOI_ORGANISATION": "The Charity",
                "FOI_REPLY_TO_TEMPLATE": "foi+{token}@replies.example.org",
                "FOI_IMAP_TIMEOUT_SECONDS": "30",
                # A worker killed with -9 leaves its fetch unacknowledged in Redis: it comes back
                # to another worker after 20 s (the stale-claim setting must exceed that).
                "CELERY_BROKER_VISIBILITY_TIMEOUT": "20",
                "REMINDERS_STALE_CLAIM_MINUTES": "0.5",
            }
        )
        self.workers: list[subprocess.Popen] = []

    def start_mail_worker(
        self, *, imap_url: str, pool: str = "solo", app: str = "foi_tracker", **env: str
    ) -> subprocess.Popen:
        n = len(self.workers) + 1
        self.log = self.data / f"worker-{n}.log"
        command = [sys.executable, "-m", "celery", "-A", app, "worker", "--pool", pool]
        command += ["--loglevel", "INFO", "--without-gossip", "--without-mingle"]
        if pool == "prefork":
            command += ["--concurrency", "1"]
        command += ["-Q", self.queue, "-n", f"{self.queue}-{n}@%h"]
        worker = subprocess.Popen(
            command,
            cwd=ROOT,
            env={**self.env, "FOI_IMAP_URL": imap_url, **env},
            stdout=self.log.open("wb"),
            stderr=subprocess.STDOUT,
        )
        self.workers.append(worker)
        self.worker = worker
        return worker

    def stop_workers(self) -> None:
        for worker in self.workers:
            self.worker = worker
            self.stop_worker()
        self.workers = []

    def all_logs(self) -> str:
        return "\n".join(
            f"--- {log.name}\n{log.read_text(errors='replace')}"
            for log in sorted(self.data.glob("worker-*.log"))
        )

    def fetch(self):
        return self.client().send_task("requests_app.fetch_mail", queue=self.queue)

    def result(self, async_result, timeout: float = RESULT_TIMEOUT) -> dict[str, int]:
        try:
            return async_result.get(timeout=timeout)
        except Exception:
            print(self.all_logs())
            raise

    def query(self, code: str):
        """Run Python in `manage.py shell` on the project's database; its last line is JSON."""
        out = self.manage("shell", "-c", code)
        return json.loads(out.strip().splitlines()[-1])
