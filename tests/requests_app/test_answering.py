"""How each force answered (issue 12, section 3): working days, lateness, outcomes, the internal
review, the rank, and the page and CSV. Every number below is counted by hand in the comments."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from requests_app.calendars import calendars
from requests_app.models import Campaign, FoiRequest, Force
from requests_app.roles import REVIEWER
from requests_app.selectors import answering
from requests_app.selectors.answering import ForceAnswer, campaign_answering
from requests_app.selectors.forces import force_record
from requests_app.selectors.requests import request_rows
from requests_app.services.campaigns import campaign_create
from requests_app.services.lifecycle import (
    request_clarification_requested,
    request_clarification_sent,
    request_fee_paid,
    request_fees_notice,
    request_mark_sent,
    request_withdraw,
)
from requests_app.services.responses import (
    request_record_response,
    request_review_answered,
    request_review_requested,
)
from tests.conftest import NSPCC_PERIODS
from tests.factories import UserFactory
from tests.requests_app.test_layering import imported_modules

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
# Monday 2 March 2026. Tuesday 17 March is St Patrick's Day, a bank holiday in Northern Ireland,
# so not a working day under FOIA anywhere in the UK (s.10(6)) but one under FOISA (Scotland).
# Good Friday is 3 April and Easter Monday 6 April 2026. The s.10 answer is due on Tuesday
# 31 March: 3-6, 9-13, 16, 18-20, 23-27, 30, 31 March are the 20 working days.
SENT = date(2026, 3, 2)
DUE = date(2026, 3, 31)

FORCES = [
    "Kent Police",
    "Sussex Police",
    "Surrey Police",
    "Police Scotland",
    "Hampshire and Isle of Wight Constabulary",
    "Dorset Police",
    "Essex Police",
    "Suffolk Constabulary",
    "British Transport Police",
    "Lancashire Constabulary",
    "Cumbria Constabulary",
    "Norfolk Constabulary",
]


@pytest.fixture
def today(time_machine):
    time_machine.move_to(datetime(2026, 6, 16, 9, 0, tzinfo=LONDON), tick=False)
    return date(2026, 6, 16)


def make_campaign(owner, slug, names) -> Campaign:
    return campaign_create(
        actor=owner,
        owner=owner,
        slug=slug,
        title=f"Campaign {slug}",
        request_text="Dear {force_name}, how many in {periods}?",
        forces=list(Force.objects.filter(name__in=names)),
        periods=NSPCC_PERIODS,
    )


def request_to(campaign, name) -> FoiRequest:
    return campaign.requests.get(force__name=name)


def sent(campaign, name, staff, on=SENT) -> int:
    foi = request_to(campaign, name)
    request_mark_sent(request_id=foi.pk, actor=staff, sent_on=on)
    return foi.pk


def answer(pk, staff, outcome, on, exemptions=()):
    request_record_response(
        request_id=pk, actor=staff, outcome=outcome, answered_on=on, exemptions=exemptions
    )


@pytest.fixture
def asked(today, staff) -> Campaign:
    """One campaign, twelve forces, each answering (or not) in its own way."""
    campaign = make_campaign(staff, "answering", FORCES)
    # Kent: answered in full on Fri 20 March: 3-6, 9-13, 16, 18-20 March = 13 working days.
    answer(sent(campaign, "Kent Police", staff), staff, "full", date(2026, 3, 20))
    # Sussex: "not held", the same day: 13, sharing Kent's rank.
    answer(sent(campaign, "Sussex Police", staff), staff, "not_held", date(2026, 3, 20))
    # Surrey: refused (s.12) on Mon 23 March: 14. An internal review overturned it.
    surrey = sent(campaign, "Surrey Police", staff)
    answer(surrey, staff, "refused", date(2026, 3, 23), exemptions=["foia:s12"])
    request_review_requested(request_id=surrey, actor=staff, requested_on=date(2026, 3, 24))
    request_review_answered(
        request_id=surrey, actor=staff, answered_on=date(2026, 4, 21), review_outcome="overturned"
    )
    # Police Scotland, under FOISA: 17 March is a working day in Scotland, so Fri 20 March is
    # its 14th working day: the same as Surrey.
    answer(sent(campaign, "Police Scotland", staff), staff, "full", date(2026, 3, 20))
    # Hampshire: partly answered on its due date, Tue 31 March: 20 working days, on time. A
    # review was asked for on 1 April and never answered (so the review is overdue today).
    hampshire = sent(campaign, "Hampshire and Isle of Wight Constabulary", staff)
    answer(hampshire, staff, "part", DUE)
    request_review_requested(request_id=hampshire, actor=staff, requested_on=date(2026, 4, 1))
    # Dorset: fees notice on Thu 5 March (2 working days counted: 3 and 4 March), paid on Thu
    # 12 March; the 6 working days 5-12 March do not count. The answer is due on the 18th
    # working day after 12 March: 13, 16, 18-20, 23-27, 30, 31 March, 1, 2, 7-10 April (Good
    # Friday and Easter Monday skipped) = Fri 10 April, its 20th working day.
    dorset = sent(campaign, "Dorset Police", staff)
    request_fees_notice(request_id=dorset, actor=staff, notice_on=date(2026, 3, 5))
    request_fee_paid(request_id=dorset, actor=staff, paid_on=date(2026, 3, 12))
    answer(dorset, staff, "full", date(2026, 4, 10))
    # Essex: asked us to clarify on Fri 6 March; our clarification reached it on Mon 9 March and
    # the clock restarted (s.1(3)): 10-13, 16, 18-20, 23-27, 30, 31 March, 1, 2, 7-9 April = 20,
    # due Thu 9 April. Answered Tue 14 April: 10, 13 and 14 April more, 23 working days, 3 late.
    essex = sent(campaign, "Essex Police", staff)
    request_clarification_requested(request_id=essex, actor=staff, requested_on=date(2026, 3, 6))
    request_clarification_sent(request_id=essex, actor=staff, sent_on=date(2026, 3, 9))
    answer(essex, staff, "full", date(2026, 4, 14))
    # Suffolk: no answer yet, due 31 March: overdue.
    sent(campaign, "Suffolk Constabulary", staff)
    # British Transport Police (no ONS code): sent Mon 8 June, due Tue 7 July: Mon 15 June 2026
    # is a one-off bank holiday in Scotland (the World Cup), so not a FOIA working day either.
    sent(campaign, "British Transport Police", staff, on=date(2026, 6, 8))
    # Lancashire asked for clarification and we have not replied: the clock is stopped.
    lancashire = sent(campaign, "Lancashire Constabulary", staff)
    request_clarification_requested(
        request_id=lancashire, actor=staff, requested_on=date(2026, 3, 5)
    )
    # Cumbria: never sent. Norfolk: withdrawn.
    norfolk = sent(campaign, "Norfolk Constabulary", staff)
    request_withdraw(request_id=norfolk, actor=staff, withdrawn_on=date(2026, 3, 10))
    return campaign


def by_force(table) -> dict[str, ForceAnswer]:
    return {row.force_name: row for row in table.rows}


def test_it_counts_working_days_with_bank_holidays_and_a_clarification(asked):
    rows = by_force(campaign_answering(asked))
    kent, essex = rows["Kent Police"], rows["Essex Police"]
    assert (kent.working_days, kent.due, kent.answered_on) == (13, DUE, date(2026, 3, 20))
    assert (kent.on_time, kent.late_by, kent.outcome) == (True, 0, "answered")
    assert (essex.working_days, essex.due, essex.answered_on) == (
        23,
        date(2026, 4, 9),
        date(2026, 4, 14),
    )
    assert (essex.on_time, essex.late_by) == (False, 3)


def test_it_counts_under_each_force_s_own_law(asked):
    scotland = by_force(campaign_answering(asked))["Police Scotland"]
    assert (scotland.working_days, scotland.force_code, scotland.on_time) == (14, "S23000009", True)


def test_it_leaves_out_the_days_waiting_for_a_fee_as_the_due_date_does(asked):
    dorset = by_force(campaign_answering(asked))["Dorset Police"]
    assert (dorset.due, dorset.answered_on) == (date(2026, 4, 10), date(2026, 4, 10))
    assert (dorset.working_days, dorset.on_time, dorset.late_by) == (20, True, 0)


def test_it_states_refused_not_held_partly_answered_and_the_internal_review(asked):
    rows = by_force(campaign_answering(asked))
    surrey, sussex = rows["Surrey Police"], rows["Sussex Police"]
    hampshire = rows["Hampshire and Isle of Wight Constabulary"]
    assert (surrey.outcome, surrey.working_days, surrey.internal_review) == (
        "refused",
        14,
        "overturned",
    )
    assert (sussex.outcome, sussex.working_days, sussex.internal_review) == ("not held", 13, None)
    # Answered on the due date itself: on time, late by 0.
    assert (hampshire.outcome, hampshire.working_days, hampshire.on_time, hampshire.late_by) == (
        "partly answered",
        20,
        True,
        0,
    )
    assert hampshire.internal_review == "awaiting review"


def test_it_says_who_has_not_answered_and_why(asked):
    rows = by_force(campaign_answering(asked))
    expected = {
        "Suffolk Constabulary": ("awaiting", DUE),
        "British Transport Police": ("awaiting", date(2026, 7, 7)),
        "Lancashire Constabulary": ("paused: the force asked for clarification", None),
        "Cumbria Constabulary": ("not sent", None),
        "Norfolk Constabulary": ("withdrawn", DUE),
    }
    for name, (outcome, due) in expected.items():
        row = rows[name]
        assert (row.outcome, row.due) == (outcome, due), name
        assert (row.working_days, row.answered_on, row.on_time, row.late_by, row.rank) == (
            None,
            None,
            None,
            None,
            None,
        ), name
    assert rows["British Transport Police"].force_code == "british-transport-police"


def test_it_ranks_by_working_days_with_ties_sharing_a_rank(asked):
    table = campaign_answering(asked)
    assert [(r.rank, r.force_name, r.working_days) for r in table.rows] == [
        (1, "Kent Police", 13),
        (1, "Sussex Police", 13),
        (3, "Police Scotland", 14),
        (3, "Surrey Police", 14),
        (5, "Dorset Police", 20),
        (5, "Hampshire and Isle of Wight Constabulary", 20),
        (7, "Essex Police", 23),
        # Unranked: still owing an answer (earliest due first), paused, not sent, withdrawn.
        (None, "Suffolk Constabulary", None),
        (None, "British Transport Police", None),
        (None, "Lancashire Constabulary", None),
        (None, "Cumbria Constabulary", None),
        (None, "Norfolk Constabulary", None),
    ]
    assert "ranked by the working days they took, fewest first" in table.method
    assert "share a rank" in table.method and "not ranked" in table.method
    assert table.ranked == 7
    summary = table.summary
    # Median of 13, 13, 14, 14, 20, 20, 23; six on time, Essex late.
    assert (summary.answered, summary.on_time, summary.late, summary.median_working_days) == (
        7,
        6,
        1,
        14,
    )


def test_its_rows_are_json_safe(asked):
    rows = by_force(campaign_answering(asked))
    essex = json.loads(json.dumps(rows["Essex Police"].as_dict()))
    assert essex == {
        "force_name": "Essex Police",
        "force_slug": "essex-police",
        "force_code": "E23000028",
        "outcome": "answered",
        "working_days": 23,
        "due": "2026-04-09",
        "answered_on": "2026-04-14",
        "on_time": False,
        "late_by": 3,
        "internal_review": None,
        "rank": 7,
    }
    assert json.loads(json.dumps(rows["Cumbria Constabulary"].as_dict()))["due"] is None


def test_the_request_page_the_force_page_and_the_table_agree(asked, today):
    """One definition: the working days and lateness each page shows are the table's."""
    table = by_force(campaign_answering(asked))
    rows = request_rows(asked.requests.select_related("force"), today)
    for row in rows:
        answer_row = table[row.foi.force.name]
        assert row.working_days_taken == answer_row.working_days, row.foi.force.name
        assert row.answer_timing.late_by == answer_row.late_by, row.foi.force.name
    # Hampshire's review is overdue today; its answer was still on time, and the force page
    # counts it so (it used to count the overdue review as a late answer).
    hampshire = Force.objects.get(name="Hampshire and Isle of Wight Constabulary")
    record = force_record(hampshire, today)
    assert (record.answered, record.on_time, record.late, record.median_working_days) == (
        1,
        1,
        0,
        20,
    )
    essex = force_record(Force.objects.get(name="Essex Police"), today)
    assert (essex.answered, essex.on_time, essex.late) == (1, 0, 1)


