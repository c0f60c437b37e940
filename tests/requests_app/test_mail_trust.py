"""Only what a stranger cannot know may act on a request (issue 23, section 1), a person
corrects a message's kind and the request follows, and a message that breaks the parser waits
in the Inbox rather than being retried for ever."""

from __future__ import annotations

import io
import sys
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse

from requests_app.calendars import calendars
from requests_app.models import FoiRequest, Force, InboundMessage, RequestEvent, SentReminder
from requests_app.models.mail import MatchedBy, MessageKind, MessageStatus
from requests_app.selectors.reminder_chasers import chased_requests, chaser_dates
from requests_app.services.errors import ServiceError
from requests_app.services.mail_filing import message_assign, message_correct_kind
from requests_app.services.mail_in import Outcome, message_receive
from requests_app.services.reminders import reminders_send_daily
from requests_app.workflow import Status
from tests.requests_app import mail_corpus as corpus
from tests.requests_app import real_mail
from tests.requests_app.real_mail import KENT_EMAIL

LONDON = ZoneInfo("Europe/London")
FORMS = {form.name: form for form in real_mail.forms()}
AUTHSERV = "mx.charity.example.org"


def _receive(raw: bytes):
    return message_receive(raw=raw, source="stdin")


def _fresh(foi: FoiRequest) -> FoiRequest:
    return FoiRequest.objects.select_related("force").get(pk=foi.pk)


def _still_chased(foi: FoiRequest) -> bool:
    return chased_requests().filter(pk=foi.pk).exists()


def test_the_issues_repro_only_suggests_the_request(sent_kent, monkeypatch):
    """printf 'From: m@evil.example ... Subject: Re: [FOI-153]' | manage.py receive_email"""
    raw = (
        f"From: m@evil.example\nTo: foi@localhost\nSubject: Re: [{sent_kent.reference}]\n"
        "Message-ID: <x@e>\n\nhi\n"
    ).encode()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(raw)))
    out = io.StringIO()
    call_command("receive_email", stdout=out)
    assert "not trusted by itself" in out.getvalue()
    message = InboundMessage.objects.get()
    assert message.status == MessageStatus.INBOX and message.request is None
    assert message.suggested_request == sent_kent
    assert message.matched_by == MatchedBy.OUR_REFERENCE
    foi = _fresh(sent_kent)
    assert foi.new_reply_at is None and _still_chased(foi)


def test_a_message_id_shaped_like_a_chasers_acts_on_nothing(sent_kent):
    """The old chaser Message-IDs were derived from a sequence: the shape means nothing now."""
    shaped = f"<foi-reminder-1.chaser_1.20261201@{KENT_EMAIL.rpartition('@')[2]}>"
    result = _receive(
        corpus.reply(
            sender="m@evil.example",
            to="foi@charity.example.org",
            subject="Re: your reminder",
            in_reply_to=shaped,
        )
    )
    assert result.outcome == Outcome.INBOX and result.message.suggested_request is None
    assert _fresh(sent_kent).new_reply_at is None


def test_a_chaser_we_sent_is_named_by_a_random_message_id_that_files_its_reply(
    sent_kent, time_machine
):
    first, _ = chaser_dates(sent_kent.next_due_on, 10, calendars()[sent_kent.force.law])
    time_machine.move_to(datetime(first.year, first.month, first.day, 7, tzinfo=LONDON), tick=False)
    reminders_send_daily(today=first)
    chaser = SentReminder.objects.get(request=sent_kent)
    (sent,) = [m for m in mail.outbox if m.extra_headers.get("Message-ID") == chaser.message_id]
    assert chaser.message_id.startswith("<foi.") and len(chaser.message_id) > 30

    # The force answers the chaser from another address, with our subject removed.
    result = _receive(
        corpus.reply(
            sender="jane.smith@kent.police.uk",
            to="foi@charity.example.org",
            subject="Your reminder",
            in_reply_to=chaser.message_id,
        )
    )
    assert result.outcome == Outcome.FILED
    assert (result.message.request, result.message.matched_by) == (sent_kent, MatchedBy.THREAD)
    assert _fresh(sent_kent).new_reply_at is not None


