"""The dashboard per person (issue 10, section 2): "Needs you" first, each list counted, linked
and paginated; overdue and due soon one row per campaign; its counts the campaign page's and
the API's."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from figures_app.services.metrics import DimensionSpec, MetricSpec, metric_save
from figures_app.services.review import figures_send_back
from requests_app.models import FoiRequest, Force
from requests_app.selectors.campaigns import campaign_progress
from requests_app.services.lifecycle import request_mark_sent
from requests_app.services.responses import (
    request_record_response,
)
from tests.figures_app.conftest import enter
from tests.requests_app.dashboard_world import (
    LATE,
    LONDON,
    TODAY,
    card,
    card_forces,
    foi_of,
    make_campaign,
    needs_you,
)

pytestmark = pytest.mark.django_db


def test_it_puts_what_needs_the_campaign_owner_first(client, world, staff):
    client.force_login(staff)
    response = client.get(reverse("dashboard"))
    page = response.content.decode()
    sections = needs_you(response)
    # sam is staff, not a reviewer: nothing to review; nothing sent back yet.
    assert list(sections) == ["overdue", "complaints"]
    overdue = sections["overdue"]
    assert overdue["count"] == 2
    assert [(i["label"], i["detail"]) for i in overdue["items"]] == [
        (
            "Kent Police",
            "Answer was due Tuesday 31 March 2026: 50 working days late (long overdue)",
        ),
        ("Durham Constabulary", "Answer was due Tuesday 19 May 2026: 18 working days late"),
    ]
    (window,) = sections["complaints"]["items"]
    assert window["label"] == "Cumbria Constabulary"
    assert window["detail"] == "Last day to complain to the ICO: Tuesday 23 June 2026"
    # Riley's campaign is not sam's: Gwent is not in his "Needs you".
    assert "Gwent Police" not in card(page, "overdue")
    assert page.index('id="needs-you"') < page.index('id="deadlines"')


def test_a_reviewer_sees_figures_to_review_but_never_their_own(client, world, reviewer):
    client.force_login(reviewer)
    response = client.get(reverse("dashboard"))
    sections = needs_you(response)
    review = sections["review"]
    assert review["count"] == 1
    (item,) = review["items"]
    assert item["label"] == "Police Scotland"
    assert item["detail"].startswith("2 figures entered by sam on ")
    assert review["url"] == reverse("figures_review_queue")
    assert f'href="{reverse("figures_review_queue")}"' in card(response.content.decode(), "review")
    # riley owns "Stalking": Gwent is overdue there.
    assert [i["label"] for i in sections["overdue"]["items"]] == ["Gwent Police"]


def test_figures_sent_back_reach_the_person_who_entered_them_with_the_note(
    client, world, staff, reviewer
):
    scotland = foi_of(world["a"], "Police Scotland")
    figures_send_back(request_id=scotland.pk, actor=reviewer, comment="2016/17 should be 21")
    client.force_login(staff)
    response = client.get(reverse("dashboard"))
    (item,) = needs_you(response)["sent_back"]["items"]
    assert (item["label"], item["detail"]) == ("Police Scotland", "riley: 2016/17 should be 21")
    assert "riley: 2016/17 should be 21" in card(response.content.decode(), "sent_back")
    client.force_login(reviewer)
    assert "sent_back" not in needs_you(client.get(reverse("dashboard")))


def test_new_replies_and_unrecorded_figures_on_your_campaigns(client, world, staff, reviewer):
    essex = foi_of(world["a"], "Essex Police")
    FoiRequest.objects.filter(pk=essex.pk).update(
        new_reply_at=datetime(2026, 6, 12, 10, tzinfo=LONDON)
    )
    enter(world["a"], staff, [("Durham Constabulary", "2015/16", "not held")])
    client.force_login(staff)
    sections = needs_you(client.get(reverse("dashboard")))
    assert [(i["label"], i["detail"]) for i in sections["replies"]["items"]] == [
        ("Essex Police", "Reply received 12 June 2026")
    ]
    assert sections["replies"]["items"][0]["url"] == f"/requests/{essex.pk}/#new-reply"
    assert [i["label"] for i in sections["unrecorded"]["items"]] == ["Durham Constabulary"]
    # Figures in: Durham is no longer overdue.
    assert [i["label"] for i in sections["overdue"]["items"]] == ["Kent Police"]
    client.force_login(reviewer)
    assert "replies" not in needs_you(client.get(reverse("dashboard")))


def test_all_campaigns_widens_the_request_lists_and_someone_with_none_starts_there(
    client, world, staff, outsider
):
    client.force_login(staff)
    everyone = needs_you(client.get(reverse("dashboard"), {"campaigns": "all"}))
    assert everyone["overdue"]["title"] == "Overdue on all campaigns"
    # Longest late first; Gwent and Kent were both due Tue 31 Mar: by name.
    assert [i["label"] for i in everyone["overdue"]["items"]] == [
        "Gwent Police",
        "Kent Police",
        "Durham Constabulary",
    ]
    assert needs_you(client.get(reverse("dashboard")))["overdue"]["title"] == (
        "Overdue on your campaigns"
    )
    from requests_app.roles import STAFF, grant

    grant(outsider, STAFF)  # owns no campaign
    client.force_login(outsider)
    response = client.get(reverse("dashboard"))
    assert response.context["scope"] == "all"
    assert needs_you(response)["overdue"]["count"] == 3


def test_it_says_so_when_nothing_needs_you(client, today, outsider):
    from requests_app.roles import STAFF, grant

    grant(outsider, STAFF)
    client.force_login(outsider)
    response = client.get(reverse("dashboard"))
    assert response.context["needs_you"] == []
    assert '<p class="text-muted" id="nothing-needs-you">Nothing needs you today.</p>' in (
        response.content.decode()
    )


def test_each_list_pages_with_its_own_parameter(client, today, staff, england_and_wales):
    campaign = make_campaign(staff, "big", "Big", [f.name for f in england_and_wales[:12]])
    for foi in campaign.requests.all():
        request_mark_sent(request_id=foi.pk, actor=staff, sent_on=LATE)
    client.force_login(staff)
    first = needs_you(client.get(reverse("dashboard")))["overdue"]
    assert (first["count"], len(first["items"]), first["next_url"]) == (12, 10, "?overdue_page=2")
    page = client.get(reverse("dashboard"), {"overdue_page": 2, "campaigns": "all"})
    second = needs_you(page)["overdue"]
    assert len(second["items"]) == 2
    assert second["previous_url"] == "?overdue_page=1&campaigns=all"
    labels = {i["label"] for i in first["items"]} | {i["label"] for i in second["items"]}
    assert labels == {f.name for f in england_and_wales[:12]}


def test_a_campaign_card_lists_its_first_ten_and_links_to_the_rest(
    client, today, staff, england_and_wales
):
    campaign = make_campaign(staff, "big", "Big", [f.name for f in england_and_wales[:12]])
    for foi in campaign.requests.order_by("force__name")[:12]:
        request_mark_sent(request_id=foi.pk, actor=staff, sent_on=LATE)
    client.force_login(staff)
    response = client.get(reverse("dashboard"))
    (card,) = response.context["deadline_campaigns"]
    assert (card.n_overdue, card.n_rows, card.n_more) == (12, 10, 2)
    # The first ten by due date, then force name: all sent the same day, so alphabetical.
    names = sorted(f.name for f in england_and_wales[:12])
    assert card_forces(response, "big") == names[:10]
    block = response.content.decode().split('id="deadlines-big"', 1)[1].split("</li>", 1)[0]
    assert block.count("<tr><td>") == 10
    assert '<a href="/campaigns/big/?sort=due">2 more on the campaign page</a>' in block


def test_overdue_and_due_soon_are_one_row_per_campaign(client, world, staff):
    client.force_login(staff)
    response = client.get(reverse("dashboard"))
    assert response.context["scope"] == "mine"
    (row,) = response.context["deadline_campaigns"]
    assert (row.title, row.n_overdue, row.n_long_overdue, row.n_due_soon) == (
        "Knife crime",
        2,
        1,
        1,
    )
    assert card_forces(response, "knife-crime") == [
        "Kent Police",
        "Durham Constabulary",
        "Essex Police",
    ]
    page = response.content.decode()
    block = page.split('id="deadlines-knife-crime"', 1)[1].split("</li>", 1)[0]
    assert "<details>" in block and "<summary>" in block
    assert "2 overdue" in block and "1 long overdue" in block and "1 due soon" in block
    everyone = client.get(reverse("dashboard"), {"campaigns": "all"})
    assert [(c.title, c.n_overdue) for c in everyone.context["deadline_campaigns"]] == [
        ("Knife crime", 2),
        ("Stalking", 1),
    ]


def test_the_dashboard_counts_as_the_campaign_page_and_the_api_do(client, world, staff):
    client.force_login(staff)
    response = client.get(reverse("dashboard"))
    (row,) = response.context["deadline_campaigns"]
    progress = campaign_progress(world["a"], TODAY)
    api = {c["slug"]: c for c in client.get(reverse("api_campaigns")).json()}
    assert row.n_overdue == progress.overdue == api["knife-crime"]["overdue"] == 2
    assert needs_you(response)["overdue"]["count"] == 2
    (mine,) = response.context["campaigns"]
    assert (mine.n_answered, mine.n_requests) == (progress.answered, progress.total) == (2, 5)


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def load_rows(slug, forces, owner, enterer):
    """A campaign of `owner` in which every list of "Needs you" and the deadlines have one row
    per three forces: overdue with a new reply to a bouncing address; figures in ("not held")
    waiting for review; a complaint window closing."""
    campaign = make_campaign(owner, slug, slug.title(), [f.name for f in forces])
    metric_save(
        campaign=campaign,
        spec=MetricSpec(
            "offences", "Offences", "offences", "", (DimensionSpec("victim_age", "Age", None),)
        ),
    )
    for foi in campaign.requests.all():
        request_mark_sent(request_id=foi.pk, actor=owner, sent_on=LATE)
    late, figures, reviewed = forces[0::3], forces[1::3], forces[2::3]
    campaign.requests.filter(force__in=late).update(
        new_reply_at=datetime(2026, 6, 12, tzinfo=LONDON)
    )
    Force.objects.filter(pk__in=[f.pk for f in late]).update(
        email_failing_since=datetime(2026, 6, 1, tzinfo=LONDON), email_failure="mailbox full"
    )
    enter(campaign, enterer, [(f.name, "2015/16", "not held") for f in figures])
    campaign.requests.filter(force__in=reviewed).update(
        status="review_answered", review_answered_on=date(2026, 5, 12), next_due_on=None
    )
    return campaign


def test_the_dashboard_costs_the_same_queries_for_many_rows_as_for_few(
    client, today, staff, reviewer, england_and_wales
):
    load_rows("few", england_and_wales[:3], reviewer, staff)
    client.force_login(reviewer)
    url = reverse("dashboard") + "?campaigns=all"
    response = client.get(url)
    assert {k: s["count"] for k, s in needs_you(response).items()} == {
        "review": 1,
        "replies": 1,
        "unrecorded": 1,
        "overdue": 1,
        "bouncing": 1,
        "complaints": 1,
    }
    cache.clear()  # a miss: the "Needs you" lists worked out, as on the first load after a write
    few = _queries(client, url)
    hit = _queries(client, url)
    # load_rows writes partly around the services (which raise the "Needs you" version after
    # the commit, never reached in a test's transaction): the cache is emptied instead.
    load_rows("more", england_and_wales[3:39], reviewer, staff)
    cache.clear()
    response = client.get(url)
    assert needs_you(response)["review"]["count"] == 13
    assert len(response.context["deadline_campaigns"]) == 2
    cache.clear()
    assert _queries(client, url) == few
    assert _queries(client, url) == hit < few


def test_the_dashboard_and_the_morning_digest_list_the_same_requests(client, world, staff):
    from requests_app.calendars import calendars
    from requests_app.selectors.reminder_digests import _request_sections

    essex = foi_of(world["a"], "Essex Police")
    FoiRequest.objects.filter(pk=essex.pk).update(
        new_reply_at=datetime(2026, 6, 12, 10, tzinfo=LONDON)
    )
    digest = _request_sections([staff.pk], today=TODAY, cals=calendars())[staff.pk]
    client.force_login(staff)
    dashboard = needs_you(client.get(reverse("dashboard")))

    def labels(items):
        return sorted(item["label"] for item in items)

    late = digest["Long overdue (over 40 working days)"] + digest["Overdue"]
    assert (
        labels(dashboard["overdue"]["items"])
        == labels(late)
        == ["Durham Constabulary", "Kent Police"]
    )
    assert labels(dashboard["complaints"]["items"]) == labels(digest["Complaint windows closing"])
    assert labels(dashboard["replies"]["items"]) == labels(
        digest["New replies: record the response"]
    )
    assert [i["detail"] for i in dashboard["complaints"]["items"]] == [
        i["detail"] for i in digest["Complaint windows closing"]
    ]


def test_answered_requests_with_no_figures_are_listed_to_enter(
    client, world, staff, reviewer, django_capture_on_commit_callbacks
):
    durham = foi_of(world["a"], "Durham Constabulary")
    request_record_response(
        request_id=durham.pk, actor=staff, outcome="part", answered_on=date(2026, 6, 1)
    )
    gwent = foi_of(world["b"], "Gwent Police")  # riley's campaign asks for no figures
    request_record_response(
        request_id=gwent.pk, actor=reviewer, outcome="full", answered_on=date(2026, 6, 1)
    )
    client.force_login(staff)
    section = needs_you(client.get(reverse("dashboard")))["to_enter"]
    # Police Scotland answered too, but its figures are in; Cumbria was refused.
    assert [(i["label"], i["detail"]) for i in section["items"]] == [
        ("Durham Constabulary", "Answered in part on 1 June 2026; no figures entered yet")
    ]
    assert section["items"][0]["url"].endswith(f"/requests/{durham.pk}/#figures")
    # As after the commit: the "Needs you" version is raised then, and each list read afresh.
    with django_capture_on_commit_callbacks(execute=True):
        enter(world["a"], staff, [("Durham Constabulary", "2015/16", "7")])
    assert "to_enter" not in needs_you(client.get(reverse("dashboard")))
    client.force_login(reviewer)
    assert "to_enter" not in needs_you(client.get(reverse("dashboard")))
