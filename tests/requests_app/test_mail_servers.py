"""Real mail servers (issue 9, part 4): a campaign sent through a real SMTP server, the forces'
replies appended to a real IMAP mailbox (dovecot) and fetched by a real Celery worker on Redis,
and workers killed with SIGKILL in the middle of a fetch.

Skipped unless FOI_TEST_IMAP_URL (imap://user:password@host:port/INBOX of a throwaway server)
and CELERY_TEST_BROKER_URL (redis://...) are set; with FOI_REQUIRE_MAILSERVER=1 a missing one
fails instead. .ci/mail_servers.sh starts dovecot and runs this file. The SMTP server is
aiosmtpd, started here in the test process. The project runs as test_celery_broker.Project runs
it (production settings, a throwaway database, its own data folder); each test reads its own
IMAP folders (names with spaces, to check the quoting) and uses its own queue.
"""

from __future__ import annotations

import email
import imaplib
import io
import json
import logging
import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections import Counter
from email.message import Message
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import quote

import pytest

pytestmark = pytest.mark.mailserver

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

from aiosmtpd.controller import Controller  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.core.management.base import CommandError  # noqa: E402

from requests_app.mail.imap_names import imap_mailbox  # noqa: E402
from requests_app.models import InboundMessage  # noqa: E402
from requests_app.services.mail_fetch import STORED_FLAG, imap_address  # noqa: E402
from tests.requests_app import mail_corpus as corpus  # noqa: E402
from tests.requests_app.test_celery_broker import ROOT, Project  # noqa: E402

FROM_EMAIL = "foi@charity.example.org"
CAMPAIGN = "mail-servers"
FORCES = [
    "Kent Police",
    "Essex Police",
    "Dorset Police",
    "Surrey Police",
    "Sussex Police",
    "Thames Valley Police",
]
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
RESULT_TIMEOUT = 120  # seconds for one fetch task to report back
KILL_MESSAGES = 300  # appended for the kill tests
KILL_AFTER = 40  # messages stored before the worker pauses, to be killed
KILL_BATCH = 100  # FOI_MAIL_FETCH_BATCH in the kill tests: the fetch takes several tasks


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


@pytest.fixture(scope="module")
def smtp():
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every command
    handler = Collect()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield SimpleNamespace(handler=handler, port=controller.port)
    finally:
        controller.stop()


@pytest.fixture(scope="module")
def project(tmp_path_factory, smtp):
    project = MailProject(tmp_path_factory.mktemp("mail-servers"), smtp.port)
    try:
        project.manage("migrate", "--noinput", "-v0")
        yield project
    finally:
        project.stop_workers()
        if project.database:
            project.database.drop()


@pytest.fixture
def worker_project(project):
    """The module's project with a queue of this test's own, and its workers stopped after."""
    project.queue = f"mail-servers-{uuid.uuid4().hex[:8]}"
    try:
        yield project
    finally:
        project.stop_workers()


@pytest.fixture
def mailbox():
    box = Mailbox(IMAP_URL)
    try:
        yield box
    finally:
        box.close()


REQUESTS = f"""
import json
from requests_app.models import FoiRequest
print(json.dumps({{
    r.force.name: {{
        "to": r.force.foi_email,
        "reply_to": r.reply_to,
        "reference": r.reference,
        "message_id": r.sent_message_id,
        "status": r.status,
        "force_reference": r.force_reference,
        "new_reply": r.new_reply_at is not None,
        "address_failing": r.force.email_failing_since is not None,
    }}
    for r in FoiRequest.objects.filter(campaign__slug="{CAMPAIGN}").select_related("force")
}}))
"""


@pytest.fixture(scope="module")
def sent(project, smtp):
    """A campaign to six forces, sent with `send_requests` through the SMTP server."""
    campaign = {
        "slug": CAMPAIGN,
        "title": "Mail servers",
        "request_text": "Dear {force_name}, under the {act}, how many in {periods}?",
        "forces": FORCES,
        "periods": [{"label": "2024/25", "start": "2024-04-01", "end": "2025-03-31"}],
    }
    (project.data / "campaign.json").write_text(json.dumps(campaign))
    (project.data / "forces.csv").write_text(
        "force,foi_email\n"
        + "".join(
            f"{name},foi@{name.lower().replace(' ', '-')}.police.example\n" for name in FORCES
        )
    )
    project.manage("load_campaign", str(project.data / "campaign.json"))
    project.manage("update_forces", str(project.data / "forces.csv"))
    out = project.manage("send_requests", CAMPAIGN)
    again = project.manage("send_requests", CAMPAIGN)
    return SimpleNamespace(
        out=out,
        again=again,
        envelopes=list(smtp.handler.envelopes),
        requests=project.query(REQUESTS),
    )


