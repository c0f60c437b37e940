"""State follows the answers (issue 10, section 1; answer dates, issue 26): figures entered for a request still awaiting
its response record that response (or, when the figures cannot say how the force answered, put
the request on the "figures in, response not recorded" list). Either way the force is no longer
chased or counted overdue; and the campaign page's progress line adds up like its chips."""

from __future__ import annotations

import importlib
import io
import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps
from django.core import mail
from django.core.management import call_command
from django.urls import reverse

from figures_app.categories import CategoryIndex
from figures_app.forms import cell_name
from figures_app.readers import ImportFileError
from figures_app.services.figures import CellInput, figures_save_grid
from figures_app.services.imports import import_figures
from figures_app.services.metrics import DimensionSpec, MetricSpec, metric_save
from figures_app.values import parse_figure
from requests_app.models import FoiRequest, Force, RequestEvent
from requests_app.models.mail import InboundMessage, MessageKind, MessageStatus
from requests_app.selectors.answering import DATE_NOT_GIVEN, campaign_answering, reply_dates
from requests_app.selectors.campaigns import campaign_progress, status_counts
from requests_app.selectors.requests import figures_unrecorded_requests
from requests_app.services.campaigns import campaign_create
from requests_app.services.lifecycle import (
    request_clarification_requested,
    request_mark_sent,
    request_withdraw,
)
from requests_app.services.reminders import reminders_send_daily
from requests_app.services.responses import request_record_response
from requests_app.workflow import AWAITING_RESPONSE, Action, Status
from tests.conftest import NSPCC_PERIODS

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
EMAILS = {"Kent Police": "foi@kent.example.org", "Police Scotland": "foi@scotland.example.org"}
# Sent Mon 16 Mar 2026: Kent (FOIA) due Thu 16 Apr, first chaser Fri 17 Apr; Police Scotland
# (FOISA) due Tue 14 Apr, first chaser Wed 15 Apr (see tests/requests_app/test_reminders.py).
ENTERED_ON = date(2026, 4, 20)  # after both deadlines: both "sent, overdue" until now
CHASE_DAY = date(2026, 4, 21)
ANSWERED_ON = date(2026, 4, 17)  # the date the force answered, as the person keying says
REPLY_DAY = date(
    2026, 4, 14
)  # the day a reply was filed on the request  # both first chasers owed (caught up) unless something changed


def at(day: date, time_machine) -> date:
    time_machine.move_to(datetime(day.year, day.month, day.day, 9, 0, tzinfo=LONDON), tick=False)
    return day


@pytest.fixture
def campaign(staff, time_machine):
    for name, email in EMAILS.items():
        Force.objects.filter(name=name).update(foi_email=email)
    at(date(2026, 3, 16), time_machine)
    campaign = campaign_create(
        actor=staff,
        owner=staff,
        slug="state",
        title="Online child sex offences",
        request_text="Dear {force_name}, how many online-flagged offences in {periods}?",
        forces=list(Force.objects.filter(name__in=EMAILS)),
        periods=NSPCC_PERIODS,
        sent_on=date(2026, 3, 16),
        chase_forces=True,
    )
    metric_save(
        campaign=campaign,
        spec=MetricSpec(
            "offences",
            "Online-flagged offences",
            "offences",
            "",
            (DimensionSpec("age", "Age", None),),
        ),
    )
    return campaign


def foi_of(campaign, name: str) -> FoiRequest:
    return campaign.requests.select_related("force").get(force__name=name)


def grid(campaign, name: str, actor, values: dict[str, str], answered_on: date | None = None):
    """Save the entry grid of one request, as the request page's form does, with the answer
    date the person gave (ANSWERED_ON unless told)."""
    foi = foi_of(campaign, name)
    metric = campaign.metrics.get()
    periods = {p.label: p for p in campaign.periods.all()}
    cells = [
        CellInput(
            request=foi,
            metric=metric,
            period=periods[label],
            parsed=parse_figure(raw, bounds=(1, 4)),
            source="grid",
        )
        for label, raw in values.items()
    ]
    return figures_save_grid(
        foi=foi,
        actor=actor,
        cells=cells,
        index=CategoryIndex(campaign),
        answered_on=answered_on or ANSWERED_ON,
    )