def test_a_legacy_chaser_without_a_stored_message_id_is_matched_by_nothing(sent_kent):
    """Chasers claimed before Message-IDs were random went with one derived from the row; a
    reply naming it waits for a person (anyone could derive it)."""
    legacy = SentReminder.objects.create(
        kind=SentReminder.Kind.CHASER_FIRST,
        request=sent_kent,
        about_date=date(2026, 1, 5),
        to_email=KENT_EMAIL,
        status=SentReminder.Status.SENT,
        run_on=date(2026, 1, 5),
        claim_token="old",
        claimed_at=datetime(2026, 1, 5, 7, tzinfo=LONDON),
    )
    derived = f"<foi-reminder-{legacy.pk}.chaser_1.20260105@charity.example.org>"
    result = _receive(
        corpus.reply(
            sender="jane.smith@kent.police.uk",
            to="foi@charity.example.org",
            subject="Re: reminder",
            in_reply_to=derived,
        )
    )
    assert result.outcome == Outcome.INBOX
    assert _fresh(sent_kent).new_reply_at is None


def test_a_fake_acknowledgement_does_not_acknowledge(sent_kent):
    raw = corpus.reply(
        sender="m@evil.example",
        to="foi@charity.example.org",
        subject=f"Automatic reply: [{sent_kent.reference}]",
        body="Thank you for your request. Our reference: EVIL/1/26. We will respond within "
        "20 working days.",
        headers={"Auto-Submitted": "auto-replied"},
    )
    result = _receive(raw)
    assert result.outcome == Outcome.INBOX
    assert result.message.kind == MessageKind.ACKNOWLEDGEMENT
    foi = _fresh(sent_kent)
    assert foi.status == Status.SENT and foi.force_reference == ""


def test_a_report_about_a_message_we_never_sent_marks_nothing_failing(sent_kent):
    raw = real_mail.fill(FORMS["bounce_postfix_dsn"], sent_kent).replace(
        sent_kent.sent_message_id.strip("<>").encode(), b"never-sent.123@charity.example.org"
    )
    raw = raw.replace(sent_kent.reply_to.encode(), b"someone@charity.example.org")
    raw = raw.replace(
        b"Subject: Undelivered", f"Subject: [{sent_kent.reference}] Undelivered".encode(), 1
    )
    result = _receive(raw)
    assert result.message.kind == MessageKind.BOUNCE
    assert result.outcome == Outcome.INBOX
    assert _fresh(sent_kent).force.email_failing_since is None


def test_a_bounce_about_an_address_we_no_longer_use_leaves_the_new_one_alone(sent_kent):
    Force.objects.filter(pk=sent_kent.force_id).update(foi_email="freedom@kent.police.uk")
    result = _receive(real_mail.fill(FORMS["bounce_postfix_dsn"], sent_kent))
    assert result.outcome == Outcome.FILED and result.message.kind == MessageKind.BOUNCE
    force = Force.objects.get(pk=sent_kent.force_id)
    assert force.email_failing_since is None
    assert "not marked failing" in InboundMessage.objects.get().notes


def _authenticated_reply(foi, *, authserv: str, result: str, domain: str, extra: str = "") -> bytes:
    headers = {}
    if extra:
        headers["Authentication-Results"] = extra
    raw = corpus.reply(
        sender=f"disclosure@{domain}",
        to="foi@charity.example.org",
        subject=f"RE: Freedom of Information request [{foi.reference}]",
        headers=headers,
    )
    # Our server adds its verdict on top of whatever the sender wrote.
    top = f"Authentication-Results: {authserv}; dkim=pass header.d={domain}; {result}\r\n"
    return top.encode() + raw


