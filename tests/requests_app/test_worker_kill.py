"""A real Celery worker killed with SIGKILL in the middle of the daily job: every chaser still
goes out exactly once, within a minute or two.

Skipped unless CELERY_TEST_BROKER_URL is set; .ci/broker_check.sh runs it against Redis. Each
test has its own database, data folder and queue (see test_celery_broker.Project). The workers
run with short timeouts (a 30-second stale claim, a 20-second visibility timeout) and a mail
backend that pauses before writing each message, so that the kill lands while an email is
claimed and not yet sent: the case that used to be lost until the next day's run.

1. The whole worker is killed (solo pool: the batch task runs in the killed process). Its tasks
   stay unacknowledged in Redis; a new worker gets them back after the visibility timeout: the
   batch finds its claims held by the dead execution and leaves them, and the daily task
   waits (retrying) until they are stale, then takes them over and sends them.
2. Only the pool process running the batch is killed (prefork). The worker requeues it at once
   (reject_on_worker_lost); the daily task must not report success while its claims are open.
3. A campaign being sent (issue 9): the worker is killed while one request is claimed and its
   email not yet sent. The redelivered task finds the claim open, comes back when it is stale,
   and sends it: every force gets its request once.
"""

from __future__ import annotations

import email
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from requests_app.deadlines import WorkingCalendar
from requests_app.selectors.reminder_chasers import chaser_dates
from tests.requests_app.test_celery_broker import BROKER_URL, ROOT, Project

pytestmark = pytest.mark.broker

if not BROKER_URL.startswith("redis://"):
    pytest.skip(
        "the worker-kill test needs Redis (CELERY_TEST_BROKER_URL)", allow_module_level=True
    )

MAIL_DELAY = 0.4  # seconds per email: 43 chasers take about 17 s
KILL_AFTER = 10  # emails written before the kill
SETTLE_TIMEOUT = 240  # seconds: from the kill to the task reporting success
SEPARATOR = b"\n" + b"-" * 79 + b"\n"  # what Django's file backend writes after each message


class KillableProject(Project):
    def __init__(self, data: Path) -> None:
        super().__init__(data)
        self.env.update(
            {
                "REMINDERS_STALE_CLAIM_MINUTES": "0.5",
                "FOI_SEND_STALE_CLAIM_MINUTES": "0.5",
                "CELERY_BROKER_VISIBILITY_TIMEOUT": "20",
                "EMAIL_BACKEND": "tests.requests_app.slow_mail.ThrottledFileBackend",
                "FOI_TEST_MAIL_DELAY": str(MAIL_DELAY),
                "FOI_TEST_MAIL_PIDFILE": str(data / "sender.pid"),
            }
        )
        self.workers: list[subprocess.Popen] = []

    def start_worker(self, pool: str = "solo") -> subprocess.Popen:
        n = len(self.workers) + 1
        self.log = self.data / f"worker-{n}.log"
        command = [sys.executable, "-m", "celery", "-A", "foi_tracker", "worker"]
        command += ["--pool", pool, "--loglevel", "INFO", "--without-gossip", "--without-mingle"]
        if pool == "prefork":
            command += ["--concurrency", "1"]
        command += ["-Q", self.queue, "-n", f"{self.queue}-{n}@%h"]
        worker = subprocess.Popen(
            command, cwd=ROOT, env=self.env, stdout=self.log.open("wb"), stderr=subprocess.STDOUT
        )
        self.workers.append(worker)
        self.worker = worker
        return worker

    def stop_workers(self) -> None:
        for worker in self.workers:
            self.worker = worker
            self.stop_worker()

    def all_logs(self) -> str:
        return "\n".join(
            f"--- {log.name}\n{log.read_text(errors='replace')}"
            for log in sorted(self.data.glob("worker-*.log"))
        )

    def sent_log(self) -> list[dict]:
        code = (
            "import json; from requests_app.models import SentReminder; "
            "print(json.dumps(list(SentReminder.objects.values('to_email', 'kind', 'status'))))"
        )
        return json.loads(self.manage("shell", "-c", code).strip().splitlines()[-1])

    def messages(self) -> list[email.message.Message]:
        """Every message the file backend wrote (a file may hold more than one)."""
        found = []
        for path in sorted(self.mail.glob("*.log")):
            for chunk in path.read_bytes().split(SEPARATOR):
                if chunk.strip():
                    found.append(email.message_from_bytes(chunk))
        return found