def _answering_queries(campaign) -> int:
    calendars()  # the process cache is warm on a live site
    with CaptureQueriesContext(connection) as queries:
        campaign_answering(campaign)
    return len(queries)


def _answered_campaign(staff, slug, names):
    campaign = make_campaign(staff, slug, names)
    for name in names:
        answer(sent(campaign, name, staff), staff, "full", date(2026, 3, 20))
    return campaign


def test_it_costs_the_same_queries_for_3_or_10_forces(today, staff, staff_client):
    few = _answered_campaign(staff, "few", FORCES[:3])
    many = _answered_campaign(staff, "many", FORCES[:10])
    assert _answering_queries(few) == _answering_queries(many) == 2

    def page_queries(campaign):
        with CaptureQueriesContext(connection) as queries:
            response = staff_client.get(reverse("campaign_answering", args=[campaign.slug]))
            assert response.status_code == 200
        return len(queries)

    def csv_queries(campaign):
        with CaptureQueriesContext(connection) as queries:
            response = staff_client.get(reverse("campaign_answering_csv", args=[campaign.slug]))
            assert response.status_code == 200
        return len(queries)

    assert page_queries(few) == page_queries(many)
    assert csv_queries(few) == csv_queries(many)


# The page and the CSV ---------------------------------------------------------------------------


