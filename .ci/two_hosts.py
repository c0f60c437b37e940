"""Two web processes and one worker, as on three hosts (issue 29), run by .ci/two_hosts.sh.

Each process has its own empty working folder (FOI_DATA_DIR: no shared MEDIA_ROOT); they share
one PostgreSQL database, one Redis broker, one S3-compatible store (moto's server) and one IMAP
mailbox (dovecot), each set as production sets it (DATABASE_URL, CELERY_BROKER_URL, the AWS_*
variables, FOI_IMAP_URL and FOI_IMAP_DONE_FOLDER, the same on every host). Checked:

1. a force's reply with a spreadsheet, delivered to the IMAP mailbox, is fetched by the worker
   when staff press "Check for mail now" on web 1, screened, and stored in the bucket; the
   message is moved to the done folder and no host's drop folder is used;
2. through web 2 its cells page shows its cells and its download gives the same bytes;
3. the demo's quarantined file is in the quarantine bucket only, and staff get 403 on web 2;
4. a release published from the worker's folder is downloaded from web 2 with no login;
5. `/healthz` answers 200 on both web processes;
6. a backup written to the store from web 1's folder restores into a fresh database (and fresh
   buckets) from a fourth empty folder, with every figure, row count and file's SHA-256 intact;
7. no working folder holds a stored file.

Any failure exits non-zero with what differed. Needs: DATABASE_URL (a server: databases named
TWO_HOSTS_DB_PREFIX_<run> are created and dropped), CELERY_BROKER_URL, AWS_S3_ENDPOINT_URL (an
empty S3-compatible server), TWO_HOSTS_IMAP_URL (imap://user:password@host:port/INBOX, a
mailbox of its own: the done folder is created in it).
"""

from __future__ import annotations

import base64
import hashlib
import http.cookiejar
import imaplib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import boto3
import psycopg

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python")
SERVER_URL = os.environ["DATABASE_URL"]
ENDPOINT = os.environ["AWS_S3_ENDPOINT_URL"]
IMAP_URL = os.environ["TWO_HOSTS_IMAP_URL"]
DONE_FOLDER = "Filed"
DB_PREFIX = os.environ.get("TWO_HOSTS_DB_PREFIX", "foi_two_hosts")
RUN = uuid.uuid4().hex[:8]
BUCKETS = {
    "AWS_STORAGE_BUCKET_NAME": f"foi-files-{RUN}",
    "FOI_QUARANTINE_BUCKET": f"foi-quarantine-{RUN}",
    "FOI_BACKUP_BUCKET": f"foi-backups-{RUN}",
}
RESTORED_BUCKETS = {
    "AWS_STORAGE_BUCKET_NAME": f"foi-restored-{RUN}",
    "FOI_QUARANTINE_BUCKET": f"foi-restored-quarantine-{RUN}",
    "FOI_BACKUP_BUCKET": BUCKETS["FOI_BACKUP_BUCKET"],  # the backup is read from where it went
}

# Run in a host's folder: everything a restore must carry, as JSON (files read from the store).
SNAPSHOT = """
import hashlib, json
from django.apps import apps
from figures_app.models import Figure
from requests_app.models import InboundMessage, RequestAttachment
def sha(field):
    with field.open("rb") as f:
        return hashlib.sha256(f.read()).hexdigest()
print(json.dumps({
    "figures": sorted(
        [f.pk, f.request_id, f.period_id, f.category_key, f.kind, str(f.value), f.note]
        for f in Figure.objects.all()
    ),
    "attachments": sorted(
        [a.pk, a.file.name, a.sha256, sha(a.file)] for a in RequestAttachment.objects.exclude(file="")
    ),
    "raw_emails": sorted(
        [m.pk, m.raw.name, m.raw_sha256, sha(m.raw)] for m in InboundMessage.objects.exclude(raw="")
    ),
    "counts": {
        m._meta.label_lower: m._base_manager.count()
        for m in apps.get_models(include_auto_created=True)
        if m._meta.label_lower not in ("sessions.session", "django_celery_beat.periodictasks")
    },
}))
"""