@pytest.mark.parametrize(
    "authserv,result,domain,acts",
    [
        (AUTHSERV, "dmarc=pass header.from=kent.police.uk", "kent.police.uk", True),
        (AUTHSERV, "dmarc=fail header.from=kent.police.uk", "kent.police.uk", True),  # DKIM aligned
        ("mx.attacker.example", "dmarc=pass header.from=kent.police.uk", "kent.police.uk", False),
        (AUTHSERV, "dmarc=pass header.from=evil.example", "evil.example", False),
        (AUTHSERV, "dmarc=pass header.from=police.uk", "police.uk", False),
    ],
    ids=["dmarc-pass", "dkim-aligned", "another-server", "not-the-force", "parent-domain"],
)
def test_a_subject_match_acts_when_our_server_vouches_for_the_forces_domain(
    sent_kent, settings, authserv, result, domain, acts
):
    settings.FOI_TRUSTED_AUTHSERV_ID = AUTHSERV
    received = _receive(
        _authenticated_reply(sent_kent, authserv=authserv, result=result, domain=domain)
    )
    assert (received.outcome == Outcome.FILED) == acts, received.message.match_reason
    assert (_fresh(sent_kent).new_reply_at is not None) == acts
    if acts:
        assert "our mail server mx.charity.example.org checked it" in received.message.match_reason


def test_a_verdict_written_by_the_sender_below_ours_counts_for_nothing(sent_kent, settings):
    settings.FOI_TRUSTED_AUTHSERV_ID = AUTHSERV
    raw = _authenticated_reply(
        sent_kent,
        authserv=AUTHSERV,
        result="dmarc=fail header.from=kent.police.uk",
        domain="evil.example",
        extra=f"{AUTHSERV}; dmarc=pass header.from=kent.police.uk",
    ).replace(b"disclosure@evil.example", b"disclosure@kent.police.uk")
    assert _receive(raw).outcome == Outcome.INBOX


def test_without_the_setting_no_subject_match_acts(sent_kent, settings):
    settings.FOI_TRUSTED_AUTHSERV_ID = ""
    raw = _authenticated_reply(
        sent_kent,
        authserv=AUTHSERV,
        result="dmarc=pass header.from=kent.police.uk",
        domain="kent.police.uk",
    )
    assert _receive(raw).outcome == Outcome.INBOX


def test_a_person_files_a_suggestion_and_then_it_acts(sent_kent, staff):
    raw = corpus.reply(
        sender="jane.smith@kent.police.uk",
        to="foi@charity.example.org",
        subject=f"RE: [{sent_kent.reference}]",
        body="Please find our answer attached.",
    )
    message = _receive(raw).message
    assert message.suggested_request == sent_kent
    message_assign(message_id=message.pk, request_id=sent_kent.pk, actor=staff)
    message.refresh_from_db()
    assert message.status == MessageStatus.FILED and message.matched_by == MatchedBy.PERSON
    assert message.placed_by == staff and "Our reference" in message.match_reason
    assert _fresh(sent_kent).new_reply_at is not None
    event = RequestEvent.objects.get(request=sent_kent, kind=RequestEvent.Kind.EMAIL_RECEIVED)
    assert "placed by sam (suggested by: our reference in the subject)" in event.note.lower()


def test_the_inbox_files_a_suggestion_in_one_click(sent_kent, staff_client):
    raw = corpus.reply(
        sender="jane.smith@kent.police.uk",
        to="foi@charity.example.org",
        subject=f"RE: [{sent_kent.reference}]",
    )
    message = _receive(raw).message
    page = staff_client.get(reverse("inbox")).content.decode()
    assert f"File on {sent_kent.reference}" in page
    detail = staff_client.get(message.get_absolute_url()).content.decode()
    assert 'id="file-suggested"' in detail and "Our reference" in detail
    response = staff_client.post(
        reverse("message_place", args=[message.pk]), {"request": sent_kent.reference}
    )
    assert response.status_code == 302
    message.refresh_from_db()
    assert message.request == sent_kent


# Correcting the kind --------------------------------------------------------------------


def test_an_out_of_office_filed_as_a_reply_is_corrected_and_chasing_resumes(sent_kent, staff):
    reply = _receive(corpus.token_reply(sent_kent, body="I am away until Monday.")).message
    assert reply.kind == MessageKind.REPLY
    assert not _still_chased(_fresh(sent_kent))
    message_correct_kind(message_id=reply.pk, kind=MessageKind.AUTO_REPLY, actor=staff)
    foi = _fresh(sent_kent)
    assert foi.new_reply_at is None and _still_chased(foi)
    event = RequestEvent.objects.get(request=foi, kind=RequestEvent.Kind.MESSAGE_KIND_CORRECTED)
    assert event.actor == staff
    assert "reply -> out-of-office" in event.note and "chased again" in event.note
    reply.refresh_from_db()
    assert reply.kind_reason.startswith("corrected by sam")


