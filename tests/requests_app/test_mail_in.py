"""Mail in (issue 9, part 2): every reply stored once, filed on its request or left in the Inbox."""

from __future__ import annotations

import io
import sys

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse

from requests_app.models import FoiRequest, Force, InboundMessage, RequestEvent
from requests_app.models.mail import MatchedBy, MessageKind, MessageStatus
from requests_app.services.errors import ServiceError
from requests_app.services.lifecycle import request_acknowledge, request_reply_seen
from requests_app.services.mail_filing import message_assign, message_mark_not_foi
from requests_app.services.mail_in import Outcome, message_receive
from requests_app.services.responses import request_record_response
from requests_app.services.sending import requests_send
from requests_app.workflow import Status
from tests.requests_app import mail_corpus as corpus

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def sent_campaign(campaign, staff, settings, django_capture_on_commit_callbacks):
    """The 43-force campaign, every request sent by email."""
    settings.FOI_FROM_EMAIL = "foi@charity.example.org"
    settings.FOI_ORGANISATION = "The Charity"
    settings.FOI_REPLY_TO_TEMPLATE = "foi+{token}@replies.example.org"
    for force in Force.objects.filter(requests__campaign=campaign):
        force.foi_email = f"foi@{force.slug}.police.example"
        force.save(update_fields=["foi_email"])
    with django_capture_on_commit_callbacks(execute=True):
        requests_send(request_ids=list(campaign.requests.values_list("pk", flat=True)), actor=staff)
    assert len(mail.outbox) == 43
    return campaign


def _foi(campaign, name: str) -> FoiRequest:
    return campaign.requests.select_related("force", "campaign").get(force__name=name)


def _receive(raw: bytes, source: str = "stdin"):
    return message_receive(raw=raw, source=source)


def test_a_campaigns_correspondence_is_filed_where_it_belongs(sent_campaign):
    kent = _foi(sent_campaign, "Kent Police")
    essex = _foi(sent_campaign, "Essex Police")
    dorset = _foi(sent_campaign, "Dorset Police")
    surrey = _foi(sent_campaign, "Surrey Police")
    sussex = _foi(sent_campaign, "Sussex Police")

    # Acknowledgements, with the force's reference.
    ack = _receive(corpus.acknowledgement(kent, "001234/17"))
    assert ack.outcome == Outcome.FILED
    kent.refresh_from_db()
    assert kent.status == Status.ACKNOWLEDGED
    assert kent.force_reference == "001234/17"
    assert kent.new_reply_at is None  # an acknowledgement needs nobody

    # A reply with an XLSX and a PDF, to the request's own address.
    answer = _receive(
        corpus.token_reply(
            essex,
            attachments=[
                ("figures.xlsx", corpus.XLSX, b"PK\x03\x04 not really"),
                ("letter.pdf", "application/pdf", PDF),
            ],
        )
    )
    assert answer.outcome == Outcome.FILED
    assert answer.message.matched_by == MatchedBy.TOKEN
    essex.refresh_from_db()
    assert essex.new_reply_at is not None
    names = sorted(
        essex.attachments.filter(event=answer.message.event).values_list("original_name", flat=True)
    )
    assert names == ["figures.xlsx", "letter.pdf"]

    # Matched only by In-Reply-To: sent to the general address, our subject removed.
    threaded = _receive(
        corpus.reply(
            sender=dorset.force.foi_email,
            to="foi@charity.example.org",
            subject="Your request",
            in_reply_to=dorset.sent_message_id,
        )
    )
    assert (threaded.message.request, threaded.message.matched_by) == (dorset, MatchedBy.THREAD)

    # Our reference in the subject only suggests the request: anyone can write it.
    by_subject = _receive(
        corpus.reply(
            sender="someone@elsewhere.example",
            to="foi@charity.example.org",
            subject=f"Fwd: Freedom of Information request [{surrey.reference}]",
        )
    )
    assert by_subject.outcome == Outcome.INBOX
    assert (by_subject.message.suggested_request, by_subject.message.matched_by) == (
        surrey,
        MatchedBy.OUR_REFERENCE,
    )
    assert by_subject.message.request is None
    surrey.refresh_from_db()
    assert surrey.new_reply_at is None

    # The force's reference, from the force's domain: a suggestion too.
    FoiRequest.objects.filter(pk=sussex.pk).update(force_reference="FOI-2017-0099")
    by_force_ref = _receive(
        corpus.reply(
            sender="disclosure@sussex-police.police.example",
            to="foi@charity.example.org",
            subject="Response to FOI-2017-0099",
        )
    )
    assert by_force_ref.outcome == Outcome.INBOX
    assert (by_force_ref.message.suggested_request, by_force_ref.message.matched_by) == (
        sussex,
        MatchedBy.FORCE_REFERENCE,
    )

    # Matched by nothing: the Inbox.
    stray = _receive(
        corpus.reply(
            sender="press@somewhere.example", to="foi@charity.example.org", subject="Hello"
        )
    )
    assert stray.outcome == Outcome.INBOX
    assert stray.message.status == MessageStatus.INBOX and stray.message.request is None

    # The same message again: stored once.
    again = _receive(corpus.acknowledgement(kent, "001234/17"))
    raw = corpus.token_reply(essex)
    first, second = _receive(raw), _receive(raw)
    assert second.outcome == Outcome.DUPLICATE and second.message == first.message
    assert again.outcome in (Outcome.FILED, Outcome.DUPLICATE)

    # Spam nobody asked for: the Inbox, marked as such.
    spam = _receive(
        corpus.reply(
            sender="win@prizes.example",
            to="foi@charity.example.org",
            subject="You have won",
            headers={"X-Spam-Flag": "YES"},
        )
    )
    assert (spam.outcome, spam.message.kind) == (Outcome.INBOX, MessageKind.SPAM)