def test_the_page_shows_the_table_the_method_and_the_summary(staff_client, asked):
    response = staff_client.get(reverse("campaign_answering", args=[asked.slug]))
    assert response.status_code == 200
    page = response.content.decode()
    assert response.context["rows"][0]["answer"].force_name == "Kent Police"
    assert "How forces are ranked." in page and escape(answering.method_words()) in page
    assert "<strong>7</strong> of 12 forces answered" in page
    assert "<strong>14 working days</strong>" in page
    assert '<span class="text-danger">3 working days late</span>' in page
    assert "Overdue, not answered" in page  # Suffolk, due 31 March
    # Dates in the site's one long format (issue 27), not "20 Mar 2026" or ISO.
    assert "<td>20 March 2026</td>" in page and "20 Mar 2026" not in page
    assert "Partly answered" in page and "Not held" in page and "Overturned" in page
    assert "None" not in page  # a force with no review shows a dash
    essex = FoiRequest.objects.get(campaign=asked, force__name="Essex Police")
    assert f'<a href="{essex.get_absolute_url()}">Essex Police</a>' in page


def test_the_campaign_page_links_to_it(staff_client, asked):
    page = staff_client.get(asked.get_absolute_url()).content.decode()
    assert reverse("campaign_answering", args=[asked.slug]) in page
    assert "How each force answered" in page