def as_foi(row: dict) -> SimpleNamespace:
    """What mail_corpus needs of a request, from a row of REQUESTS."""
    return SimpleNamespace(
        force=SimpleNamespace(foi_email=row["to"]),
        reply_to=row["reply_to"],
        reference=row["reference"],
    )


# a. Sending through SMTP ---------------------------------------------------------------


def test_it_sends_each_force_one_request_through_a_real_smtp_server(sent):
    assert f"{len(FORCES)} sent, 0 failed, 0 not sent." in sent.out, sent.out
    assert sent.again.startswith("0 sent, 0 failed"), sent.again
    assert len(sent.envelopes) == len(FORCES)  # the second run sent nothing

    by_recipient = Counter(r for e in sent.envelopes for r in e.rcpt_tos)
    assert by_recipient == Counter(row["to"] for row in sent.requests.values())
    for name, row in sent.requests.items():
        (envelope,) = [e for e in sent.envelopes if e.rcpt_tos == [row["to"]]]
        message: Message = envelope.message
        assert envelope.mail_from == FROM_EMAIL
        assert message["To"] == row["to"]
        assert message["Reply-To"] == row["reply_to"]
        assert re.fullmatch(r"foi\+[\w-]{16,}@replies\.example\.org", row["reply_to"])
        assert f"[{row['reference']}]" in message["Subject"]
        assert re.fullmatch(r"FOI-\d+", row["reference"])
        assert row["message_id"] and bare(message["Message-ID"]) == bare(row["message_id"])
        assert row["status"] == "sent"
        body = message.get_payload(decode=True).decode()
        assert name in body and "Freedom of Information Act 2000" in body
    assert len({row["reply_to"] for row in sent.requests.values()}) == len(FORCES)


# b. Fetching the replies through a worker -----------------------------------------------

MESSAGES = """
import json
from requests_app.models import InboundMessage
print(json.dumps([
    {
        "message_id": m.message_id,
        "status": m.status,
        "kind": m.kind,
        "matched_by": m.matched_by,
        "force": m.request.force.name if m.request else None,
        "attachments": sorted(
            m.request.attachments.filter(event=m.event).values_list("original_name", flat=True)
        ) if m.event else [],
    }
    for m in InboundMessage.objects.select_related("request__force").order_by("pk")
    if "TAG" in m.message_id
]))
"""


