"""Real mail servers (issue 9, part 4): workers killed with SIGKILL in the middle of a fetch
from a real IMAP mailbox (dovecot), on a real Celery worker on Redis.

Skipped unless the real servers are configured (see mail_servers.py); .ci/mail_servers.sh runs
it.
"""

from __future__ import annotations

import os
import signal
import time
import uuid
from collections import Counter

import pytest

from requests_app.services.mail_fetch import STORED_FLAG
from tests.requests_app import mail_corpus as corpus

# Importing mail_servers skips this module unless the real servers are configured.
from tests.requests_app.mail_servers import FROM_EMAIL, RESULT_TIMEOUT, Mailbox, MailProject

pytestmark = pytest.mark.mailserver

KILL_MESSAGES = 300  # appended for the kill tests
KILL_AFTER = 40  # messages stored before the worker pauses, to be killed
KILL_BATCH = 100  # FOI_MAIL_FETCH_BATCH in the kill tests: the fetch takes several tasks


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
