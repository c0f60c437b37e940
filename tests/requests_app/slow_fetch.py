"""The project's Celery app with a pause in the fetch, for the mid-fetch kill test (never in
settings).

Run as `celery -A tests.requests_app.slow_fetch worker`. In the process that runs the fetch, the
FOI_TEST_FETCH_PAUSE_AFTER-th message stored is followed by a pause of FOI_TEST_FETCH_PAUSE
seconds *after* it is committed and *before* the mailbox is told (flagged $FoiStored): the
window where a killed worker leaves a stored message unflagged. The pausing process writes its
pid to FOI_TEST_FETCH_PIDFILE (the pool child under prefork) for the test to kill it; only one
process pauses, the first to write the file, so the fetch that runs after the kill goes on.
"""

import os
import time
from pathlib import Path

from celery.signals import task_prerun

from foi_tracker.celery import app

__all__ = ["app"]


def _slow_down_the_fetch() -> None:
    from requests_app.services import mail_fetch

    original = mail_fetch.message_receive
    if getattr(original, "slowed", False):
        return

    stored = 0
    pause_after = int(os.environ["FOI_TEST_FETCH_PAUSE_AFTER"])
    pidfile = Path(os.environ["FOI_TEST_FETCH_PIDFILE"])

    def message_receive(**kwargs):
        nonlocal stored
        received = original(**kwargs)
        stored += 1
        if stored == pause_after:
            try:
                with pidfile.open("x") as f:  # "x": only the first process to get here
                    f.write(f"{os.getpid()}\n")
            except FileExistsError:
                return received
            time.sleep(float(os.environ["FOI_TEST_FETCH_PAUSE"]))
        return received

    message_receive.slowed = True
    mail_fetch.message_receive = message_receive


@task_prerun.connect
def _before_each_task(**kwargs) -> None:
    _slow_down_the_fetch()
