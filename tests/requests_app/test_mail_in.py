"""Mail in (issue 9, part 2): every reply stored once, filed on its request or left in the Inbox
(the receive_email and fetch_mail commands: test_mail_in_commands; the web pages:
test_mail_in_pages)."""

from __future__ import annotations

import pytest
from django.core import mail

from requests_app.models import FoiRequest, Force, InboundMessage, RequestEvent
from requests_app.models.mail import MatchedBy, MessageKind, MessageStatus
from requests_app.services.errors import ServiceError
from requests_app.services.lifecycle import request_acknowledge, request_reply_seen
from requests_app.services.mail_filing import message_assign, message_mark_not_foi
from requests_app.services.mail_in import Outcome
from requests_app.services.responses import request_record_response
from requests_app.workflow import Status
from tests.requests_app import mail_corpus as corpus
from tests.requests_app.mail_in_helpers import _foi, _receive

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


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


# Not chased, on the digest ----------------------------------------------------------------


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
