"""A file email backend that takes its time, for the worker-kill test (never used in settings).

The pause comes before the message is written, as with a slow SMTP server: a worker killed during
it has claimed an email and not sent it. FOI_TEST_MAIL_DELAY is the pause in seconds;
FOI_TEST_MAIL_PIDFILE, when set, receives "<pid> <time the pause began>" of the process sending
(the pool child under prefork), so that the test can kill it during a pause.
"""

import os
import time
from pathlib import Path

from django.core.mail.backends.filebased import EmailBackend


class ThrottledFileBackend(EmailBackend):
    def send_messages(self, email_messages):
        pidfile = os.environ.get("FOI_TEST_MAIL_PIDFILE")
        if pidfile:
            Path(pidfile).write_text(f"{os.getpid()} {time.time()!r}")
        time.sleep(float(os.environ.get("FOI_TEST_MAIL_DELAY", "0")))
        return super().send_messages(email_messages)
