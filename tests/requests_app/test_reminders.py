"""The daily reminders job: digests and chasers over a campaign's life, to the right people on
the right days (failures, claims, the task and the command: test_reminders_delivery)."""

from datetime import date

from django.core import mail

from requests_app.models import FoiRequest, Force, RequestEvent, SentReminder, StaffProfile
from requests_app.models.reminders import ReminderStatus
from requests_app.roles import REVIEWER
from requests_app.services.campaigns import campaign_create
from requests_app.services.lifecycle import (
    request_record_response,
    request_review_requested,
    request_withdraw,
)
from requests_app.services.reminders import reminders_send_daily
from tests.conftest import NSPCC_PERIODS
from tests.factories import UserFactory
from tests.requests_app.reminder_helpers import (
    KENT_EMAIL,
    SCOTLAND_EMAIL,
    at,
    chasers,
    request_for,
    run,
    sent_counts,
)


def digests(to: str | None = None) -> list:
    return [
        m
        for m in mail.outbox
        if m.extra_headers.get("X-FOI-Tracker-Kind") == "digest" and (to is None or to in m.to)
    ]


def test_it_stores_the_due_dates_the_calendars_give(easter_campaign):
    assert request_for(easter_campaign, "Kent Police").due_on == date(2026, 4, 16)
    assert request_for(easter_campaign, "Police Scotland").due_on == date(2026, 4, 14)


def test_it_follows_a_campaign_through_its_life(easter_campaign, staff, time_machine):
    kent = request_for(easter_campaign, "Kent Police")

    # Thu 9 Apr: Police Scotland due in 3 working days (Fri, Mon, Tue); Kent in 5. No chasers.
    counts = run(date(2026, 4, 9), time_machine)
    assert sent_counts(counts) == {"digest": 1}
    (digest,) = digests(staff.email)
    assert "Due within 3 working days" in digest.body
    assert "Police Scotland" in digest.body and "Kent Police" not in digest.body
    assert "http://127.0.0.1:8000/requests/" in digest.body
    assert digest.alternatives and "Police Scotland" in digest.alternatives[0][0]

    # Mon 13 Apr: both are due soon (Kent: 14, 15, 16 Apr = 3 working days).
    mail.outbox.clear()
    run(date(2026, 4, 13), time_machine)
    (digest,) = digests()
    assert "Police Scotland" in digest.body and "Kent Police" in digest.body

    # Wed 15 Apr: Police Scotland is late (due Tue 14): first chaser, on the FOISA calendar.
    mail.outbox.clear()
    counts = run(date(2026, 4, 15), time_machine)
    assert sent_counts(counts) == {"digest": 1, "chaser_1": 1}
    (chaser,) = chasers()
    assert chaser.to == [SCOTLAND_EMAIL]
    assert "Freedom of Information (Scotland) Act 2002" in chaser.body
    assert "14 April 2026" in chaser.body and "16 March 2026" in chaser.body
    assert "Overdue" in digests()[0].body

    # The same date again sends nothing.
    mail.outbox.clear()
    assert sent_counts(run(date(2026, 4, 15), time_machine)) == {}
    assert mail.outbox == []

    # Fri 17 Apr: Kent's first chaser (due Thu 16 under FOIA), citing its reference.
    FoiRequest.objects.filter(pk=kent.pk).update(force_reference="FOI/2026/0412")
    mail.outbox.clear()
    counts = run(date(2026, 4, 17), time_machine)
    assert sent_counts(counts) == {"digest": 1, "chaser_1": 1}
    (chaser,) = chasers()
    assert chaser.to == [KENT_EMAIL]
    assert "FOI/2026/0412" in chaser.subject
    assert "section 10 of the Freedom of Information Act 2000" in chaser.body
    assert "16 April 2026" in chaser.body

    # Kent answers on Mon 20 Apr: nothing more for Kent.
    at(date(2026, 4, 20), time_machine)
    request_record_response(
        request_id=kent.pk, actor=staff, outcome="full", answered_on=date(2026, 4, 20)
    )

    # Wed 29 Apr: Police Scotland's second chaser (10 working days after Wed 15 Apr).
    mail.outbox.clear()
    assert sent_counts(run(date(2026, 4, 28), time_machine)) == {"digest": 1}
    mail.outbox.clear()
    counts = run(date(2026, 4, 29), time_machine)
    assert sent_counts(counts) == {"digest": 1, "chaser_2": 1}
    (chaser,) = chasers()
    assert chaser.to == [SCOTLAND_EMAIL] and chaser.subject.startswith("Second reminder")

    # Then none: a week later only the digest, and Scotland is long overdue by mid-May.
    mail.outbox.clear()
    assert sent_counts(run(date(2026, 5, 6), time_machine)) == {"digest": 1}
    mail.outbox.clear()
    run(date(2026, 5, 14), time_machine)
    assert not chasers()
    assert "Long overdue" in digests()[0].body

    events = RequestEvent.objects.filter(kind=RequestEvent.Kind.CHASER_SENT)
    assert sorted(events.values_list("request__force__name", "data__stage")) == [
        ("Kent Police", 1),
        ("Police Scotland", 1),
        ("Police Scotland", 2),
    ]
    assert SentReminder.objects.exclude(status=ReminderStatus.SENT).count() == 0