def chasers_to(address: str) -> list:
    return [
        m
        for m in mail.outbox
        if m.extra_headers.get("X-FOI-Tracker-Kind", "").startswith("chaser") and address in m.to
    ]


def digest_for(user):
    (digest,) = [
        m
        for m in mail.outbox
        if m.extra_headers.get("X-FOI-Tracker-Kind") == "digest" and user.email in m.to
    ]
    return digest


def digest_section(body: str, title: str) -> str:
    """The lines of one section of a plain-text digest ("" when the section is absent)."""
    match = re.search(rf"{re.escape(title)}.*?(?=\n\n[A-Z]|\Z)", body, re.S)
    return match.group(0) if match else ""


def test_figures_in_the_grid_record_the_response_and_stop_the_chasers(
    campaign, staff, time_machine
):
    at(ENTERED_ON, time_machine)
    grid(campaign, "Kent Police", staff, {"2015/16": "63", "2016/17": "<5"})

    kent = foi_of(campaign, "Kent Police")
    assert kent.status == Status.ANSWERED and kent.outcome == "full"
    assert kent.answered_on == ANSWERED_ON and kent.next_due_on is None
    event = kent.events.get(kind=Action.RECORD_RESPONSE)
    assert event.actor == staff and event.happened_on == ANSWERED_ON
    assert event.note.startswith("Figures entered: response recorded")

    counts = reminders_send_daily(today=at(CHASE_DAY, time_machine))
    assert chasers_to(EMAILS["Kent Police"]) == []
    # Police Scotland, with no figures, is still chased: the rule is about figures, not dates.
    assert len(chasers_to(EMAILS["Police Scotland"])) == 1 and counts["chaser_1"] == 1


def test_an_import_records_the_response_and_stops_the_chasers(campaign, staff, time_machine):
    at(ENTERED_ON, time_machine)
    text = (
        "force,period,metric,age,value,answered_on\n"
        "Police Scotland,2015/16,offences,,12,2026-04-17\n"
        "Police Scotland,2016/17,offences,,not held,2026-04-17\n"
        "Police Scotland,2016/17,offences,13,4,\n"
    )
    import_figures(campaign=campaign, actor=staff, data=text.encode(), filename="f.csv")

    scotland = foi_of(campaign, "Police Scotland")
    # A number for 2015/16, "not held" for the 2016/17 total: answered in part.
    assert scotland.status == Status.ANSWERED and scotland.outcome == "part"
    assert scotland.answered_on == ANSWERED_ON
    reminders_send_daily(today=at(CHASE_DAY, time_machine))
    assert chasers_to(EMAILS["Police Scotland"]) == []
    assert len(chasers_to(EMAILS["Kent Police"])) == 1


def test_the_command_line_records_the_response_as_entered_by_nobody(
    campaign, staff, time_machine, tmp_path
):
    at(ENTERED_ON, time_machine)
    path = tmp_path / "kent.csv"
    path.write_text(
        "force,period,metric,value,answered_on\n"
        "Kent,2015/16,offences,63,17/04/2026\nKent,2016/17,offences,361,17/04/2026\n"
    )
    call_command("import_figures", campaign.slug, str(path), stdout=io.StringIO())
    kent = foi_of(campaign, "Kent Police")
    assert kent.status == Status.ANSWERED and kent.outcome == "full"
    assert kent.events.get(kind=Action.RECORD_RESPONSE).actor is None


def test_refused_only_figures_go_on_the_list_and_are_not_chased(campaign, staff, time_machine):
    at(ENTERED_ON, time_machine)
    grid(campaign, "Kent Police", staff, {"2015/16": "refused s.12", "2016/17": "refused s.12"})

    kent = foi_of(campaign, "Kent Police")
    # A refusal is recorded with the exemption its notice cites: the letter decides, not the grid.
    assert kent.status == Status.SENT and kent.outcome == ""
    assert not kent.events.filter(kind=Action.RECORD_RESPONSE).exists()
    assert list(figures_unrecorded_requests()) == [kent]
    assert kent.next_due_on < ENTERED_ON  # still past its date, yet not overdue:
    assert not FoiRequest.objects.overdue(today=ENTERED_ON).filter(pk=kent.pk).exists()

    reminders_send_daily(today=at(CHASE_DAY, time_machine))
    assert chasers_to(EMAILS["Kent Police"]) == []
    assert len(chasers_to(EMAILS["Police Scotland"])) == 1