FACTS = """
import json
from requests_app.models import AttachmentScreening, Campaign, InboundMessage, RequestAttachment
what = {}
message = InboundMessage.objects.filter(raw__gt="").order_by("-pk").first()
if message is not None:
    reply = RequestAttachment.objects.filter(request=message.request, original_name__endswith=".xlsx").order_by("-pk").first()
    what["reply"] = reply and {"pk": reply.pk, "name": reply.file.name, "sha256": reply.sha256,
        "screened": AttachmentScreening.objects.filter(attachment=reply).exists(),
        "quarantined": AttachmentScreening.objects.filter(attachment=reply, quarantined=True).exists()}
    what["raw"] = message.raw.name
leaked = RequestAttachment.objects.filter(screening__quarantined=True).first()
what["quarantined"] = leaked and {"pk": leaked.pk, "name": leaked.file.name}
print(json.dumps(what))
"""

# A force's mail system writes the reply (the demo's made-up one: a spreadsheet of figures).
REPLY = """
import base64
from requests_app.demo_mail import demo_message
from requests_app.models import FoiRequest
foi = FoiRequest.objects.get(campaign__slug="sexual-communication-with-a-child-2026",
    force__name__startswith="Essex")
print(base64.b64encode(demo_message(foi, "reply", f"FOI/{foi.pk:06d}")).decode())
"""

PUBLISH = """
from django.contrib.auth import get_user_model
from figures_app.services.releases import ReleaseSpec, release_publish
from requests_app.demo import NSPCC_SLUG
from requests_app.models import Campaign
riley = get_user_model().objects.get(username="riley")
version = release_publish(campaign=Campaign.objects.get(slug=NSPCC_SLUG), actor=riley,
    slug="two-hosts", spec=ReleaseSpec(title="Two hosts"))
print(version.number)
"""


class Failed(Exception):
    pass