def test_it_writes_to_a_force_only_on_its_own_working_days(easter_campaign, time_machine):
    # Both first chasers are owed by Saturday 18 April (Scotland's since the 15th, Kent's since
    # the 17th), but nobody is written to on a Saturday, and no digest goes.
    assert sent_counts(run(date(2026, 4, 18), time_machine)) == {}
    assert mail.outbox == []
    assert sent_counts(run(date(2026, 4, 20), time_machine)) == {"chaser_1": 2, "digest": 1}


def test_it_chases_police_scotland_on_a_day_that_is_a_holiday_only_elsewhere(
    staff, kent_and_scotland, time_machine
):
    """Sent Thu 20 Mar 2025: FOISA due Thu 17 Apr (Good Friday skipped), first chaser Mon
    21 Apr, Easter Monday, a working day in Scotland; Kent's waits for its own calendar."""
    at(date(2025, 3, 20), time_machine)
    campaign_create(
        actor=staff,
        owner=staff,
        slug="easter-2025",
        title="Easter 2025",
        request_text="Dear {force_name}",
        forces=list(kent_and_scotland),
        periods=NSPCC_PERIODS,
        sent_on=date(2025, 3, 20),
        chase_forces=True,
    )
    counts = run(date(2025, 4, 21), time_machine)
    assert sent_counts(counts) == {"chaser_1": 1}
    assert [m.to for m in mail.outbox] == [[SCOTLAND_EMAIL]]


def test_it_catches_up_after_missed_days(easter_campaign, time_machine):
    # The job did not run between 14 April and Mon 20 April: both first chasers are still owed.
    counts = run(date(2026, 4, 20), time_machine)
    assert counts["chaser_1"] == 2
    # Missed again until after both second chasers fell due: both are sent, nothing twice.
    counts = run(date(2026, 5, 5), time_machine)
    assert counts["chaser_1"] == 0 and counts["chaser_2"] == 2
    assert len(chasers()) == 4
    assert sent_counts(run(date(2026, 5, 5), time_machine)) == {}


def test_a_late_first_run_sends_every_chaser_owed(easter_campaign, time_machine):
    counts = run(date(2026, 5, 5), time_machine)
    assert counts["chaser_1"] == 2 and counts["chaser_2"] == 2


def test_it_never_chases_answered_or_withdrawn_requests(easter_campaign, staff, time_machine):
    kent = request_for(easter_campaign, "Kent Police")
    scotland = request_for(easter_campaign, "Police Scotland")
    at(date(2026, 4, 10), time_machine)
    request_record_response(
        request_id=kent.pk, actor=staff, outcome="not_held", answered_on=date(2026, 4, 10)
    )
    request_withdraw(request_id=scotland.pk, actor=staff, withdrawn_on=date(2026, 4, 10))
    run(date(2026, 5, 5), time_machine)
    assert chasers() == []


def test_chasers_carry_the_team_reply_to_address(easter_campaign, settings, time_machine):
    settings.CHASER_REPLY_TO = "foi-team@example.org"
    run(date(2026, 4, 17), time_machine)
    assert {tuple(m.reply_to) for m in chasers()} == {("foi-team@example.org",)}
    assert digests()[0].reply_to == []