def test_a_reply_to_a_filed_reply_is_suggested_not_filed(sent_campaign):
    """The force's own Message-ID is known to everyone on the thread: it only suggests."""
    kent = _foi(sent_campaign, "Kent Police")
    first = _receive(corpus.token_reply(kent, message_id="<first@kent.example>"))
    second = _receive(
        corpus.reply(
            sender="someone@kent.example",
            to="foi@charity.example.org",
            subject="more",
            in_reply_to="<first@kent.example>",
        )
    )
    assert first.message.request == kent
    assert second.outcome == Outcome.INBOX
    assert (second.message.suggested_request, second.message.matched_by) == (
        kent,
        MatchedBy.FILED_THREAD,
    )


def test_a_bounce_marks_the_forces_address_failing(sent_campaign):
    gwent = _foi(sent_campaign, "Gwent Police")
    result = _receive(corpus.bounce(gwent, message_id=gwent.sent_message_id))
    assert result.outcome == Outcome.FILED
    assert result.message.kind == MessageKind.BOUNCE
    assert result.message.request == gwent
    force = Force.objects.get(pk=gwent.force_id)
    assert force.email_failing_since is not None
    assert "Recipient address rejected" in force.email_failure, result.message.notes + repr(
        result.message.body_text
    )
    gwent.refresh_from_db()
    assert gwent.new_reply_at is None


def test_an_out_of_office_is_filed_and_flags_nothing(sent_campaign):
    kent = _foi(sent_campaign, "Kent Police")
    result = _receive(
        corpus.token_reply(
            kent,
            subject="Out of Office",
            body="I am away until Monday.",
            headers={"Auto-Submitted": "auto-replied"},
        )
    )
    assert result.message.kind == MessageKind.AUTO_REPLY
    kent.refresh_from_db()
    assert kent.status == Status.SENT and kent.new_reply_at is None


def test_html_mail_is_kept_sanitised(sent_campaign):
    kent = _foi(sent_campaign, "Kent Police")
    html = (
        '<p onclick="x()">Answer: <b>12</b></p><script>alert(1)</script>'
        '<img src="http://tracker.example/pixel.gif"><a href="javascript:alert(1)">x</a>'
    )
    result = _receive(corpus.token_reply(kent, body="Answer: 12", html=html))
    body = result.message.body_html
    assert "<b>12</b>" in body
    for bad in ("<script", "onclick", "<img", "javascript:"):
        assert bad not in body