def test_a_worker_fetches_the_replies_from_a_real_imap_mailbox(worker_project, sent, mailbox):
    project = worker_project
    requests = sent.requests
    tag = uuid.uuid4().hex[:10]
    folder = f"FOI replies {tag}"  # a space: the name is quoted on the wire
    mailbox.create(folder)

    def mid(name: str) -> str:
        return f"<{name}-{tag}@force.example>"

    kent, essex, dorset, surrey = (
        as_foi(requests[n])
        for n in ("Kent Police", "Essex Police", "Dorset Police", "Surrey Police")
    )
    ack = corpus.reply(
        sender=kent.force.foi_email,
        to=kent.reply_to,
        subject=f"Automatic reply: Freedom of Information request [{kent.reference}]",
        body="We acknowledge receipt of your request for information.\n\nOur ref: 001234/17\n",
        headers={"Auto-Submitted": "auto-replied"},
        message_id=mid("ack"),
    )
    answer = corpus.token_reply(
        essex,
        attachments=[
            ("figures.xlsx", corpus.XLSX, b"PK\x03\x04 not really"),
            ("letter.pdf", "application/pdf", PDF),
        ],
        message_id=mid("answer"),
    )
    bounce = corpus.bounce(dorset, message_id=requests["Dorset Police"]["message_id"]).replace(
        b"@mx.charity.example.org>", f"-{tag}@mx.charity.example.org>".encode(), 1
    )
    threaded = corpus.reply(
        sender=surrey.force.foi_email,
        to=FROM_EMAIL,
        subject="Your request",
        in_reply_to=requests["Surrey Police"]["message_id"],
        message_id=mid("threaded"),
    )
    stray = corpus.reply(
        sender="press@somewhere.example", to=FROM_EMAIL, subject="Hello", message_id=mid("stray")
    )
    for raw in (ack, answer, bounce, threaded, stray, answer):  # the answer twice
        mailbox.append(folder, raw)

    project.start_mail_worker(imap_url=mailbox.url(folder))
    counts = project.result(project.fetch())
    assert counts == {"filed": 4, "inbox": 1, "duplicate": 1, "refused": 0, "failed": 0}

    stored = project.query(MESSAGES.replace("TAG", tag))
    assert len(stored) == 5, stored  # the answer once
    by_force = {m["force"]: m for m in stored}
    assert by_force["Kent Police"]["kind"] == "acknowledgement"
    assert by_force["Essex Police"]["matched_by"] == "token"
    assert by_force["Essex Police"]["attachments"] == ["figures.xlsx", "letter.pdf"]
    assert by_force["Dorset Police"]["kind"] == "bounce"
    assert (by_force["Surrey Police"]["matched_by"], by_force["Surrey Police"]["status"]) == (
        "thread",
        "filed",
    )
    assert by_force[None]["status"] == "inbox"
    after = project.query(REQUESTS)
    assert after["Kent Police"]["status"] == "acknowledged"
    assert after["Kent Police"]["force_reference"] == "001234/17"
    assert after["Essex Police"]["new_reply"] and after["Surrey Police"]["new_reply"]
    assert after["Dorset Police"]["address_failing"]

    # Every message in the mailbox is marked stored (and seen); none is left for the next fetch.
    flags = mailbox.flags(folder)
    assert len(mailbox.uids(folder)) == 6
    assert all({STORED_FLAG, "\\Seen"} <= f for f in flags.values()), flags
    assert mailbox.uids(folder, f"UNKEYWORD {STORED_FLAG}") == []

    again = project.result(project.fetch())
    assert sum(again.values()) == 0, again
    assert len(project.query(MESSAGES.replace("TAG", tag))) == 5


def test_stored_messages_are_moved_to_the_done_folder(worker_project, mailbox):
    project = worker_project
    tag = uuid.uuid4().hex[:10]
    folder, done = f"FOI in {tag}", f"FOI done {tag}"
    mailbox.create(folder)
    mailbox.create(done)
    for i in range(3):
        mailbox.append(
            folder,
            corpus.reply(
                sender="someone@elsewhere.example",
                to=FROM_EMAIL,
                subject=f"Message {i}",
                message_id=f"<moved-{i}-{tag}@elsewhere.example>",
            ),
        )
    project.start_mail_worker(imap_url=mailbox.url(folder), FOI_IMAP_DONE_FOLDER=done)
    assert project.result(project.fetch())["inbox"] == 3
    assert mailbox.uids(folder) == []
    moved = mailbox.flags(done)
    assert sorted(moved) == [f"moved-{i}-{tag}@elsewhere.example" for i in range(3)]
    assert all(STORED_FLAG in f for f in moved.values()), moved
    assert sum(project.result(project.fetch()).values()) == 0


# c. A worker killed mid-fetch -----------------------------------------------------------

STORED_IDS = """
import json
from requests_app.models import InboundMessage
print(json.dumps(list(InboundMessage.objects.filter(message_id__contains="TAG")
                      .values_list("message_id", flat=True))))
"""


def fill(mailbox: Mailbox, folder: str, tag: str) -> list[str]:
    mailbox.create(folder)
    ids = [f"kill-{i:03d}-{tag}@elsewhere.example" for i in range(KILL_MESSAGES)]
    for i, message_id in enumerate(ids):
        mailbox.append(
            folder,
            corpus.reply(
                sender=f"sender{i}@elsewhere.example",
                to=FROM_EMAIL,
                subject=f"Message {i}",
                body=f"Message {i}.",
                message_id=f"<{message_id}>",
            ),
        )
    return ids


def slow_env(project: MailProject) -> dict[str, str]:
    """tests/requests_app/slow_fetch.py: pause for a minute after the KILL_AFTER-th message
    is stored and before it is flagged, once (the pidfile says who paused)."""
    return {
        "FOI_MAIL_FETCH_BATCH": str(KILL_BATCH),
        "FOI_TEST_FETCH_PAUSE_AFTER": str(KILL_AFTER),
        "FOI_TEST_FETCH_PAUSE": "60",
        "FOI_TEST_FETCH_PIDFILE": str(project.data / f"{project.queue}.pid"),
    }


