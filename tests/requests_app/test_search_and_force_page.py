"""The search box (campaigns, forces, requests) and the page per force (issue 10, section 2)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from requests_app.models import FoiRequest, Force
from requests_app.selectors.search import our_reference_id
from requests_app.services.lifecycle import request_acknowledge, request_mark_sent
from requests_app.services.responses import request_record_response
from tests.requests_app.dashboard_world import make_campaign

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")


@pytest.fixture
def today(time_machine):
    time_machine.move_to(datetime(2026, 6, 16, 9, 0, tzinfo=LONDON), tick=False)
    return date(2026, 6, 16)


def search(client, q, **params):
    return client.get(reverse("search"), {"q": q, **params})


def found(response, key) -> list:
    group = next((g for g in response.context["groups"] if g["key"] == key), None)
    return list(group["page"].object_list) if group else []


# Search ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text,expected",
    [("FOI-123", 123), ("foi 123", 123), ("#123", 123), ("123", 123), (" 7 ", 7), ("FOI-x", None)],
)
def test_it_reads_our_reference_in_the_ways_people_type_it(text, expected):
    assert our_reference_id(text) == expected


def test_it_finds_campaigns_by_title_or_slug(staff_client, staff):
    knives = make_campaign(staff, "knife-crime-2025", "Knife crime")
    make_campaign(staff, "stalking", "Stalking")
    assert found(search(staff_client, "KNIFE"), "campaigns") == [knives]
    assert found(search(staff_client, "crime-2025"), "campaigns") == [knives]


@pytest.mark.parametrize(
    "q,name",
    [
        ("Met", "Metropolitan Police Service"),
        ("devon & cornwall police", "Devon and Cornwall Police"),
        ("E23000032", "Kent Police"),
        ("e23000032", "Kent Police"),
        ("Hampshire Constabulary", "Hampshire and Isle of Wight Constabulary"),
        ("the kent constabulary", "Kent Police"),
    ],
)
def test_it_finds_forces_by_name_alias_former_name_or_ons_code(staff_client, q, name):
    assert [f.name for f in found(search(staff_client, q), "forces")] == [name]


def test_it_finds_requests_by_our_reference_the_forces_reference_and_the_force(
    staff_client, staff, today
):
    campaign = make_campaign(staff, "knives", "Knives", ["Kent Police", "Essex Police"])
    kent = campaign.requests.get(force__name="Kent Police")
    essex = campaign.requests.get(force__name="Essex Police")
    request_mark_sent(request_id=essex.pk, actor=staff, sent_on=date(2026, 6, 1))
    request_acknowledge(
        request_id=essex.pk,
        actor=staff,
        acknowledged_on=date(2026, 6, 2),
        force_reference="EP/0915/26",
    )
    assert found(search(staff_client, f"FOI-{kent.pk}"), "requests") == [kent]
    assert found(search(staff_client, str(kent.pk)), "requests")[0] == kent
    assert found(search(staff_client, "ep/0915"), "requests") == [essex]
    assert found(search(staff_client, "Kent"), "requests") == [kent]
    page = search(staff_client, "ep/0915").content.decode()
    assert f'<a href="/requests/{essex.pk}/">FOI-{essex.pk}</a>' in page
    assert f'<a href="{reverse("force_detail", args=[essex.force_id])}">Essex Police</a>' in page


def test_it_echoes_the_query_and_says_when_nothing_is_found(staff_client):
    response = search(staff_client, "<b>zzz</b>")
    page = response.content.decode()
    assert response.context["found"] == 0
    assert "Nothing found for <strong>“&lt;b&gt;zzz&lt;/b&gt;”</strong>" in page
    assert 'value="&lt;b&gt;zzz&lt;/b&gt;"' in page


def test_an_empty_query_searches_nothing(staff_client):
    response = staff_client.get(reverse("search"))
    assert response.status_code == 200
    assert response.context["groups"] == []


def test_results_are_grouped_and_paged_by_kind(staff_client, staff):
    for n in range(23):
        make_campaign(staff, f"knife-crime-{n}", f"Knife crime {n}")
    first = search(staff_client, "knife")
    (campaigns,) = [g for g in first.context["groups"] if g["key"] == "campaigns"]
    assert (campaigns["count"], len(campaigns["page"].object_list)) == (23, 20)
    assert campaigns["next_url"] == "?q=knife&campaigns_page=2"
    assert len(found(search(staff_client, "knife", campaigns_page=2), "campaigns")) == 3
    page = first.content.decode()
    assert 'id="results-campaigns"' in page and 'id="results-forces"' not in page


def test_the_search_box_is_on_every_page_for_people_with_a_role(client, staff, outsider):
    client.force_login(staff)
    assert 'id="nav-search-q"' in client.get(reverse("campaign_list")).content.decode()
    client.force_login(outsider)
    assert 'id="nav-search-q"' not in client.get(reverse("profile")).content.decode()
    assert client.get(reverse("search"), {"q": "Kent"}).status_code == 403


def _queries(client, url, params) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url, params).status_code == 200
    return len(ctx.captured_queries)


def test_search_costs_the_same_queries_for_many_results_as_for_one(staff_client, staff):
    make_campaign(staff, "kent-0", "Kent 0")
    one = _queries(staff_client, reverse("search"), {"q": "kent"})
    for n in range(1, 15):
        make_campaign(staff, f"kent-{n}", f"Kent {n}")
    response = search(staff_client, "kent")
    assert len(found(response, "requests")) == 15 and len(found(response, "campaigns")) == 15
    assert _queries(staff_client, reverse("search"), {"q": "kent"}) == one


# A page per force ------------------------------------------------------------------------------


@pytest.fixture
def kent_record(today, staff):
    """Kent asked three times: answered on time, answered late, and overdue."""
    on_time = make_campaign(staff, "on-time", "On time").requests.get()
    request_mark_sent(request_id=on_time.pk, actor=staff, sent_on=date(2026, 3, 2))
    request_record_response(
        request_id=on_time.pk, actor=staff, outcome="full", answered_on=date(2026, 3, 20)
    )
    late = make_campaign(staff, "late", "Late").requests.get()
    request_mark_sent(request_id=late.pk, actor=staff, sent_on=date(2026, 1, 5))
    request_record_response(
        request_id=late.pk, actor=staff, outcome="full", answered_on=date(2026, 3, 2)
    )
    waiting = make_campaign(staff, "waiting", "Waiting").requests.get()
    request_mark_sent(request_id=waiting.pk, actor=staff, sent_on=date(2026, 3, 2))
    return {"on_time": on_time, "late": late, "waiting": waiting}


def test_the_force_page_shows_how_fast_it_answers(staff_client, kent_record):
    kent = Force.objects.get(name="Kent Police")
    response = staff_client.get(reverse("force_detail", args=[kent.pk]))
    record = response.context["record"]
    # On time: 13 working days (17 Mar is a bank holiday in Northern Ireland). Late: due Mon
    # 2 Feb, answered Mon 2 Mar, 40 working days after receipt, 20 late.
    by_campaign = {r.foi.campaign.slug: r for r in record.rows}
    assert (
        by_campaign["on-time"].working_days_taken,
        by_campaign["on-time"].working_days_late,
    ) == (13, 0)
    assert (by_campaign["late"].working_days_taken, by_campaign["late"].working_days_late) == (
        40,
        20,
    )
    assert by_campaign["waiting"].overdue is True
    assert (record.answered, record.on_time, record.median_working_days) == (2, 1, 26.5)
    page = response.content.decode()
    assert (
        "Median <strong>26.5 working days</strong> from receipt to answer, over 2 answered requests."
        in page
    )
    assert "<strong>1 of 2</strong> answered on time (50%); 1 late." in page
    assert "20 working days late" in page and "On time" in page
    assert [r.foi.campaign.slug for r in record.rows] == ["waiting", "late", "on-time"]


def test_the_force_page_shows_its_address_and_whether_mail_bounced(staff_client, kent_record):
    Force.objects.filter(name="Kent Police").update(
        foi_email="foi@kent.example.org",
        email_failing_since=datetime(2026, 6, 1, 10, tzinfo=LONDON),
        email_failure="550 mailbox unavailable",
    )
    kent = Force.objects.get(name="Kent Police")
    page = staff_client.get(reverse("force_detail", args=[kent.pk])).content.decode()
    assert '<a href="mailto:foi@kent.example.org">foi@kent.example.org</a>' in page
    assert "Mail to this address bounced on Monday 1 June 2026: 550 mailbox unavailable" in page
    change = f"{reverse('force_address', args=[kent.pk])}?next=/forces/{kent.pk}/"
    assert f'<a class="small" href="{change}">Change the address</a>' in page


def test_a_force_without_a_bounce_or_requests_says_so(staff_client):
    essex = Force.objects.get(name="Essex Police")
    Force.objects.filter(pk=essex.pk).update(foi_email="foi@essex.example.org")
    page = staff_client.get(reverse("force_detail", args=[essex.pk])).content.decode()
    assert "No bounce recorded." in page
    assert "No campaign has asked this force yet." in page
    assert "No answered request with its dates recorded yet." in page


def test_force_names_link_to_the_force_page(staff_client, kent_record):
    kent = Force.objects.get(name="Kent Police")
    url = reverse("force_detail", args=[kent.pk])
    assert (
        f'<a href="{url}">Kent Police</a>'
        in staff_client.get(reverse("force_list")).content.decode()
    )
    foi = kent_record["late"]
    assert f'href="{url}"' in staff_client.get(foi.get_absolute_url()).content.decode()


def test_the_force_page_costs_the_same_queries_for_many_campaigns(staff_client, staff, kent_record):
    kent = Force.objects.get(name="Kent Police")
    url = reverse("force_detail", args=[kent.pk])
    few = _queries(staff_client, url, {})
    for n in range(12):
        foi = make_campaign(staff, f"more-{n}", f"More {n}").requests.get()
        request_mark_sent(request_id=foi.pk, actor=staff, sent_on=date(2026, 3, 2))
    assert FoiRequest.objects.filter(force=kent).count() == 15
    assert _queries(staff_client, url, {}) == few


def test_the_force_page_shows_its_figures_per_campaign(staff_client, staff, kent_record):
    from figures_app.services.metrics import DimensionSpec, MetricSpec, metric_save
    from tests.figures_app.conftest import enter

    campaign = kent_record["on_time"].campaign
    metric_save(
        campaign=campaign,
        spec=MetricSpec(
            "offences",
            "Online offences",
            "offences",
            "",
            (DimensionSpec("victim_age", "Age", None),),
        ),
    )
    enter(
        campaign,
        staff,
        [("Kent", "2015/16", "63"), ("Kent", "2016/17", "<5"), ("Kent", "2016/17", "9", "13")],
    )
    kent = Force.objects.get(name="Kent Police")
    page = staff_client.get(reverse("force_detail", args=[kent.pk])).content.decode()
    block = page.split('id="force-figures"', 1)[1].split("</section>", 1)[0]
    url = reverse("figures_request", args=[kent_record["on_time"].pk])
    assert f'<a href="{url}">On time</a>' in block
    assert '<td>Online offences</td><td>2015/16</td><td class="num">63</td>' in block
    assert '<td>Online offences</td><td>2016/17</td><td class="num">&lt;5 (1–4)</td>' in block
    assert block.count("<tr>") == 3  # header + the two totals; the age breakdown is not listed
    assert "<td>Awaiting review</td>" in block
