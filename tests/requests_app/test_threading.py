"""Chasers go as replies in the request's thread (issue 9): In-Reply-To, References, Reply-To,
"Re:" subject with both references, From and signature the organisation's."""

from __future__ import annotations

from datetime import date, datetime
from email import message_from_bytes
from zoneinfo import ZoneInfo

import pytest
from django.core import mail

from requests_app.calendars import calendars
from requests_app.models import FoiRequest, Force, SentReminder
from requests_app.selectors.reminder_chasers import chaser_dates
from requests_app.services.campaigns import campaign_create
from requests_app.services.lifecycle import request_record_response, request_review_requested
from requests_app.services.reminders import reminders_send_daily
from requests_app.services.sending import requests_send
from tests.conftest import NSPCC_PERIODS

LONDON = ZoneInfo("Europe/London")
KENT_EMAIL = "foi@kent.police.example"
SENT_ON = date(2026, 3, 2)  # a Monday


def at(day: date, time_machine) -> date:
    time_machine.move_to(datetime(day.year, day.month, day.day, 7, 0, tzinfo=LONDON), tick=False)
    return day


def chasers() -> list:
    return [
        m
        for m in mail.outbox
        if m.extra_headers.get("X-FOI-Tracker-Kind", "").startswith(("chaser", "review_chaser"))
    ]


@pytest.fixture
def mail_settings(settings):
    settings.FOI_FROM_EMAIL = "foi@charity.example.org"
    settings.FOI_ORGANISATION = "The Charity"
    settings.FOI_REPLY_TO_TEMPLATE = "foi+{token}@replies.example.org"
    settings.DEFAULT_FROM_EMAIL = "FOI tracker <foi-tracker@localhost>"
    settings.CHASER_REPLY_TO = ""
    return settings


def _campaign(staff, *, slug: str, sent_on: date | None):
    Force.objects.filter(name="Kent Police").update(foi_email=KENT_EMAIL)
    return campaign_create(
        actor=staff,
        owner=staff,
        slug=slug,
        title="Online offences",
        request_text="Dear {force_name}, how many offences in {periods}?",
        forces=[Force.objects.get(name="Kent Police")],
        periods=NSPCC_PERIODS,
        sent_on=sent_on,
        chase_forces=True,
        chase_again_after=10,
    )


@pytest.fixture
def emailed_kent(staff, mail_settings, time_machine, django_capture_on_commit_callbacks):
    """Kent's request, emailed by the tracker on Mon 2 March 2026 (so it has a Message-ID)."""
    at(SENT_ON, time_machine)
    campaign = _campaign(staff, slug="emailed", sent_on=None)
    foi = campaign.requests.get()
    with django_capture_on_commit_callbacks(execute=True):
        requests_send(request_ids=[foi.pk], actor=staff)
    foi.refresh_from_db()
    assert foi.sent_message_id and foi.next_due_on
    (request_email,) = mail.outbox
    mail.outbox.clear()
    FoiRequest.objects.filter(pk=foi.pk).update(force_reference="FOI/2026/0412")
    foi.refresh_from_db()
    return foi, request_email


def _chaser_days(foi: FoiRequest) -> tuple[date, date]:
    return chaser_dates(foi.next_due_on, 10, calendars()[foi.force.law])


def test_a_chaser_replies_in_the_request_thread(emailed_kent, time_machine):
    foi, request_email = emailed_kent
    first, second = _chaser_days(foi)

    reminders_send_daily(today=at(first, time_machine))
    (chaser,) = chasers()
    headers = chaser.extra_headers
    assert headers["In-Reply-To"] == foi.sent_message_id
    assert headers["References"] == foi.sent_message_id
    assert chaser.reply_to == [foi.reply_to] == request_email.reply_to
    assert chaser.subject == (
        f"Re: {request_email.subject} - reminder, reply overdue (your reference FOI/2026/0412)"
    )
    assert f"[FOI-{foi.pk}]" in chaser.subject
    assert chaser.from_email == "The Charity <foi@charity.example.org>" == request_email.from_email

    # The second chaser still answers the request, and References chains the first chaser.
    mail.outbox.clear()
    reminders_send_daily(today=at(second, time_machine))
    (second_chaser,) = chasers()
    assert second_chaser.extra_headers["In-Reply-To"] == foi.sent_message_id
    assert second_chaser.extra_headers["References"] == (
        f"{foi.sent_message_id} {headers['Message-ID']}"
    )
    assert second_chaser.subject.startswith(f"Re: {request_email.subject} - second reminder")