def test_a_correction_keeps_new_reply_while_another_reply_waits(sent_kent, staff):
    first = _receive(corpus.token_reply(sent_kent, body="Away.")).message
    _receive(corpus.token_reply(sent_kent, body="Here is the answer."))
    message_correct_kind(message_id=first.pk, kind=MessageKind.AUTO_REPLY, actor=staff)
    assert _fresh(sent_kent).new_reply_at is not None


def test_an_out_of_office_corrected_to_an_acknowledgement_records_it(sent_kent, staff):
    raw = corpus.token_reply(
        sent_kent,
        subject="Automatic reply",
        body="I am out of the office. Our ref: 009876/26",
        headers={"Auto-Submitted": "auto-replied"},
    )
    message = _receive(raw).message
    assert message.kind == MessageKind.AUTO_REPLY
    message_correct_kind(message_id=message.pk, kind=MessageKind.ACKNOWLEDGEMENT, actor=staff)
    foi = _fresh(sent_kent)
    assert foi.status == Status.ACKNOWLEDGED and foi.force_reference == "009876/26"


def test_an_automatic_message_corrected_to_a_reply_flags_it(sent_kent, staff):
    form = FORMS["ooo_exchange_automatic_reply"]
    message = _receive(real_mail.fill(form, sent_kent)).message
    message_correct_kind(message_id=message.pk, kind=MessageKind.REPLY, actor=staff)
    foi = _fresh(sent_kent)
    assert foi.new_reply_at is not None and not _still_chased(foi)


def test_a_bounce_corrected_to_a_reply_clears_the_failing_address(sent_kent, staff):
    message = _receive(real_mail.fill(FORMS["bounce_exim"], sent_kent)).message
    assert _fresh(sent_kent).force.email_failing_since is not None
    message_correct_kind(message_id=message.pk, kind=MessageKind.REPLY, actor=staff)
    assert _fresh(sent_kent).force.email_failing_since is None


def test_a_kind_not_on_the_list_is_refused(sent_kent, staff):
    message = _receive(corpus.token_reply(sent_kent)).message
    for kind in ("spam", "not_a_kind", MessageKind.REPLY):
        with pytest.raises(ServiceError):
            message_correct_kind(message_id=message.pk, kind=kind, actor=staff)


def test_staff_correct_the_kind_on_the_messages_page(sent_kent, staff_client):
    message = _receive(corpus.token_reply(sent_kent, body="Away.")).message
    page = staff_client.get(message.get_absolute_url()).content.decode()
    assert 'id="correct-kind"' in page and 'value="auto_reply"' in page
    assert "Why:" in page and "reply address" in page
    response = staff_client.post(reverse("message_kind", args=[message.pk]), {"kind": "auto_reply"})
    assert response.status_code == 302
    message.refresh_from_db()
    assert message.kind == MessageKind.AUTO_REPLY
    bad = staff_client.post(
        reverse("message_kind", args=[message.pk]), {"kind": "reply_seen"}, follow=True
    )
    assert "is not a kind a message can be given" in bad.content.decode()


def test_a_reviewer_without_the_staff_role_cannot_correct_a_kind(sent_kent, client):
    from requests_app.roles import REVIEWER
    from tests.factories import UserFactory

    message = _receive(corpus.token_reply(sent_kent)).message
    client.force_login(UserFactory(username="rita", roles=[REVIEWER]))
    response = client.post(reverse("message_kind", args=[message.pk]), {"kind": "auto_reply"})
    assert response.status_code == 403
    message.refresh_from_db()
    assert message.kind == MessageKind.REPLY


# A reply's own text ---------------------------------------------------------------------


def test_a_reply_shows_its_new_text_first_and_folds_the_history(sent_kent, staff_client):
    form = FORMS["reply_outlook_quoted"]
    message = _receive(real_mail.fill(form, sent_kent)).message
    page = staff_client.get(message.get_absolute_url()).content.decode()
    new, _, folded = page.partition('id="message-quoted"')
    assert folded, "the quoted history is folded"
    assert "Dear Sir or Madam" in folded or "Freedom of Information Act" in folded
    assert "Freedom of Information Act 2000, please" not in new.partition('id="message-text"')[2]


