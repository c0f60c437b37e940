"""Real mail servers (issue 9, part 4): a campaign sent through a real SMTP server, and the
forces' replies appended to a real IMAP mailbox (dovecot) and fetched by a real Celery worker
on Redis.

Skipped unless the real servers are configured (see mail_servers.py); .ci/mail_servers.sh runs
it.
"""

from __future__ import annotations

import json
import re
import uuid
from collections import Counter
from email.message import Message
from types import SimpleNamespace

import pytest

from requests_app.services.mail_fetch import STORED_FLAG
from tests.requests_app import mail_corpus as corpus

# Importing mail_servers skips this module unless the real servers are configured.
from tests.requests_app.mail_servers import FROM_EMAIL, bare

pytestmark = pytest.mark.mailserver

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
