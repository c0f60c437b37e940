"""State follows the answers (issue 10, section 1): figures entered for a request still awaiting
its response record that response (or, when the figures cannot say how the force answered, put
the request on the "figures in, response not recorded" list). Either way the force is no longer
chased or counted overdue; and the campaign page's progress line adds up like its chips."""

from __future__ import annotations

import io
import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse

from figures_app.categories import CategoryIndex
from figures_app.services.figures import CellInput, figures_save_grid
from figures_app.services.imports import import_figures
from figures_app.services.metrics import DimensionSpec, MetricSpec, metric_save
from figures_app.values import parse_figure
from requests_app.models import FoiRequest, Force
from requests_app.selectors.campaigns import campaign_progress, status_counts
from requests_app.selectors.requests import figures_unrecorded_requests
from requests_app.services.campaigns import campaign_create
from requests_app.services.lifecycle import (
    request_clarification_requested,
    request_mark_sent,
    request_withdraw,
)
from requests_app.services.reminders import reminders_send_daily
from requests_app.workflow import AWAITING_RESPONSE, Action, Status
from tests.conftest import NSPCC_PERIODS

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
EMAILS = {"Kent Police": "foi@kent.example.org", "Police Scotland": "foi@scotland.example.org"}
# Sent Mon 16 Mar 2026: Kent (FOIA) due Thu 16 Apr, first chaser Fri 17 Apr; Police Scotland
# (FOISA) due Tue 14 Apr, first chaser Wed 15 Apr (see tests/requests_app/test_reminders.py).
ENTERED_ON = date(2026, 4, 20)  # after both deadlines: both "sent, overdue" until now
CHASE_DAY = date(2026, 4, 21)  # both first chasers owed (caught up) unless something changed


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


def grid(campaign, name: str, actor, values: dict[str, str]):
    """Save the entry grid of one request, as the request page's form does."""
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
    return figures_save_grid(foi=foi, actor=actor, cells=cells, index=CategoryIndex(campaign))


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
    assert kent.answered_on == ENTERED_ON and kent.next_due_on is None
    event = kent.events.get(kind=Action.RECORD_RESPONSE)
    assert event.actor == staff and event.happened_on == ENTERED_ON
    assert event.note.startswith("Figures entered: response recorded")

    counts = reminders_send_daily(today=at(CHASE_DAY, time_machine))
    assert chasers_to(EMAILS["Kent Police"]) == []
    # Police Scotland, with no figures, is still chased: the rule is about figures, not dates.
    assert len(chasers_to(EMAILS["Police Scotland"])) == 1 and counts["chaser_1"] == 1


def test_an_import_records_the_response_and_stops_the_chasers(campaign, staff, time_machine):
    at(ENTERED_ON, time_machine)
    text = (
        "force,period,metric,age,value\n"
        "Police Scotland,2015/16,offences,,12\n"
        "Police Scotland,2016/17,offences,,not held\n"
        "Police Scotland,2016/17,offences,13,4\n"
    )
    import_figures(campaign=campaign, actor=staff, data=text.encode(), filename="f.csv")

    scotland = foi_of(campaign, "Police Scotland")
    # A number for 2015/16, "not held" for the 2016/17 total: answered in part.
    assert scotland.status == Status.ANSWERED and scotland.outcome == "part"
    assert scotland.answered_on == ENTERED_ON
    reminders_send_daily(today=at(CHASE_DAY, time_machine))
    assert chasers_to(EMAILS["Police Scotland"]) == []
    assert len(chasers_to(EMAILS["Kent Police"])) == 1


def test_the_command_line_records_the_response_as_entered_by_nobody(
    campaign, staff, time_machine, tmp_path
):
    at(ENTERED_ON, time_machine)
    path = tmp_path / "kent.csv"
    path.write_text(
        "force,period,metric,value\nKent,2015/16,offences,63\nKent,2016/17,offences,361\n"
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
    assert [r.foi.force.name for r in row.deadline_rows] == ["Police Scotland"]


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