def wait_for_pause(project: MailProject) -> int:
    pidfile = project.data / f"{project.queue}.pid"
    deadline = time.monotonic() + RESULT_TIMEOUT
    while time.monotonic() < deadline:
        try:
            return int(pidfile.read_text().split()[0])
        except (FileNotFoundError, IndexError, ValueError):
            time.sleep(0.02)
    print(project.all_logs())
    raise AssertionError("the fetch never reached its pause")


def assert_in_the_window(project: MailProject, mailbox: Mailbox, folder: str, ids, tag) -> None:
    """Killed after the KILL_AFTER-th message was stored and before it was flagged."""
    stored = project.query(STORED_IDS.replace("TAG", tag))
    flagged = [m for m, f in mailbox.flags(folder).items() if STORED_FLAG in f]
    assert len(stored) == KILL_AFTER and sorted(stored) == ids[:KILL_AFTER]
    assert sorted(flagged) == ids[: KILL_AFTER - 1]


def fetch_until_done(project: MailProject, mailbox: Mailbox, folder: str) -> list[dict]:
    runs = []
    for _ in range(KILL_MESSAGES // KILL_BATCH + 2):
        if not mailbox.uids(folder, f"UNKEYWORD {STORED_FLAG}"):
            break
        runs.append(project.result(project.fetch()))
    return runs


def assert_each_stored_once(project, mailbox, folder, ids, tag) -> None:
    stored = Counter(project.query(STORED_IDS.replace("TAG", tag)))
    flags = mailbox.flags(folder)
    lost = set(ids) - set(stored)
    twice = {m: n for m, n in stored.items() if n > 1}
    unflagged = [m for m in ids if STORED_FLAG not in flags.get(m, set())]
    print(f"stored {len(stored)}, lost {len(lost)}, twice {len(twice)}, unflagged {len(unflagged)}")
    assert lost == set() and twice == {} and unflagged == []
    assert set(stored) == set(ids) == set(flags)
    assert not any("$FoiRefused" in f for f in flags.values())


def test_a_fetch_killed_with_its_worker_loses_nothing_and_stores_nothing_twice(
    worker_project, mailbox
):
    project = worker_project
    tag = uuid.uuid4().hex[:10]
    folder = f"FOI kill {tag}"
    ids = fill(mailbox, folder, tag)
    url = mailbox.url(folder)
    first = project.start_mail_worker(
        imap_url=url, app="tests.requests_app.slow_fetch", **slow_env(project)
    )
    killed = project.fetch()
    assert wait_for_pause(project) == first.pid  # solo pool: the fetch runs in the worker
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=10)
    assert_in_the_window(project, mailbox, folder, ids, tag)

    # A new worker (the beat's next fetch) finds the stored one a duplicate and flags it.
    project.start_mail_worker(imap_url=url, FOI_MAIL_FETCH_BATCH=str(KILL_BATCH))
    runs = fetch_until_done(project, mailbox, folder)
    assert_each_stored_once(project, mailbox, folder, ids, tag)
    # And the killed fetch itself comes back from Redis after the visibility timeout (on a
    # slow machine, before the new fetches: either way, the counts add up).
    runs.append(project.result(killed, timeout=90))
    total = sum((Counter(run) for run in runs), Counter())
    assert total == {"duplicate": 1, "inbox": KILL_MESSAGES - KILL_AFTER}, runs
    assert_each_stored_once(project, mailbox, folder, ids, tag)


def test_a_fetch_whose_pool_process_is_killed_loses_nothing_and_stores_nothing_twice(
    worker_project, mailbox
):
    project = worker_project
    tag = uuid.uuid4().hex[:10]
    folder = f"FOI kill pool {tag}"
    ids = fill(mailbox, folder, tag)
    worker = project.start_mail_worker(
        imap_url=mailbox.url(folder),
        pool="prefork",
        app="tests.requests_app.slow_fetch",
        **slow_env(project),
    )
    killed = project.fetch()
    child = wait_for_pause(project)
    assert child != worker.pid  # the pool process, not the worker
    os.kill(child, signal.SIGKILL)
    # The same worker requeues the fetch (reject_on_worker_lost) and runs it in a new child.
    rerun = project.result(killed)
    assert "WorkerLostError" in project.all_logs() or "SIGKILL" in project.all_logs()
    assert rerun["duplicate"] == 1 and rerun["inbox"] == KILL_BATCH - 1, rerun
    fetch_until_done(project, mailbox, folder)
    assert_each_stored_once(project, mailbox, folder, ids, tag)