def test_it_chases_only_when_the_campaign_says_so_and_the_force_has_an_address(
    easter_campaign, time_machine
):
    Force.objects.filter(name="Kent Police").update(foi_email="")
    counts = run(date(2026, 4, 20), time_machine)
    assert counts["chaser_1"] == 1 and chasers()[0].to == [SCOTLAND_EMAIL]

    type(easter_campaign).objects.filter(pk=easter_campaign.pk).update(chase_forces=False)
    assert run(date(2026, 5, 5), time_machine)["chaser_2"] == 0


def test_it_chases_a_late_internal_review(easter_campaign, staff, time_machine):
    kent = request_for(easter_campaign, "Kent Police")
    at(date(2026, 4, 13), time_machine)
    request_record_response(
        request_id=kent.pk,
        actor=staff,
        outcome="part",
        answered_on=date(2026, 4, 10),
    )
    request_review_requested(request_id=kent.pk, actor=staff, requested_on=date(2026, 4, 13))
    kent.refresh_from_db()
    review_due = kent.next_due_on  # 20 working days after Mon 13 Apr, skipping 4 and 25 May
    assert review_due == date(2026, 5, 12)
    Force.objects.filter(name="Police Scotland").update(foi_email="")

    counts = run(date(2026, 5, 13), time_machine)
    assert counts["review_chaser_1"] == 1
    assert "Internal reviews due or late" in digests()[0].body
    (chaser,) = chasers()
    assert "internal review" in chaser.subject
    assert "section 45" in chaser.body and "12 May 2026" in chaser.body
    assert run(date(2026, 5, 27), time_machine)["review_chaser_2"] == 0
    counts = run(date(2026, 5, 28), time_machine)  # 13 May + 10 working days (25 May holiday)
    assert counts["review_chaser_2"] == 1


def test_the_digest_goes_only_to_people_with_something_to_do(
    easter_campaign, staff, reviewer, time_machine
):
    run(date(2026, 4, 15), time_machine)
    assert [m.to for m in digests()] == [[staff.email]]


def test_people_can_opt_out_of_the_digest(easter_campaign, staff, time_machine):
    StaffProfile.objects.create(user=staff, receive_digest=False)
    counts = run(date(2026, 4, 15), time_machine)
    assert counts["digest"] == 0 and counts["chaser_1"] == 1
    assert digests() == []


def test_the_digest_includes_the_sections_it_is_given(reviewer, time_machine):
    def awaiting_review(user, today):
        if not user.groups.filter(name=REVIEWER).exists():
            return []
        return [{"label": "Kent Police: 2016/17", "url": "/figures/7/", "detail": "Entered by sam"}]

    reminders_send_daily(
        today=at(date(2026, 4, 15), time_machine),
        extra_sections=[("Figures awaiting your review", awaiting_review)],
    )
    (digest,) = digests()
    assert digest.to == [reviewer.email]
    assert "Figures awaiting your review" in digest.body
    assert "http://127.0.0.1:8000/figures/7/" in digest.body


def test_it_warns_when_a_complaint_window_is_closing(easter_campaign, staff, time_machine):
    kent = request_for(easter_campaign, "Kent Police")
    # Review answered on Fri 1 May 2026: the ICO complaint window closes 6 weeks later, 12 June.
    FoiRequest.objects.filter(pk=kent.pk).update(
        status="review_answered",
        answered_on=date(2026, 4, 10),
        review_requested_on=date(2026, 4, 13),
        review_answered_on=date(2026, 5, 1),
        next_due_on=None,
        next_long_overdue_on=None,
    )
    FoiRequest.objects.filter(force__name="Police Scotland").update(
        status="withdrawn", next_due_on=None
    )
    run(date(2026, 6, 4), time_machine)
    assert digests() == []
    run(date(2026, 6, 5), time_machine)  # 5 working days before Fri 12 June
    (digest,) = digests()
    assert "Complaint windows closing" in digest.body and "12 June 2026" in digest.body


def test_a_person_without_a_role_gets_no_digest(easter_campaign, time_machine):
    outsider = UserFactory(username="olly")
    type(easter_campaign).objects.filter(pk=easter_campaign.pk).update(owner=outsider)
    run(date(2026, 4, 15), time_machine)
    assert digests() == []