def owe_many_chasers(project: KillableProject) -> tuple[str, set[tuple[str, str]]]:
    """A campaign to all 43 forces of England and Wales, every one late: 43 first chasers."""
    sent_on = timezone.localdate() - timedelta(days=60)
    campaign = {
        "slug": "worker-kill",
        "title": "Worker kill",
        "request_text": "Dear {force_name}, how many in {periods}?",
        "forces": "england-and-wales",
        "periods": [{"label": "2024/25", "start": "2024-04-01", "end": "2025-03-31"}],
        "sent_on": sent_on.isoformat(),
        "chase_forces": True,
    }
    (project.data / "campaign.json").write_text(json.dumps(campaign))
    project.manage("load_campaign", str(project.data / "campaign.json"))
    code = (
        "import json; from requests_app.models import FoiRequest, Force\n"
        "forces = Force.objects.filter(requests__campaign__slug='worker-kill')\n"
        "for f in forces: Force.objects.filter(pk=f.pk).update(foi_email=f'foi-{f.pk}@example.org')\n"
        "print(json.dumps(sorted(f'foi-{f.pk}@example.org' for f in forces)))"
    )
    addresses = json.loads(project.manage("shell", "-c", code).strip().splitlines()[-1])
    assert len(addresses) == 43
    cal = WorkingCalendar("foia")
    first, _ = chaser_dates(cal.add_working_days(sent_on, 20), 10, cal)
    return first.isoformat(), {(address, "chaser_1") for address in addresses}


def wait_for(predicate, timeout: float, what: str, project: KillableProject) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    print(project.all_logs())
    raise AssertionError(f"timed out waiting for {what}")


def assert_each_sent_once(project: KillableProject, expected: set[tuple[str, str]]) -> None:
    rows = project.sent_log()
    assert Counter(r["status"] for r in rows) == {"sent": len(expected)}, rows
    assert {(r["to_email"], r["kind"]) for r in rows} == expected
    messages = project.messages()
    mailed = Counter((m["To"], m["X-FOI-Tracker-Kind"]) for m in messages)
    lost = expected - set(mailed)
    duplicated = {key: n for key, n in mailed.items() if n > 1}
    print(
        f"sent-log rows {len(rows)}, messages {len(messages)}, lost {len(lost)}, "
        f"duplicated {len(duplicated)}"
    )
    assert lost == set() and duplicated == {}
    assert set(mailed) == expected
    assert len({m["Message-ID"] for m in messages}) == len(expected)


@pytest.fixture
def project(tmp_path):
    project = KillableProject(tmp_path)
    try:
        project.manage("migrate", "--noinput")
        yield project
    finally:
        project.stop_workers()
        if project.database:
            project.database.drop()


def start_sweep_and_kill(project: KillableProject, day: str, kill) -> tuple:
    result = project.client().send_task(
        "requests_app.send_daily_reminders", kwargs={"day": day}, queue=project.queue
    )
    return result, kill_in_a_pause(project, kill)


def kill_in_a_pause(project: KillableProject, kill) -> float:
    """Once KILL_AFTER emails are written, kill the sender while the next one is claimed and not
    yet sent. Returns when it was killed."""
    wait_for(lambda: len(project.messages()) >= KILL_AFTER, 120, "the first emails", project)
    # Kill in the first half of a pause that began after the last message was written: the
    # next email is claimed and not yet sent. (A kill just after a message is written and
    # before its "sent" mark is the one window where it would be sent twice; see _mark_sent.)
    pidfile = project.data / "sender.pid"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            pid, paused_at = pidfile.read_text().split()
        except ValueError:  # caught between the backend's truncate and write
            continue
        newest = max(path.stat().st_mtime for path in project.mail.glob("*.log"))
        if float(paused_at) > newest and time.time() - float(paused_at) < MAIL_DELAY / 2:
            kill(int(pid))
            return time.monotonic()
        time.sleep(0.005)
    raise AssertionError("never caught the worker in a pause")


def settle(project: KillableProject, result, killed_at: float) -> dict:
    try:
        counts = result.get(timeout=SETTLE_TIMEOUT)
    except Exception:
        print(project.all_logs())
        raise
    print(f"settled {time.monotonic() - killed_at:.1f} s after the kill: {counts}")
    return counts