def test_figures_for_only_part_of_the_question_leave_the_outcome_to_a_person(
    campaign, staff, time_machine
):
    at(ENTERED_ON, time_machine)
    grid(campaign, "Kent Police", staff, {"2016/17": "361"})
    kent = foi_of(campaign, "Kent Police")
    assert kent.status == Status.SENT
    assert list(figures_unrecorded_requests()) == [kent]
    # The rest keyed in later: now every period has its figure, and the response is recorded.
    grid(campaign, "Kent Police", staff, {"2015/16": "63", "2016/17": "361"})
    kent.refresh_from_db()
    assert kent.status == Status.ANSWERED and kent.outcome == "full"
    assert list(figures_unrecorded_requests()) == []


def test_the_digest_lists_it_apart_and_does_not_count_it_overdue(campaign, staff, time_machine):
    at(ENTERED_ON, time_machine)
    grid(campaign, "Kent Police", staff, {"2015/16": "not held", "2016/17": "not held"})
    reminders_send_daily(today=at(CHASE_DAY, time_machine))
    body = digest_for(staff).body
    overdue = digest_section(body, "Overdue")
    assert "Police Scotland" in overdue and "Kent Police" not in overdue
    assert "Kent Police" in digest_section(body, "Figures in, response not recorded")


def test_the_dashboard_shows_the_list_and_leaves_it_out_of_overdue(
    campaign, staff, staff_client, time_machine
):
    at(ENTERED_ON, time_machine)
    grid(campaign, "Kent Police", staff, {"2015/16": "refused s.40(2)", "2016/17": "not held"})
    kent = foi_of(campaign, "Kent Police")
    staff_client.force_login(staff)  # the session began on another (travelled) day
    response = staff_client.get(reverse("dashboard"))
    assert response.status_code == 200, (response.status_code, response.get("Location"))
    page = response.content.decode()
    card = page.split('id="needs-unrecorded"', 1)[1].split("</section>", 1)[0]
    assert reverse("request_detail", args=[kent.pk]) in card and "Kent Police" in card
    overdue = page.split('id="needs-overdue"', 1)[1].split("</section>", 1)[0]
    assert 'class="badge text-bg-primary">1<' in overdue  # Police Scotland only
    assert "Police Scotland" in overdue and "Kent Police" not in overdue
    (row,) = response.context["deadline_campaigns"]
    assert (row.n_overdue, row.n_due_soon) == (1, 0)
    assert row.n_rows == 1
    assert "Police Scotland</a>" in page.split(f'id="deadlines-{campaign.slug}"', 1)[1]


def test_the_progress_line_and_the_chips_count_the_same_way(
    campaign, staff, staff_client, time_machine
):
    """Every request counted once in the line (draft, awaiting, paused, answered, withdrawn),
    each bucket the sum of its chips; the Overdue chip, the line and the rows agree."""
    extra = Force.objects.filter(name__in=["Gwent Police", "Dyfed-Powys Police", "Essex Police"])
    for force in extra:
        campaign.requests.create(force=force)  # drafts
    at(date(2026, 4, 1), time_machine)
    gwent = foi_of(campaign, "Gwent Police")
    essex = foi_of(campaign, "Essex Police")
    request_mark_sent(request_id=gwent.pk, actor=staff, sent_on=date(2026, 3, 16))
    request_clarification_requested(request_id=gwent.pk, actor=staff, requested_on=date(2026, 4, 1))
    request_withdraw(request_id=essex.pk, actor=staff, withdrawn_on=date(2026, 4, 1))
    at(ENTERED_ON, time_machine)
    grid(campaign, "Kent Police", staff, {"2015/16": "refused s.12", "2016/17": "refused s.12"})

    progress = campaign_progress(campaign, ENTERED_ON)
    chips = {status: n for status, _, n in status_counts(campaign)}
    assert progress.total == sum(chips.values()) == 5
    assert (
        progress.draft
        + progress.awaiting
        + progress.paused
        + progress.answered
        + progress.withdrawn
        == progress.total
    )
    assert progress.paused == chips[Status.CLARIFICATION_REQUESTED] == 1
    assert progress.awaiting == sum(n for s, n in chips.items() if s in AWAITING_RESPONSE) == 2
    # Kent (figures in, refused) is awaiting but not overdue; Police Scotland is overdue.
    assert progress.overdue == 1 and progress.figures_unrecorded == 1

    staff_client.force_login(staff)  # the session began on another (travelled) day
    page = staff_client.get(reverse("campaign_detail", args=[campaign.slug]))
    html = page.content.decode()
    assert 'id="progress-paused">1<' in html and 'id="progress-figures-unrecorded">1<' in html
    assert ">Overdue 1</a>" in html
    overdue_rows = [row.foi.force.name for row in page.context["rows"] if row.overdue]
    assert overdue_rows == ["Police Scotland"]
    filtered = staff_client.get(reverse("campaign_detail", args=[campaign.slug]) + "?state=overdue")
    assert [row.foi.force.name for row in filtered.context["rows"]] == ["Police Scotland"]


