"""python manage.py receive_email < message.eml  (for a mail server's pipe, as Alaveteli does)"""

import shutil
import sys
import tempfile
from typing import IO

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from requests_app.models.mail import MessageSource
from requests_app.services.mail_in import message_receive

# sysexits.h: the mail server bounces on EX_DATAERR and retries later on EX_TEMPFAIL.
EX_DATAERR = 65
EX_TEMPFAIL = 75
# Standard input is copied to a temporary file this much at a time, never read whole into
# memory: message_receive reads the file in chunks too.
COPY_BYTES = 64 * 1024


class Command(BaseCommand):
    help = (
        "Read one email (RFC 822) on standard input, store it and file it on its request (or "
        "leave it in the Inbox). Exits 0 once it is safely stored, 65 if it is refused (too "
        "large, or empty), 75 if it could not be stored now (the mail server should retry)."
    )

    def handle(self, *args, **options):
        with tempfile.TemporaryFile() as raw:
            shutil.copyfileobj(sys.stdin.buffer, raw, COPY_BYTES)
            if _blank(raw):
                self.stderr.write("No message on standard input: nothing stored.")
                sys.exit(EX_DATAERR)
            try:
                received = message_receive(raw=raw, source=MessageSource.STDIN)
            except DatabaseError as exc:
                self.stderr.write(f"Could not store the message now ({exc}); try again later.")
                sys.exit(EX_TEMPFAIL)
            except Exception as exc:  # never lose a message silently: tell the MTA to retry
                raise CommandError(
                    f"Could not store the message: {exc!r}", returncode=EX_TEMPFAIL
                ) from exc
        self.stdout.write(f"Message {received.message.pk}: {received.describe()}.")
        if not received.stored:
            sys.exit(EX_DATAERR)


def _blank(raw: IO[bytes]) -> bool:
    """True when the file holds nothing but whitespace."""
    raw.seek(0)
    while chunk := raw.read(COPY_BYTES):
        if chunk.strip():
            return False
    return True