@pytest.mark.parametrize(
    "sort,first",
    [
        ("rank", "Kent Police"),
        ("-rank", "Norfolk Constabulary"),
        ("force", "British Transport Police"),
        ("days", "Kent Police"),
        ("-days", "Essex Police"),  # the unanswered stay last either way
        ("late", "Dorset Police"),
        ("-late", "Essex Police"),
        ("answered", "Kent Police"),
        ("review", "Hampshire and Isle of Wight Constabulary"),  # "awaiting review" first
        ("-review", "Surrey Police"),
        ("-due", "British Transport Police"),
        ("outcome", "Dorset Police"),  # "answered", then alphabetically
        ("nonsense", "Kent Police"),
    ],
)
def test_its_columns_sort(staff_client, asked, sort, first):
    response = staff_client.get(reverse("campaign_answering", args=[asked.slug]), {"sort": sort})
    rows = [row["answer"] for row in response.context["rows"]]
    assert rows[0].force_name == first
    assert len(rows) == 12


def test_the_csv_has_one_row_per_force(staff_client, asked):
    response = staff_client.get(reverse("campaign_answering_csv", args=[asked.slug]))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="answering-answering.csv"' in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert len(rows) == 12
    assert rows[0] == {
        "rank": "1",
        "force": "Kent Police",
        "force_code": "E23000032",
        "outcome": "answered",
        "working_days": "13",
        "due": "2026-03-31",
        "answered_on": "2026-03-20",
        "on_time": "yes",
        "late_by": "0",
        "internal_review": "",
    }
    essex = next(r for r in rows if r["force"] == "Essex Police")
    assert (essex["on_time"], essex["late_by"], essex["rank"]) == ("no", "3", "7")
    cumbria = next(r for r in rows if r["force"] == "Cumbria Constabulary")
    assert (cumbria["rank"], cumbria["outcome"], cumbria["on_time"]) == ("", "not sent", "")


def test_a_campaign_with_no_answers_yet_says_so(staff_client, today, staff):
    campaign = make_campaign(staff, "quiet", ["Kent Police"])
    page = staff_client.get(reverse("campaign_answering", args=[campaign.slug])).content.decode()
    assert "No force has answered yet: none is ranked." in page
    campaign.requests.all().delete()
    page = staff_client.get(reverse("campaign_answering", args=[campaign.slug])).content.decode()
    assert "This campaign has asked no forces yet" in page
    assert campaign_answering(campaign).rows == []


def test_a_reviewer_may_read_it_and_an_outsider_may_not(client, asked, outsider):
    url = reverse("campaign_answering", args=[asked.slug])
    csv_url = reverse("campaign_answering_csv", args=[asked.slug])
    assert client.get(url).status_code == 302  # to the login page
    client.force_login(outsider)
    assert client.get(url).status_code == 403 and client.get(csv_url).status_code == 403
    client.force_login(UserFactory(username="rita", roles=[REVIEWER]))
    assert client.get(url).status_code == 200 and client.get(csv_url).status_code == 200
    assert client.get(reverse("campaign_answering", args=["no-such"])).status_code == 404


def test_it_is_a_read_that_imports_no_service():
    module = Path(answering.__file__)
    services = [n for n in imported_modules(module) if n.startswith("requests_app.services")]
    assert services == []