# d. What the real server showed (services/mail_fetch.py) ----------------------------------


def stray(tag: str, n: int = 0) -> bytes:
    return corpus.reply(
        sender="someone@elsewhere.example",
        to=FROM_EMAIL,
        subject=f"Message {n}",
        message_id=f"<server-{n}-{tag}@elsewhere.example>",
    )


def test_it_reads_and_moves_mail_between_folders_with_accented_names(db, settings, mailbox):
    tag = uuid.uuid4().hex[:10]
    folder, done = f"Réponses {tag}", f"Traité {tag}"
    mailbox.create(folder)
    mailbox.create(done)
    # The server holds them under their modified UTF-7 names (RFC 3501 5.1.3).
    listed = b"\n".join(mailbox.listed())
    assert f"R&AOk-ponses {tag}".encode() in listed and f"Trait&AOk- {tag}".encode() in listed
    mailbox.append(folder, stray(tag))
    settings.FOI_IMAP_URL = mailbox.url(folder)
    settings.FOI_IMAP_DONE_FOLDER = done
    out = io.StringIO()
    call_command("fetch_mail", stdout=out)
    assert "1 inbox" in out.getvalue()
    assert mailbox.uids(folder) == []
    (flags,) = mailbox.flags(done).values()
    assert {"\\Seen", STORED_FLAG} <= flags


def test_a_wrong_password_is_a_clear_error_not_a_traceback(db, settings, mailbox):
    settings.FOI_IMAP_URL = mailbox.url("INBOX", password="not-the-password")
    with pytest.raises(
        CommandError, match=r"IMAP login to .* failed: .*Authentication failed"
    ) as e:
        call_command("fetch_mail", stdout=io.StringIO())
    assert "not-the-password" not in str(e.value)


def test_a_missing_done_folder_is_a_clear_error_and_the_mail_stays(db, settings, mailbox):
    tag = uuid.uuid4().hex[:10]
    folder = f"FOI in {tag}"
    mailbox.create(folder)
    mailbox.append(folder, stray(tag))
    settings.FOI_IMAP_URL = mailbox.url(folder)
    settings.FOI_IMAP_DONE_FOLDER = f"FOI/done {tag}"  # dovecot's separator is "."
    with pytest.raises(CommandError, match="FOI_IMAP_DONE_FOLDER .* does not exist") as e:
        call_command("fetch_mail", stdout=io.StringIO())
    assert f"FOI in {tag}" in str(e.value)  # the folders there are listed
    assert not InboundMessage.objects.exists()
    (flags,) = mailbox.flags(folder).values()
    assert STORED_FLAG not in flags and "\\Seen" not in flags


def test_without_move_it_copies_and_expunges_only_the_message_it_stored(
    db, settings, mailbox, monkeypatch
):
    from requests_app.services import mail_fetch

    tag = uuid.uuid4().hex[:10]
    folder, done = f"FOI in {tag}", f"FOI done {tag}"
    mailbox.create(folder)
    mailbox.create(done)
    mailbox.append(folder, stray(tag, 0))
    mailbox.append(folder, stray(tag, 1))
    # A person deleted this one in their mail program; it waits for their expunge, not ours.
    deleted = mailbox.uids(folder)[-1]
    assert mailbox.client.uid("STORE", deleted, "+FLAGS", "(\\Deleted)")[0] == "OK"
    connect = mail_fetch._connect

    def a_server_without_move(address):
        client = connect(address)
        client.capabilities = tuple(c for c in client.capabilities if c != "MOVE")
        return client

    monkeypatch.setattr(mail_fetch, "_connect", a_server_without_move)
    settings.FOI_IMAP_URL = mailbox.url(folder)
    settings.FOI_IMAP_DONE_FOLDER = done
    out = io.StringIO()
    call_command("fetch_mail", stdout=out)
    assert "1 inbox" in out.getvalue()
    assert list(mailbox.flags(done)) == [f"server-0-{tag}@elsewhere.example"]
    assert list(mailbox.flags(folder)) == [f"server-1-{tag}@elsewhere.example"]