# Issue 26: the answer date is a person's or the reply's, never the day of entry.
def file_reply(foi, day: date, kind: str = MessageKind.REPLY) -> InboundMessage:
    """A reply from the force, filed on the request's timeline on `day`."""
    event = RequestEvent.objects.create(
        request=foi, kind=RequestEvent.Kind.EMAIL_RECEIVED, happened_on=day
    )
    return InboundMessage.objects.create(
        raw_sha256=f"{InboundMessage.objects.count():064d}",
        size_bytes=10,
        source="imap",
        kind=kind,
        status=MessageStatus.FILED,
        request=foi,
        event=event,
    )


def save_grid_without_date(campaign, name, staff):
    foi = foi_of(campaign, name)
    metric = campaign.metrics.get()
    cells = [
        CellInput(
            request=foi,
            metric=metric,
            period=period,
            parsed=parse_figure("12", bounds=(1, 4)),
            source="grid",
        )
        for period in campaign.periods.all()
    ]
    figures_save_grid(foi=foi, actor=staff, cells=cells, index=CategoryIndex(campaign))
    return foi_of(campaign, name)


def test_figures_without_a_date_or_a_reply_do_not_record_the_response(
    campaign, staff, time_machine
):
    at(ENTERED_ON, time_machine)
    kent = save_grid_without_date(campaign, "Kent Police", staff)
    assert kent.status == Status.SENT and kent.answered_on is None
    assert not kent.events.filter(kind=Action.RECORD_RESPONSE).exists()
    assert list(figures_unrecorded_requests()) == [kent]  # a person records it from the letter


def test_figures_without_a_date_take_the_day_of_the_latest_reply(campaign, staff, time_machine):
    at(ENTERED_ON, time_machine)
    kent = foi_of(campaign, "Kent Police")
    file_reply(kent, date(2026, 4, 1))
    file_reply(kent, REPLY_DAY)
    file_reply(kent, date(2026, 4, 16), kind=MessageKind.AUTO_REPLY)  # not an answer
    assert reply_dates([kent.pk]) == {kent.pk: REPLY_DAY}
    kent = save_grid_without_date(campaign, "Kent Police", staff)
    assert kent.status == Status.ANSWERED and kent.answered_on == REPLY_DAY


def test_the_date_a_person_gives_wins_over_the_reply(campaign, staff, time_machine):
    at(ENTERED_ON, time_machine)
    file_reply(foi_of(campaign, "Kent Police"), REPLY_DAY)
    grid(campaign, "Kent Police", staff, {"2015/16": "63", "2016/17": "9"}, date(2026, 4, 15))
    assert foi_of(campaign, "Kent Police").answered_on == date(2026, 4, 15)


def test_an_import_without_answer_dates_leaves_the_response_to_a_person(
    campaign, staff, time_machine
):
    at(ENTERED_ON, time_machine)
    text = "force,period,metric,value\nKent,2015/16,offences,63\nKent,2016/17,offences,361\n"
    import_figures(campaign=campaign, actor=staff, data=text.encode(), filename="f.csv")
    assert foi_of(campaign, "Kent Police").status == Status.SENT


