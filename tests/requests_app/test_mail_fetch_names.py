"""IMAP mailbox names on the wire (services/mail_fetch.py); the real server: test_mail_servers_imap."""

import pytest

from requests_app.mail.imap_names import imap_mailbox, imap_utf7


@pytest.mark.parametrize(
    ("name", "wire"),
    [
        ("INBOX", "INBOX"),
        ("FOI replies", "FOI replies"),
        ("Réponses", "R&AOk-ponses"),
        ("A&B", "A&-B"),
        ("~peter/mail/台北/日本語", "~peter/mail/&U,BTFw-/&ZeVnLIqe-"),  # RFC 3501's example
    ],
)
def test_it_writes_mailbox_names_in_modified_utf7(name, wire):
    assert imap_utf7(name) == wire


def test_it_quotes_the_encoded_name():
    assert imap_mailbox('Say "hi"\\ Réponses') == '"Say \\"hi\\"\\\\ R&AOk-ponses"'