def test_a_person_recording_the_response_clears_the_new_reply(sent_campaign, staff):
    kent = _foi(sent_campaign, "Kent Police")
    _receive(corpus.token_reply(kent))
    kent.refresh_from_db()
    assert kent.new_reply_at is not None
    request_record_response(
        request_id=kent.pk, actor=staff, outcome="full", answered_on=kent.sent_on
    )
    kent.refresh_from_db()
    assert kent.new_reply_at is None


def test_nothing_to_record_clears_the_new_reply_on_the_timeline(sent_campaign, staff):
    kent = _foi(sent_campaign, "Kent Police")
    _receive(corpus.token_reply(kent, body="We are working on it."))
    request_reply_seen(request_id=kent.pk, actor=staff, note="Holding reply")
    kent.refresh_from_db()
    assert kent.new_reply_at is None
    assert kent.events.filter(kind=RequestEvent.Kind.REPLY_SEEN, actor=staff).exists()
    with pytest.raises(ServiceError):
        request_reply_seen(request_id=kent.pk, actor=staff)


def test_an_automatic_acknowledgement_does_not_clear_a_new_reply(sent_campaign, staff):
    kent = _foi(sent_campaign, "Kent Police")
    _receive(corpus.token_reply(kent))
    _receive(corpus.acknowledgement(kent, "A/1/17"))
    kent.refresh_from_db()
    assert kent.status == Status.ACKNOWLEDGED
    assert kent.new_reply_at is not None


def test_staff_place_an_inbox_message_and_it_acts_as_if_matched(sent_campaign, staff):
    kent = _foi(sent_campaign, "Kent Police")
    stray = _receive(
        corpus.reply(
            sender="clerk@other.example",
            to="foi@charity.example.org",
            subject="figures",
            attachments=[("answer.pdf", "application/pdf", PDF)],
        )
    ).message
    placed = message_assign(message_id=stray.pk, request_id=kent.pk, actor=staff)
    assert placed.status == MessageStatus.FILED
    assert (placed.matched_by, placed.placed_by) == (MatchedBy.PERSON, staff)
    assert kent.attachments.filter(original_name="answer.pdf").exists()
    kent.refresh_from_db()
    assert kent.new_reply_at is not None
    with pytest.raises(ServiceError, match="cannot be placed"):
        message_assign(message_id=stray.pk, request_id=kent.pk, actor=staff)


def test_staff_mark_a_message_not_foi(sent_campaign, staff):
    stray = _receive(
        corpus.reply(sender="a@b.example", to="foi@charity.example.org", subject="Newsletter")
    ).message
    message_mark_not_foi(message_id=stray.pk, actor=staff)
    stray.refresh_from_db()
    assert stray.status == MessageStatus.NOT_FOI and stray.placed_by == staff
    with pytest.raises(ServiceError):
        message_mark_not_foi(message_id=stray.pk, actor=staff)


def test_an_acknowledgement_placed_by_hand_still_acknowledges(sent_campaign, staff):
    kent = _foi(sent_campaign, "Kent Police")
    raw = corpus.reply(
        sender="x@y.example",
        to="foi@charity.example.org",
        subject="Acknowledgement of your request",
        body="Our ref: 77/17",
        headers={"Auto-Submitted": "auto-replied"},
    )
    message = _receive(raw).message
    assert message.status == MessageStatus.INBOX
    message_assign(message_id=message.pk, request_id=kent.pk, actor=staff)
    kent.refresh_from_db()
    assert (kent.status, kent.force_reference) == (Status.ACKNOWLEDGED, "77/17")


def test_acknowledged_requests_record_a_later_reference(sent_campaign, staff):
    kent = _foi(sent_campaign, "Kent Police")
    request_acknowledge(request_id=kent.pk, actor=staff, acknowledged_on=kent.sent_on)
    _receive(corpus.acknowledgement(kent, "REF-9/17"))
    kent.refresh_from_db()
    assert kent.force_reference == "REF-9/17"


