"""Real mail servers (issue 9, part 4): what the real IMAP server (dovecot) showed of
services/mail_fetch.py, through `fetch_mail` in the test process: accented folder names, a
wrong password, a missing done folder, a server without MOVE.

Skipped unless the real servers are configured (see mail_servers.py); .ci/mail_servers.sh runs
it.
"""

from __future__ import annotations

import io
import uuid

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from requests_app.models import InboundMessage
from requests_app.services.mail_fetch import STORED_FLAG
from tests.requests_app import mail_corpus as corpus

# Importing mail_servers skips this module unless the real servers are configured.
from tests.requests_app.mail_servers import FROM_EMAIL

pytestmark = pytest.mark.mailserver


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