@pytest.mark.parametrize(
    "kent_dates, message",
    [
        (
            ("2026-04-17", "2026-04-16"),
            "Line 3: the answer date 16 April 2026 differs from line 2's",
        ),
        (("2026-04-21", ""), "Line 2: the answer date 21 April 2026 is in the future."),
        (("2026-03-01", ""), "is before the request to Kent Police was sent (16 March 2026)"),
        (("soon", ""), "Line 2: the answer date 'soon' is not a date (write it as 2017-03-20)."),
    ],
)
def test_an_import_refuses_answer_dates_that_cannot_be(
    campaign, staff, time_machine, kent_dates, message
):
    at(ENTERED_ON, time_machine)
    first, second = kent_dates
    text = (
        "force,period,metric,value,answered_on\n"
        f"Kent,2015/16,offences,63,{first}\nKent,2016/17,offences,361,{second}\n"
    )
    with pytest.raises(ImportFileError) as caught:
        import_figures(campaign=campaign, actor=staff, data=text.encode(), filename="f.csv")
    assert any(message in error for error in caught.value.errors), caught.value.errors


def logged_in(client, user):
    """Signed in once the clock is set (a session from before the jump would have timed out)."""
    client.force_login(user)
    return client


def _grid_post(client, foi, answered_on: str):
    metric = foi.campaign.metrics.get()
    data = {cell_name(metric.pk, p.pk, ""): "5" for p in foi.campaign.periods.all()}
    data["answered_on"] = answered_on
    return client.post(reverse("figures_request_save", args=[foi.pk]), data)


def test_the_grid_asks_for_the_date_with_the_reply_s_day_filled_in(
    campaign, client, staff, time_machine
):
    at(ENTERED_ON, time_machine)
    staff_client = logged_in(client, staff)
    kent = foi_of(campaign, "Kent Police")
    file_reply(kent, REPLY_DAY)
    page = staff_client.get(reverse("request_detail", args=[kent.pk])).content.decode()
    assert 'name="answered_on" value="2026-04-14"' in page

    response = _grid_post(staff_client, kent, "2026-04-22")
    assert response.status_code == 400
    assert "The answer date cannot be in the future." in response.content.decode()
    response = _grid_post(staff_client, kent, "2026-03-01")
    assert "The answer date cannot be before the request was sent (16 March 2026)." in (
        response.content.decode()
    )
    assert _grid_post(staff_client, kent, "2026-04-15").status_code == 302
    kent = foi_of(campaign, "Kent Police")
    assert kent.status == Status.ANSWERED and kent.answered_on == date(2026, 4, 15)
    # Answered: the grid no longer asks.
    page = staff_client.get(reverse("request_detail", args=[kent.pk])).content.decode()
    assert 'name="answered_on"' not in page


def test_the_grid_says_when_the_response_was_not_recorded(campaign, client, staff, time_machine):
    at(ENTERED_ON, time_machine)
    staff_client = logged_in(client, staff)
    kent = foi_of(campaign, "Kent Police")
    response = _grid_post(staff_client, kent, "")
    assert response.status_code == 302
    page = staff_client.get(response.url).content.decode()
    assert "The response is not recorded from these figures" in page


def test_an_answer_the_tracker_dated_is_not_ranked(campaign, staff, time_machine):
    """Responses recorded before issue 26 were dated the day figures were entered: the
    migration marks them, and the table neither times nor ranks them."""
    at(ENTERED_ON, time_machine)
    kent = foi_of(campaign, "Kent Police")
    request_record_response(
        request_id=kent.pk,
        actor=None,
        outcome="full",
        answered_on=ENTERED_ON,
        note="Figures entered: response recorded (answered in full, from the figures: 2 given).",
    )
    scotland = foi_of(campaign, "Police Scotland")
    request_record_response(
        request_id=scotland.pk, actor=staff, outcome="full", answered_on=ENTERED_ON
    )
    migration = importlib.import_module(
        "requests_app.migrations.0021_answer_dates_the_tracker_invented"
    )
    migration.mark_invented_dates(apps, None)

    rows = {r.force_name: r for r in campaign_answering(campaign).rows}
    assert rows["Kent Police"].rank is None and rows["Kent Police"].working_days is None
    assert rows["Kent Police"].answered_on is None
    assert rows["Kent Police"].outcome == f"answered {DATE_NOT_GIVEN}"
    assert rows["Police Scotland"].rank == 1 and rows["Police Scotland"].answered_on == ENTERED_ON