# Messages that break the parser ---------------------------------------------------------


EVIL_HEADER = (
    b"From: =?utf-8?q?Evil=0D=0ABcc=3A_x=40y.example?= <m@evil.example>\r\n"
    b"To: =?utf-8?q?A=0D=0ABcc=3A_z=40y.example?= <foi@charity.example.org>\r\n"
    b"Subject: hello\r\nMessage-ID: <evil-crlf@evil.example>\r\n\r\nbody\r\n"
)


def test_a_header_that_breaks_the_parser_is_stored_and_shown(db, monkeypatch, staff_client):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(EVIL_HEADER)))
    call_command("receive_email", stdout=io.StringIO())  # exits 0: no SystemExit
    message = InboundMessage.objects.get()
    assert message.status == MessageStatus.INBOX
    assert message.from_email == "m@evil.example"
    assert "could not be read" in message.notes
    assert message.raw.read() == EVIL_HEADER
    assert "hello" in staff_client.get(reverse("inbox")).content.decode()


def test_a_message_the_filing_cannot_handle_still_lands_in_the_inbox(sent_kent, monkeypatch):
    def broken(parsed):
        raise RuntimeError("a bug in matching")

    monkeypatch.setattr("requests_app.services.mail_in.match_request", broken)
    result = _receive(corpus.token_reply(sent_kent))
    assert result.outcome == Outcome.INBOX and result.stored
    assert "could not read this message" in result.message.notes
    assert result.message.raw


@pytest.mark.parametrize(
    "header",
    [
        # The sender's HELO name, repeated in the SPF clause.
        f"{AUTHSERV}; dkim=none; spf=none smtp.helo=dkim=pass.header.d=kent.police.uk; "
        "dmarc=fail header.from=kent.police.uk",
        # A quoted envelope address, repeated.
        f'{AUTHSERV}; spf=pass smtp.mailfrom="dkim=pass header.d=kent.police.uk"@evil.example; '
        "dkim=none; dmarc=fail header.from=kent.police.uk",
        # A pass inside a comment.
        f"{AUTHSERV}; spf=pass (dmarc=pass header.from=kent.police.uk) smtp.mailfrom=evil.example; "
        "dmarc=fail header.from=kent.police.uk",
        # A real pass for the sender's own domain, with a second header.d hidden in a selector.
        f"{AUTHSERV}; dkim=pass header.d=evil.example header.s=x.header.d=kent.police.uk; "
        "dmarc=fail header.from=kent.police.uk",
        # The same property twice in one clause.
        f"{AUTHSERV}; dkim=pass header.d=evil.example header.d=kent.police.uk",
    ],
    ids=["helo", "mailfrom", "comment", "selector", "twice"],
)
def test_the_senders_own_words_in_our_servers_verdict_vouch_for_nothing(header):
    from requests_app.mail.authentication import vouched_domain

    assert (
        vouched_domain([header], authserv_id=AUTHSERV, from_email="disclosure@kent.police.uk")
        is None
    )


def test_only_the_topmost_verdict_is_read_and_only_if_it_is_ours():
    from requests_app.mail.authentication import vouched_domain

    ours_pass = f"{AUTHSERV}; dmarc=pass header.from=kent.police.uk"
    other = "mx.elsewhere.example; dmarc=fail header.from=kent.police.uk"
    sender = "disclosure@kent.police.uk"
    assert vouched_domain([ours_pass], authserv_id=AUTHSERV, from_email=sender)
    assert vouched_domain([other, ours_pass], authserv_id=AUTHSERV, from_email=sender) is None


@pytest.mark.parametrize(
    "from_header",
    [
        b"From: =?utf-8?q?a=0D=0Ab?= <jos\xe9@evil.example>\r\n",
        b"From: Jos\xe9 <jose@evil.example>\r\n",
        b"From: =?utf-8?q?a=0D=0Ab?= <m@evil.example>\r\nCc: \xff\xfe <x\xe9@y.example>\r\n",
    ],
    ids=["crlf-and-8bit-address", "8bit-name", "8bit-cc"],
)
def test_eight_bit_bytes_beside_a_broken_header_are_stored_not_crashed_on(db, from_header):
    raw = from_header + b"To: foi@charity.example.org\r\nSubject: hi\r\n\r\nbody\r\n"
    result = _receive(raw)
    assert result.stored and result.outcome == Outcome.INBOX
    assert result.message.raw.read() == raw