def check(condition: bool, what: str) -> None:
    if not condition:
        raise Failed(what)
    print(f"  ok: {what}", flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def database_url(name: str) -> str:
    parts = urllib.parse.urlsplit(SERVER_URL)
    return urllib.parse.urlunsplit(parts._replace(path=f"/{name}"))


class Host:
    """One machine: an empty working folder of its own, the shared services by URL."""

    def __init__(self, name: str, base: Path, *, database: str, buckets: dict) -> None:
        self.name = name
        self.folder = base / name
        self.folder.mkdir()
        self.env = {
            **os.environ,
            **buckets,
            "DATABASE_URL": database_url(database),
            "FOI_IMAP_URL": IMAP_URL,
            "FOI_IMAP_DONE_FOLDER": DONE_FOLDER,
            "FOI_DATA_DIR": str(self.folder / "var"),
            "PYTHONPATH": str(ROOT),
            "DJANGO_SETTINGS_MODULE": "foi_tracker.settings",
            "PYTHONUNBUFFERED": "1",
            # The demo's logins and its plain-http cookies; DEBUG stays off.
            "FOI_DEMO": "true",
            "DEBUG": "false",
            "ALLOWED_HOSTS": "127.0.0.1",
        }
        self.env.pop("MEDIA_ROOT", None)
        self.env.pop("FOI_MAIL_DROP_DIR", None)

    def manage(self, *args: str, stdin: bytes | None = None) -> str:
        result = subprocess.run(
            [PYTHON, str(ROOT / "manage.py"), *args],
            cwd=self.folder,
            env=self.env,
            input=stdin,
            capture_output=True,
            timeout=600,
        )
        out = result.stdout.decode() + result.stderr.decode()
        if result.returncode != 0:
            raise Failed(f"{self.name}: manage.py {' '.join(args)} failed:\n{out}")
        return result.stdout.decode()

    def shell(self, code: str) -> dict:
        return json.loads(self.manage("shell", "-c", code).strip().splitlines()[-1])

    def start(self, *command: str, log: str) -> subprocess.Popen:
        handle = open(self.folder / log, "wb")  # noqa: SIM115 (kept open for the process)
        return subprocess.Popen(
            command,
            cwd=self.folder,
            env=self.env,
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def drop_folder(self) -> list[str]:
        """What is in this host's drop folder (the demo's inbox), which nothing should use."""
        inbox = self.folder / "var" / "inbox"
        return sorted(str(p.relative_to(inbox)) for p in inbox.rglob("*")) if inbox.exists() else []

    def stored_files(self) -> list[str]:
        """Files under this host's folder other than logs and the broker's or mail's folders."""
        var = self.folder / "var"
        return sorted(
            str(p.relative_to(self.folder))
            for p in var.rglob("*")
            if p.is_file() and p.parts[len(var.parts)] in ("media", "backups", "quarantine")
        )


class Browser:
    """A person at one web process: cookies, CSRF, no redirects followed by surprise."""

    def __init__(self, port: int) -> None:
        self.base = f"http://127.0.0.1:{port}"
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def get(self, path: str) -> tuple[int, bytes, dict]:
        try:
            with self.opener.open(self.base + path, timeout=60) as response:
                return response.status, response.read(), dict(response.headers)
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read(), dict(exc.headers)

    def post(self, path: str, data: dict) -> tuple[int, bytes]:
        token = next((c.value for c in self.jar if c.name == "csrftoken"), "")
        body = urllib.parse.urlencode({**data, "csrfmiddlewaretoken": token}).encode()
        request = urllib.request.Request(
            self.base + path, data=body, headers={"Referer": self.base + path}
        )
        try:
            with self.opener.open(request, timeout=60) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read()

    def login(self, username: str, password: str) -> None:
        self.get("/accounts/login/")
        status, body = self.post("/accounts/login/", {"username": username, "password": password})
        signed_in = any(c.name == "sessionid" for c in self.jar)
        check(status == 200 and signed_in, f"{username} signed in")


def wait_for(what: str, probe, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if probe():
            print(f"  ok: {what}", flush=True)
            return
        time.sleep(0.5)
    raise Failed(f"timed out after {seconds:g} s waiting for: {what}")


def up(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as r:
            return r.status == 200
    except (urllib.error.URLError, OSError):
        return False


class Mailbox:
    """The team's FOI mailbox on the IMAP server, as the forces' mail reaches it."""

    def __init__(self, url: str) -> None:
        parts = urllib.parse.urlsplit(url)
        self.client = imaplib.IMAP4(parts.hostname, parts.port or 143, timeout=30)
        self.client.login(
            urllib.parse.unquote(parts.username or ""), urllib.parse.unquote(parts.password or "")
        )
        self.inbox = urllib.parse.unquote(parts.path.lstrip("/")) or "INBOX"

    def create(self, folder: str) -> None:
        status, data = self.client.create(folder)
        if status != "OK":
            raise Failed(f"IMAP CREATE {folder} failed: {data}")

    def deliver(self, raw: bytes) -> None:
        status, data = self.client.append(self.inbox, None, None, raw)
        if status != "OK":
            raise Failed(f"IMAP APPEND to {self.inbox} failed: {data}")

    def count(self, folder: str) -> int:
        status, data = self.client.select(folder, readonly=True)
        if status != "OK":
            raise Failed(f"IMAP SELECT {folder} failed: {data}")
        return int(data[0])

    def close(self) -> None:
        try:
            self.client.logout()
        except (imaplib.IMAP4.error, OSError):
            pass


def keys(s3, bucket: str) -> list[str]:
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket)
    return [item["Key"] for page in pages for item in page.get("Contents", [])]


def stopped(signum, frame) -> None:
    # `timeout` (in .ci/two_hosts.sh) sends SIGTERM: fail as any check does, so the processes
    # are stopped, the databases dropped and the logs printed.
    raise Failed(f"stopped by signal {signum} (the run took too long)")


def main() -> int:
    signal.signal(signal.SIGTERM, stopped)
    s3 = boto3.client("s3", endpoint_url=ENDPOINT, region_name="us-east-1")
    for bucket in sorted(set(BUCKETS.values()) | set(RESTORED_BUCKETS.values())):
        s3.create_bucket(Bucket=bucket)
    source_db, restored_db = f"{DB_PREFIX}_{RUN}", f"{DB_PREFIX}_restored_{RUN}"
    with psycopg.connect(SERVER_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{source_db}"')
        conn.execute(f'CREATE DATABASE "{restored_db}"')
    base = Path(tempfile.mkdtemp(prefix="foi-two-hosts-"))
    processes: list[subprocess.Popen] = []
    web1 = Host("web1", base, database=source_db, buckets=BUCKETS)
    web2 = Host("web2", base, database=source_db, buckets=BUCKETS)
    worker = Host("worker", base, database=source_db, buckets=BUCKETS)
    restored = Host("restored", base, database=restored_db, buckets=RESTORED_BUCKETS)
    try:
        run(s3, web1, web2, worker, restored, processes)
    except Exception as exc:
        if not isinstance(exc, Failed):  # an error in the run itself: where it was raised
            traceback.print_exc()
        print(f"\nTWO-HOST TEST FAILED: {exc}", file=sys.stderr)
        for host in (web1, web2, worker):
            for log in host.folder.glob("*.log"):
                print(f"\n---- {host.name}/{log.name} (last 60 lines) ----", file=sys.stderr)
                print(
                    "\n".join(log.read_text(errors="replace").splitlines()[-60:]), file=sys.stderr
                )
        return 1
    finally:
        for process in processes:
            try:
                os.killpg(process.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        with psycopg.connect(SERVER_URL, autocommit=True) as conn:
            for name in (source_db, restored_db):
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        shutil.rmtree(base, ignore_errors=True)
    print("\nTwo hosts: every check passed.")
    return 0


def run(s3, web1: Host, web2: Host, worker: Host, restored: Host, processes: list) -> None:
    print("== Set up from the worker's folder: migrate and load the demo (files to the store)")
    worker.manage("migrate", "--noinput", "-v0")
    worker.manage("load_demo")

    print("== Start two web processes and a worker, each in its own folder")
    ports = [free_port(), free_port()]
    for host, port in zip((web1, web2), ports, strict=True):
        processes.append(
            host.start(
                str(ROOT / ".venv" / "bin" / "gunicorn"),
                "foi_tracker.wsgi",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "2",
                "--timeout",
                "120",
                log="gunicorn.log",
            )
        )
    processes.append(
        worker.start(
            str(ROOT / ".venv" / "bin" / "celery"),
            "-A",
            "foi_tracker",
            "worker",
            "--loglevel",
            "INFO",
            "--concurrency",
            "2",
            log="celery.log",
        )
    )
    for port in ports:
        wait_for(f"web process on port {port} answers /healthz with 200", lambda p=port: up(p))

    print("== A reply with a spreadsheet, delivered to the IMAP mailbox, fetched by the worker")
    before = worker.shell(FACTS)
    mailbox = Mailbox(IMAP_URL)
    try:
        mailbox.create(DONE_FOLDER)
        # The shell's last line (Django's shell first says what it imported).
        printed = worker.manage("shell", "-c", REPLY).strip().splitlines()[-1]
        mailbox.deliver(base64.b64decode(printed, validate=True))
        check(mailbox.count(mailbox.inbox) == 1, "the force's reply is in the IMAP mailbox")
    finally:
        mailbox.close()
    sam1 = Browser(ports[0])
    sam1.login("sam", "sam-password")
    status, _ = sam1.post("/inbox/check/", {})
    check(status == 200, "web 1 took 'Check for mail now'")

    def fetched() -> bool:
        facts = worker.shell(FACTS)
        return bool(facts.get("reply")) and facts.get("raw") != before.get("raw")

    wait_for("the worker fetched, stored and screened the reply", fetched)
    facts = worker.shell(FACTS)
    reply = facts["reply"]
    check(reply["screened"] and not reply["quarantined"], "the reply's spreadsheet was screened")
    files = keys(s3, BUCKETS["AWS_STORAGE_BUCKET_NAME"])
    check(reply["name"] in files, f"its file is in the bucket ({reply['name']})")
    check(facts["raw"] in files, f"the raw email is in the bucket ({facts['raw']})")
    mailbox = Mailbox(IMAP_URL)
    try:
        moved = (mailbox.count(mailbox.inbox), mailbox.count(DONE_FOLDER))
    finally:
        mailbox.close()
    check(moved == (0, 1), f"the message was moved to the IMAP folder {DONE_FOLDER} {moved}")
    for host in (web1, web2, worker):
        check(host.drop_folder() == [], f"{host.name}'s drop folder was not used")

    print("== Read through the second web process")
    sam2 = Browser(ports[1])
    sam2.login("sam", "sam-password")
    status, body, _ = sam2.get(f"/figures/attachments/{reply['pk']}/cells/")
    check(status == 200 and b"<table" in body, "web 2 shows the spreadsheet cell by cell")
    status, body, _ = sam2.get(f"/attachments/{reply['pk']}/")
    check(status == 200, "web 2 serves the download")
    check(hashlib.sha256(body).hexdigest() == reply["sha256"], "the download's SHA-256 matches")

    print("== A quarantined file stays private")
    leaked = facts["quarantined"]
    check(bool(leaked), "the demo has a quarantined file")
    check(leaked["name"].startswith("quarantine/"), "its name routes it to the quarantine store")
    inner = leaked["name"].removeprefix("quarantine/")
    check(inner in keys(s3, BUCKETS["FOI_QUARANTINE_BUCKET"]), "it is in the quarantine bucket")
    check(not any(k.endswith(inner) for k in files), "and not in the bucket of the other files")
    status, _, _ = sam2.get(f"/attachments/{leaked['pk']}/")
    check(status == 403, "staff get 403 for it on web 2")
    status, body, _ = Browser(ports[1]).get(f"/attachments/{leaked['pk']}/")
    check(status == 200 and b'name="password"' in body, "an anonymous visitor gets the login page")

    print("== A release's download is served")
    worker.manage("shell", "-c", PUBLISH)
    status, body, headers = Browser(ports[1]).get("/releases/two-hosts/v1/release.csv")
    check(status == 200 and b"," in body, "web 2 serves the release's CSV with no login")

    print("== Backup to the store, restore into a fresh database and fresh buckets")
    web1.manage("backup", "two-hosts-backup")
    backup_keys = keys(s3, BUCKETS["FOI_BACKUP_BUCKET"])
    check("two-hosts-backup/manifest.json" in backup_keys, "the backup is in the backups bucket")
    original = web1.shell(SNAPSHOT)
    restored.manage("restore", "two-hosts-backup")
    copy = restored.shell(SNAPSHOT)
    check(len(original["figures"]) > 0, f"{len(original['figures'])} figures to compare")
    check(copy["figures"] == original["figures"], "every figure restored")
    check(
        copy["attachments"] == original["attachments"],
        f"every attachment restored with its SHA-256 ({len(original['attachments'])})",
    )
    check(copy["raw_emails"] == original["raw_emails"], "every raw email restored")
    differ = {
        k: (v, copy["counts"].get(k))
        for k, v in original["counts"].items()
        if copy["counts"].get(k) != v
    }
    check(not differ, f"rows per table equal (differences: {differ})")
    check(
        leaked["name"].removeprefix("quarantine/")
        in keys(s3, RESTORED_BUCKETS["FOI_QUARANTINE_BUCKET"]),
        "the quarantined file was restored to the restored quarantine bucket",
    )

    print("== Nothing stored on any host's disk")
    for host in (web1, web2, worker, restored):
        check(host.stored_files() == [], f"{host.name}'s folder holds no stored file")
    for port in ports:
        check(up(port), f"/healthz still 200 on port {port}")


if __name__ == "__main__":
    sys.exit(main())
