"""Mail in (issue 9, part 2) through the commands: receive_email on standard input, as the mail
server pipes it, and fetch_mail from a drop folder."""

from __future__ import annotations

import io
import sys

import pytest
from django.core.management import call_command

from requests_app.models import InboundMessage
from tests.requests_app import mail_corpus as corpus
from tests.requests_app.mail_in_helpers import _foi

# receive_email ----------------------------------------------------------------------------


def _run_receive_email(monkeypatch, raw: bytes) -> tuple[int, str]:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(raw)))
    out = io.StringIO()
    try:
        call_command("receive_email", stdout=out, stderr=out)
    except SystemExit as exc:
        return exc.code, out.getvalue()
    return 0, out.getvalue()


def test_receive_email_reads_standard_input_and_exits_0_once_stored(sent_campaign, monkeypatch):
    kent = _foi(sent_campaign, "Kent Police")
    code, out = _run_receive_email(monkeypatch, corpus.token_reply(kent))
    assert code == 0
    assert f"filed on {kent.reference}" in out
    assert kent.inbound_messages.count() == 1


def test_receive_email_refuses_empty_input_for_the_mail_server(db, monkeypatch):
    code, out = _run_receive_email(monkeypatch, b"")
    assert code == 65
    assert InboundMessage.objects.count() == 0


def test_receive_email_asks_the_mail_server_to_retry_when_storing_fails(db, monkeypatch):
    from django.db import OperationalError

    def down(**kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr("requests_app.management.commands.receive_email.message_receive", down)
    code, out = _run_receive_email(monkeypatch, b"Subject: x\r\n\r\nbody")
    assert code == 75
    assert "try again later" in out


# fetch_mail (drop folder) -------------------------------------------------------------------


def test_fetch_mail_files_the_drop_folder_and_a_second_run_does_nothing(
    sent_campaign, settings, tmp_path
):
    settings.FOI_IMAP_URL = ""
    settings.FOI_MAIL_DROP_DIR = tmp_path
    kent = _foi(sent_campaign, "Kent Police")
    (tmp_path / "a.eml").write_bytes(corpus.token_reply(kent))
    (tmp_path / "b.eml").write_bytes(
        corpus.reply(sender="x@y.example", to="foi@charity.example.org", subject="stray")
    )
    out = io.StringIO()
    call_command("fetch_mail", stdout=out)
    assert "1 filed, 1 inbox" in out.getvalue()
    assert sorted(p.name for p in (tmp_path / "done").iterdir()) == ["a.eml", "b.eml"]
    assert not list(tmp_path.glob("*.eml"))
    out = io.StringIO()
    call_command("fetch_mail", stdout=out)
    assert "0 filed, 0 inbox" in out.getvalue()
    assert InboundMessage.objects.count() == 2


def test_a_fetch_killed_after_storing_loses_nothing_and_stores_nothing_twice(
    sent_campaign, settings, tmp_path, monkeypatch
):
    from requests_app.services import mail_fetch

    settings.FOI_IMAP_URL = ""
    settings.FOI_MAIL_DROP_DIR = tmp_path
    kent = _foi(sent_campaign, "Kent Police")
    (tmp_path / "a.eml").write_bytes(corpus.token_reply(kent))

    def killed(*args, **kwargs):
        raise SystemExit("worker killed")

    with monkeypatch.context() as patch:
        patch.setattr(mail_fetch, "_move", killed)
        with pytest.raises(SystemExit):
            call_command("fetch_mail", stdout=io.StringIO())
    assert (tmp_path / "a.eml").exists()  # the mailbox still has it
    assert kent.inbound_messages.count() == 1  # and it is stored
    out = io.StringIO()
    call_command("fetch_mail", stdout=out)
    assert "1 duplicate" in out.getvalue()
    assert kent.inbound_messages.count() == 1
    assert not (tmp_path / "a.eml").exists()


def test_fetch_mail_refuses_an_oversized_message_and_keeps_it_aside(
    sent_campaign, settings, tmp_path
):
    settings.FOI_IMAP_URL = ""
    settings.FOI_MAIL_DROP_DIR = tmp_path
    settings.FOI_MAIL_MAX_MESSAGE_BYTES = 100_000
    kent = _foi(sent_campaign, "Kent Police")
    big = corpus.token_reply(
        kent, attachments=[("a.pdf", "application/pdf", b"%PDF" + b"1" * 200_000)]
    )
    (tmp_path / "big.eml").write_bytes(big)
    call_command("fetch_mail", stdout=io.StringIO())
    assert (tmp_path / "refused" / "big.eml").read_bytes() == big
    assert "over the" in (tmp_path / "refused" / "big.reason.txt").read_text()


def test_fetch_mail_with_a_bad_imap_url_says_what_is_wrong(db, settings):
    from django.core.management.base import CommandError

    settings.FOI_IMAP_URL = "pop3://mail.example.org/"
    with pytest.raises(CommandError, match="FOI_IMAP_URL must look like"):
        call_command("fetch_mail", stdout=io.StringIO())