def test_it_sends_each_email_once_when_the_whole_worker_is_killed(project):
    day, expected = owe_many_chasers(project)
    first = project.start_worker("solo")

    def kill_worker(sender: int) -> None:
        assert sender == first.pid  # solo pool: the task runs in the worker process
        first.send_signal(signal.SIGKILL)

    result, killed_at = start_sweep_and_kill(project, day, kill_worker)
    first.wait(timeout=10)
    assert len(project.messages()) < len(expected)
    rows = project.sent_log()
    open_claims = [r for r in rows if r["status"] == "claimed"]
    # The daily task claimed every email at once and handed them to a batch task: the rest of
    # the batch the worker was sending is left claimed (to go stale and be taken over), and
    # every email marked sent is in the mail folder: none lost, none sent without its mark but
    # possibly the one in flight.
    sent = [r for r in rows if r["status"] == "sent"]
    assert len(open_claims) == len(expected) - len(sent) >= 1, rows
    assert len(sent) <= len(project.messages()) <= len(sent) + 1

    project.start_worker("solo")  # the task comes back to it after the visibility timeout
    settle(project, result, killed_at)
    assert_each_sent_once(project, expected)


def test_it_does_not_report_success_while_a_killed_child_holds_a_claim(project):
    day, expected = owe_many_chasers(project)
    worker = project.start_worker("prefork")

    def kill_child(sender: int) -> None:
        assert sender != worker.pid  # the pool process, not the worker
        os.kill(sender, signal.SIGKILL)

    result, killed_at = start_sweep_and_kill(project, day, kill_child)
    # The same worker requeues the task (reject_on_worker_lost), reruns it in a new child, and
    # retries until the dead child's claim is stale and taken over.
    settle(project, result, killed_at)
    assert "WorkerLostError" in project.all_logs() or "SIGKILL" in project.all_logs()
    assert_each_sent_once(project, expected)


def draft_campaign_to_send(project: KillableProject) -> tuple[list[int], set[str]]:
    """A draft campaign to the 43 forces of England and Wales, each with an address."""
    campaign = {
        "slug": "send-kill",
        "title": "Send kill",
        "request_text": "Dear {force_name}, under {act}, how many in {periods}?",
        "forces": "england-and-wales",
        "periods": [{"label": "2024/25", "start": "2024-04-01", "end": "2025-03-31"}],
    }
    (project.data / "campaign.json").write_text(json.dumps(campaign))
    project.manage("load_campaign", str(project.data / "campaign.json"))
    code = (
        "import json; from requests_app.models import FoiRequest, Force\n"
        "forces = Force.objects.filter(requests__campaign__slug='send-kill')\n"
        "for f in forces: Force.objects.filter(pk=f.pk).update(foi_email=f'foi-{f.pk}@example.org')\n"
        "ids = list(FoiRequest.objects.filter(campaign__slug='send-kill').values_list('pk', flat=True))\n"
        "print(json.dumps([sorted(ids), sorted(f'foi-{f.pk}@example.org' for f in forces)]))"
    )
    ids, addresses = json.loads(project.manage("shell", "-c", code).strip().splitlines()[-1])
    assert len(ids) == len(addresses) == 43
    return ids, set(addresses)


def test_a_campaign_send_reaches_every_force_once_when_the_worker_is_killed(project):
    ids, addresses = draft_campaign_to_send(project)
    first = project.start_worker("solo")
    client = project.client()
    results = [
        client.send_task("requests_app.send_request", args=[pk], queue=project.queue) for pk in ids
    ]

    def kill_worker(sender: int) -> None:
        assert sender == first.pid
        first.send_signal(signal.SIGKILL)

    killed_at = kill_in_a_pause(project, kill_worker)
    first.wait(timeout=10)
    code = (
        "import json; from requests_app.models import SentRequest\n"
        "print(json.dumps(list(SentRequest.objects.filter(request__campaign__slug='send-kill')"
        ".values_list('status', flat=True))))"
    )
    statuses = json.loads(project.manage("shell", "-c", code).strip().splitlines()[-1])
    assert statuses.count("claimed") == 1, statuses  # killed between claim and send
    assert len(project.messages()) < 43

    project.start_worker("solo")  # unacknowledged tasks come back after the visibility timeout
    try:
        outcomes = [r.get(timeout=SETTLE_TIMEOUT) for r in results]
    except Exception:
        print(project.all_logs())
        raise
    print(f"settled {time.monotonic() - killed_at:.1f} s after the kill")
    assert Counter(outcomes) == {"sent": 43}, Counter(outcomes)
    statuses = json.loads(project.manage("shell", "-c", code).strip().splitlines()[-1])
    assert Counter(statuses) == {"sent": 43}
    mailed = Counter(m["To"] for m in project.messages())
    assert set(mailed) == addresses
    assert {to: n for to, n in mailed.items() if n > 1} == {}