@pytest.mark.parametrize("form", ["bounce_gateway_returned_mail_no_sender", "bounce_exim"])
def test_a_bounce_carrying_the_token_never_fails_an_address_we_did_not_email(sent_kent, form):
    """The token ties the report to the request, not to the force's address of today."""
    Force.objects.filter(pk=sent_kent.force_id).update(foi_email="freedom@kent.police.uk")
    result = _receive(real_mail.fill(FORMS[form], sent_kent))
    assert result.outcome == Outcome.FILED and result.message.kind == MessageKind.BOUNCE
    assert Force.objects.get(pk=sent_kent.force_id).email_failing_since is None
    assert "not marked failing" in InboundMessage.objects.get().notes


def test_a_long_reply_is_split_without_losing_a_word():
    from requests_app.mail.reply_text import split_reply

    paragraph = "word " * 800  # one line of 4,000 characters
    quoted = "> the request we sent\n" * 2000
    text = f"Dear requester,\n{paragraph}\n\nOn Mon, 7 Dec 2026 at 10:00, FOI <f@c.org> wrote:\n{quoted}"
    split = split_reply(text)
    assert split.new.startswith("Dear requester") and paragraph.strip() in split.new
    assert split.quoted.startswith("On Mon, 7 Dec 2026") and split.quoted.endswith("we sent")
    assert split_reply("line\n" * 10_000).quoted == ""  # longer than the parser reads: all new


def test_an_answer_to_a_campaign_titled_received_is_a_reply_not_an_acknowledgement(sent_kent):
    """Our subject comes back after "RE:"; only the sender's own words say acknowledgement."""
    raw = corpus.token_reply(
        sent_kent,
        subject="RE: Freedom of Information request - Complaints received [FOI-1]",
        body="Thank you for your request. Our reference: FOI 001234/26. Kent Police received "
        "412 complaints in 2025/26.",
    )
    message = _receive(raw).message
    assert message.kind == MessageKind.REPLY, message.kind_reason
    assert _fresh(sent_kent).new_reply_at is not None


def test_html_cut_to_the_limit_leaves_no_tag_open(sent_kent, settings):
    settings.FOI_MAIL_MAX_BODY_CHARS = 300
    html = "<p>" + "figures " * 30 + '</p><a href="https://evil.example/login">log in</a>' * 5
    message = _receive(corpus.token_reply(sent_kent, html=html)).message
    assert len(message.body_html) <= 400
    assert message.body_html.count("<a ") == message.body_html.count("</a>")
    assert not message.body_html.rstrip().endswith(('"', "no", "<a"))


def test_correcting_a_bounce_that_did_not_mark_the_address_leaves_the_real_one(sent_kent, staff):
    real = _receive(real_mail.fill(FORMS["bounce_postfix_dsn"], sent_kent)).message
    assert _fresh(sent_kent).force.email_failing_since is not None
    other = _receive(real_mail.fill(FORMS["bounce_exim"], sent_kent)).message
    assert other.kind == MessageKind.BOUNCE
    message_correct_kind(message_id=other.pk, kind=MessageKind.REPLY, actor=staff)
    # The Exim report marked it again (the latest); correcting it clears; the Postfix one is
    # older, so correcting that one now changes nothing.
    assert _fresh(sent_kent).force.email_failing_since is None
    _receive(real_mail.fill(FORMS["bounce_gmail_dsn"], sent_kent))
    message_correct_kind(message_id=real.pk, kind=MessageKind.REPLY, actor=staff)
    assert _fresh(sent_kent).force.email_failing_since is not None


def test_a_huge_recipient_header_is_read_in_part_with_a_note(db):
    to = ", ".join(f"person{n}@example.org" for n in range(20_000))
    raw = f"From: a@b.example\r\nTo: {to}\r\nSubject: many\r\n\r\nbody\r\n".encode()
    message = _receive(raw).message
    assert "very long" in message.notes and message.status == MessageStatus.INBOX