# Bad input --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"\x00\xff\xfe garbage \x80\x81",
        b"Subject: no body or end",
        b'Content-Type: multipart/mixed; boundary="x"\r\n\r\n--x\r\nContent-Type: text/plain\r\n',
        b"From: =?utf-8?b?broken\r\nSubject: =?x-unknown?q?abc?=\r\n\r\nbody",
    ],
    ids=["empty", "random-bytes", "headers-only", "unterminated-multipart", "bad-encoded-words"],
)
def test_malformed_messages_are_stored_not_crashed_on(db, raw):
    result = _receive(raw)
    assert result.stored
    assert InboundMessage.objects.filter(pk=result.message.pk).exists()


def test_an_unknown_charset_is_read_with_a_note(sent_campaign):
    kent = _foi(sent_campaign, "Kent Police")
    raw = (
        f"From: {kent.force.foi_email}\r\nTo: {kent.reply_to}\r\nSubject: figures\r\n"
        "Message-ID: <charset@kent.example>\r\n"
        "Content-Type: text/plain; charset=x-klingon\r\n\r\nThe answer is 12\r\n"
    ).encode()
    result = _receive(raw)
    assert result.outcome == Outcome.FILED
    assert "The answer is 12" in result.message.body_text
    assert "charset" in result.message.notes


def test_an_attachment_over_the_limit_stays_in_the_eml_with_a_note(sent_campaign, settings):
    settings.ATTACHMENT_MAX_BYTES = 1024 * 1024
    kent = _foi(sent_campaign, "Kent Police")
    big = b"%PDF" + b"0" * (2 * 1024 * 1024)
    result = _receive(
        corpus.token_reply(
            kent,
            attachments=[("huge.pdf", "application/pdf", big), ("ok.pdf", "application/pdf", PDF)],
        )
    )
    assert result.outcome == Outcome.FILED
    assert "huge.pdf" in result.message.notes and "limit" in result.message.notes
    filed = kent.attachments.filter(event=result.message.event)
    assert list(filed.values_list("original_name", flat=True)) == ["ok.pdf"]
    assert result.message.raw.size == result.message.size_bytes


def test_two_hundred_attachments_keep_the_first_ones_and_say_so(sent_campaign, settings):
    kent = _foi(sent_campaign, "Kent Police")
    files = [(f"page-{n:03}.pdf", "application/pdf", PDF + str(n).encode()) for n in range(200)]
    result = _receive(corpus.token_reply(kent, attachments=files))
    assert result.outcome == Outcome.FILED
    filed = kent.attachments.filter(event=result.message.event)
    assert filed.count() == settings.FOI_MAIL_MAX_ATTACHMENTS
    assert "150 more attachments" in result.message.notes


def test_an_attachment_of_a_type_we_do_not_accept_is_noted(sent_campaign):
    kent = _foi(sent_campaign, "Kent Police")
    result = _receive(
        corpus.token_reply(kent, attachments=[("run-me.exe", "application/octet-stream", b"MZ")])
    )
    assert not kent.attachments.filter(event=result.message.event).exists()
    assert "run-me.exe" in result.message.notes


def test_a_message_over_the_size_limit_is_refused_with_the_reason(sent_campaign, settings):
    settings.FOI_MAIL_MAX_MESSAGE_BYTES = 200_000
    kent = _foi(sent_campaign, "Kent Police")
    result = _receive(
        corpus.token_reply(
            kent, attachments=[("big.pdf", "application/pdf", b"%PDF" + b"1" * 300_000)]
        )
    )
    assert result.outcome == Outcome.REFUSED and not result.stored
    assert result.message.status == MessageStatus.REFUSED
    assert "over the" in result.message.notes
    assert not result.message.raw
    kent.refresh_from_db()
    assert kent.new_reply_at is None


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


# Not chased, shown, cleared from the page ---------------------------------------------------