def test_the_headers_survive_into_the_message_as_sent(emailed_kent, time_machine):
    foi, _ = emailed_kent
    reminders_send_daily(today=at(_chaser_days(foi)[0], time_machine))
    (chaser,) = chasers()
    parsed = message_from_bytes(chaser.message().as_bytes())
    assert parsed["In-Reply-To"] == foi.sent_message_id
    assert parsed["References"] == foi.sent_message_id
    assert parsed["Reply-To"] == foi.reply_to
    assert parsed["Message-ID"].endswith("@charity.example.org>")


def test_a_late_run_chains_both_chasers_it_sends_together(emailed_kent, time_machine):
    foi, _ = emailed_kent
    _, second = _chaser_days(foi)
    reminders_send_daily(today=at(second, time_machine))
    first_chaser, second_chaser = sorted(
        chasers(), key=lambda m: m.extra_headers["X-FOI-Tracker-Kind"]
    )
    assert first_chaser.extra_headers["References"] == foi.sent_message_id
    assert second_chaser.extra_headers["References"].split() == [
        foi.sent_message_id,
        first_chaser.extra_headers["Message-ID"],
    ]


def test_chasers_are_signed_by_the_organisation_never_localhost(emailed_kent, staff, time_machine):
    foi, _ = emailed_kent
    type(staff).objects.filter(pk=staff.pk).update(first_name="", last_name="")
    reminders_send_daily(today=at(_chaser_days(foi)[0], time_machine))
    (chaser,) = chasers()
    assert "Yours faithfully,\n\nThe Charity\n" in chaser.body
    assert "The Charity" in chaser.alternatives[0][0]
    assert f"Our reference: FOI-{foi.pk}" in chaser.body
    raw = chaser.message().as_bytes().decode()
    assert "localhost" not in raw
    assert "The FOI team" not in raw


def test_a_late_internal_review_is_chased_in_the_same_thread(emailed_kent, staff, time_machine):
    foi, request_email = emailed_kent
    first, _ = _chaser_days(foi)
    reminders_send_daily(today=at(first, time_machine))
    answer_chaser_id = chasers()[0].extra_headers["Message-ID"]

    request_record_response(request_id=foi.pk, actor=staff, outcome="part", answered_on=first)
    request_review_requested(request_id=foi.pk, actor=staff, requested_on=first)
    foi.refresh_from_db()
    review_first, _ = _chaser_days(foi)
    mail.outbox.clear()
    reminders_send_daily(today=at(review_first, time_machine))
    (chaser,) = chasers()
    assert chaser.extra_headers["X-FOI-Tracker-Kind"] == "review_chaser_1"
    assert chaser.extra_headers["In-Reply-To"] == foi.sent_message_id
    assert chaser.extra_headers["References"].split() == [foi.sent_message_id, answer_chaser_id]
    assert chaser.subject.startswith(f"Re: {request_email.subject} - internal review reminder")
    assert chaser.reply_to == [foi.reply_to]


def test_a_request_marked_sent_by_hand_is_chased_without_in_reply_to(
    staff, mail_settings, time_machine
):
    at(SENT_ON, time_machine)
    campaign = _campaign(staff, slug="by-hand", sent_on=SENT_ON)
    foi = campaign.requests.get()
    assert foi.sent_message_id == ""
    first, second = _chaser_days(foi)
    reminders_send_daily(today=at(first, time_machine))
    (chaser,) = chasers()
    assert "In-Reply-To" not in chaser.extra_headers
    assert "References" not in chaser.extra_headers
    # No "Re:": the force never had an email with this subject. Our reference is still in it.
    assert chaser.subject == (
        f"Reminder: Freedom of Information request - Online offences [FOI-{foi.pk}], "
        "sent 2 March 2026, reply overdue"
    )
    # As before: replies go to From (the organisation) unless CHASER_REPLY_TO says otherwise;
    # never to the token address, which the force has never seen.
    assert chaser.reply_to == []
    assert chaser.from_email == "The Charity <foi@charity.example.org>"

    mail_settings.CHASER_REPLY_TO = "foi-team@example.org"
    mail.outbox.clear()
    reminders_send_daily(today=at(second, time_machine))
    (chaser,) = chasers()
    assert chaser.reply_to == ["foi-team@example.org"]
    assert "References" not in chaser.extra_headers
    assert SentReminder.objects.filter(request=foi, status="sent").count() == 2