def test_a_request_with_a_new_reply_is_not_chased_and_is_on_the_digest(
    sent_campaign, staff, time_machine
):
    from datetime import timedelta

    from requests_app.services.reminders import reminders_send_daily

    sent_campaign.chase_forces = True
    sent_campaign.save(update_fields=["chase_forces"])
    kent = _foi(sent_campaign, "Kent Police")
    essex = _foi(sent_campaign, "Essex Police")
    _receive(corpus.token_reply(kent, body="Please see attached."))
    day = kent.next_due_on + timedelta(days=7)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    time_machine.move_to(f"{day.isoformat()} 09:00", tick=False)
    mail.outbox.clear()
    reminders_send_daily(today=day)
    chased = {m.to[0] for m in mail.outbox if m.to[0].endswith(".police.example")}
    assert essex.force.foi_email in chased
    assert kent.force.foi_email not in chased
    digest = next(m for m in mail.outbox if m.to == [staff.email])
    assert "New replies: record the response" in digest.body
    assert "Kent" in digest.body.split("New replies: record the response")[1]


def test_the_request_page_shows_the_new_reply_and_staff_clear_it(sent_campaign, staff_client):
    kent = _foi(sent_campaign, "Kent Police")
    _receive(corpus.token_reply(kent, body="We are still working on it."))
    page = staff_client.get(kent.get_absolute_url())
    assert 'id="new-reply"' in page.content.decode()
    response = staff_client.post(reverse("request_reply_seen", args=[kent.pk]))
    assert response.status_code == 302
    kent.refresh_from_db()
    assert kent.new_reply_at is None
    assert 'id="new-reply"' not in staff_client.get(kent.get_absolute_url()).content.decode()


def test_the_request_page_shows_a_bouncing_address(sent_campaign, staff_client):
    gwent = _foi(sent_campaign, "Gwent Police")
    _receive(corpus.bounce(gwent, message_id=gwent.sent_message_id))
    page = staff_client.get(gwent.get_absolute_url()).content.decode()
    assert 'id="address-failing"' in page and "Recipient address rejected" in page


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


# The Inbox and a message's page ------------------------------------------------------------


def test_the_inbox_lists_unplaced_mail_and_staff_file_it_by_reference(sent_campaign, staff_client):
    kent = _foi(sent_campaign, "Kent Police")
    stray = _receive(
        corpus.reply(
            sender="clerk@kent-police.police.example",
            to="foi@charity.example.org",
            subject="Our answer",
            html="<p>Answer <b>12</b></p><script>alert(1)</script>",
        )
    ).message
    page = staff_client.get(reverse("inbox")).content.decode()
    assert "Our answer" in page
    detail = staff_client.get(stray.get_absolute_url()).content.decode()
    assert "<b>12</b>" in detail and "alert(1)" not in detail
    assert kent.reference in detail  # suggested: the force at the sender's domain
    bad = staff_client.post(reverse("message_place", args=[stray.pk]), {"request": "kent"})
    assert bad.status_code == 302
    stray.refresh_from_db()
    assert stray.status == MessageStatus.INBOX
    staff_client.post(reverse("message_place", args=[stray.pk]), {"request": kent.reference})
    stray.refresh_from_db()
    assert (stray.status, stray.request) == (MessageStatus.FILED, kent)
    page = staff_client.get(reverse("inbox")).content.decode()
    assert 'id="inbox-empty"' in page
    timeline = staff_client.get(kent.get_absolute_url()).content.decode()
    assert reverse("message_detail", args=[stray.pk]) in timeline


def test_staff_mark_an_inbox_message_not_foi_on_the_web(sent_campaign, staff_client):
    stray = _receive(
        corpus.reply(sender="a@b.example", to="foi@charity.example.org", subject="Newsletter")
    ).message
    staff_client.post(reverse("message_not_foi", args=[stray.pk]))
    stray.refresh_from_db()
    assert stray.status == MessageStatus.NOT_FOI


def test_a_reviewer_without_the_staff_role_reads_the_inbox_but_cannot_place_mail(
    sent_campaign, client
):
    from requests_app.roles import REVIEWER
    from tests.factories import UserFactory

    reviewer = UserFactory(username="checker", roles=[REVIEWER])
    stray = _receive(
        corpus.reply(sender="a@b.example", to="foi@charity.example.org", subject="x")
    ).message
    client.force_login(reviewer)
    assert client.get(reverse("inbox")).status_code == 200
    response = client.post(reverse("message_not_foi", args=[stray.pk]))
    assert response.status_code == 403
