"""Issue 28: the dashboard reads each campaign's deadline counts (overdue, long overdue, due
soon) from a row stored with the day it was counted on; they are counted again in the
transaction of every write to the campaign's requests, and for every campaign when the date
moves (the first dashboard of the day, or the beat job just after midnight)."""

from __future__ import annotations

from datetime import date, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from figures_app.services.review import figures_approve
from requests_app.calendars import calendars
from requests_app.models import CampaignDeadlineCounts, FoiRequest
from requests_app.selectors.deadlines import DUE_SOON_WORKING_DAYS, deadline_counts
from requests_app.services.campaigns import campaign_update
from requests_app.services.lifecycle import request_mark_sent, request_withdraw
from requests_app.services.responses import request_record_response
from requests_app.workflow import Outcome
from tests.figures_app.conftest import enter

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")


def stored(campaign):
    row = CampaignDeadlineCounts.objects.get(campaign=campaign)
    return row.counted_on, (row.overdue, row.long_overdue, row.due_soon)


def counted_now(campaign, today):
    counts = deadline_counts(today, calendars(), DUE_SOON_WORKING_DAYS, campaign_ids=[campaign.pk])
    return counts.get(campaign.pk, (0, 0, 0))


def assert_right(campaign, today):
    assert stored(campaign) == (today, counted_now(campaign, today))


def foi(campaign, name):
    return campaign.requests.get(force__name=name)


def test_the_counts_follow_every_change_to_the_requests(campaign, metric, staff, reviewer, on):
    today = on(date(2026, 6, 16))
    request_mark_sent(
        request_id=foi(campaign, "Kent Police").pk, actor=staff, sent_on=date(2026, 3, 2)
    )
    assert stored(campaign) == (today, (1, 1, 0))  # long overdue since 30 April
    request_mark_sent(
        request_id=foi(campaign, "Essex Police").pk, actor=staff, sent_on=date(2026, 5, 15)
    )
    assert_right(campaign, today)
    overdue, _, soon = stored(campaign)[1]
    assert overdue + soon == 2
    request_record_response(
        request_id=foi(campaign, "Kent Police").pk,
        actor=staff,
        outcome=Outcome.NOT_HELD,
        answered_on=today,
    )
    assert_right(campaign, today)
    request_withdraw(request_id=foi(campaign, "Essex Police").pk, actor=staff, withdrawn_on=today)
    assert stored(campaign) == (today, (0, 0, 0))


def test_figures_in_take_a_request_out_of_the_overdue(campaign, metric, staff, reviewer, on):
    """Figures entered while the request still awaits its response: "figures in, response
    not recorded", no longer overdue (the has_figures flag, written by figures_app's triggers
    in the same transaction as the figures)."""
    today = on(date(2026, 6, 16))
    request_mark_sent(
        request_id=foi(campaign, "Kent Police").pk, actor=staff, sent_on=date(2026, 3, 2)
    )
    request_mark_sent(
        request_id=foi(campaign, "Essex Police").pk, actor=staff, sent_on=date(2026, 3, 2)
    )
    assert stored(campaign)[1][0] == 2
    enter(campaign, staff, [("Essex Police", "2015/16", 5)])
    assert_right(campaign, today)
    essex = foi(campaign, "Essex Police")
    figures_approve(request_id=essex.pk, actor=reviewer)
    assert_right(campaign, today)


def test_a_campaign_sent_from_its_form_is_counted(campaign, staff, on):
    today = on(date(2026, 6, 16))
    campaign_update(campaign_id=campaign.pk, actor=staff, sent_on=date(2026, 3, 2))
    assert stored(campaign) == (today, (43, 43, 0))


def test_the_first_dashboard_of_a_new_day_counts_every_campaign_again(client, campaign, staff, on):
    on(date(2026, 6, 1))
    request_mark_sent(
        request_id=foi(campaign, "Kent Police").pk, actor=staff, sent_on=date(2026, 5, 15)
    )
    assert stored(campaign) == (date(2026, 6, 1), (0, 0, 0))
    due = foi(campaign, "Kent Police").next_due_on
    later = on(due)  # no write since: due soon now
    client.force_login(staff)
    url = reverse("dashboard") + "?campaigns=all"
    (row,) = client.get(url).context["deadline_campaigns"]
    assert (row.n_overdue, row.n_due_soon) == (0, 1)
    assert stored(campaign) == (later, (0, 0, 1))
    overdue = on(due + timedelta(days=1))
    client.force_login(staff)  # signed in again: the idle timeout ran out meanwhile
    (row,) = client.get(url).context["deadline_campaigns"]
    assert (row.n_overdue, row.n_due_soon) == (1, 0)
    assert stored(campaign) == (overdue, (1, 0, 0))
    with CaptureQueriesContext(connection) as again:
        client.get(url)
    assert not any("INSERT" in q["sql"] for q in again.captured_queries)  # counted once a day


def test_the_beat_job_counts_for_the_new_day(campaign, staff, on):
    on(date(2026, 6, 1))
    request_mark_sent(
        request_id=foi(campaign, "Kent Police").pk, actor=staff, sent_on=date(2026, 5, 15)
    )
    midnight = on(foi(campaign, "Kent Police").next_due_on + timedelta(days=1))
    out = StringIO()
    call_command("count_deadlines", stdout=out)
    assert stored(campaign) == (midnight, (1, 0, 0))
    assert "campaign" in out.getvalue()
    from requests_app.tasks import count_deadlines

    assert count_deadlines() >= 1


def test_the_beat_schedule_runs_just_after_midnight():
    from django_celery_beat.models import PeriodicTask

    task = PeriodicTask.objects.get(task="requests_app.count_deadlines")
    assert (task.crontab.hour, task.crontab.minute) == ("0", "5")
    assert task.enabled


def test_the_dashboard_reads_one_page_of_campaigns_without_building_the_rest(
    client, staff, on, england_and_wales
):
    from requests_app.services.campaigns import campaign_create
    from tests.conftest import NSPCC_PERIODS

    on(date(2026, 6, 16))
    for n in range(25):
        campaign_create(
            actor=staff,
            owner=staff,
            slug=f"c-{n:02}",
            title=f"C {n:02}",
            request_text="Dear {force_name}, {periods}?",
            forces=england_and_wales[:1],
            periods=NSPCC_PERIODS,
            sent_on=date(2026, 3, 2),
        )
    client.force_login(staff)
    response = client.get(reverse("dashboard") + "?campaigns=all")
    page = response.context["deadline_campaigns"]
    assert len(page) == 20
    assert response.context["deadline_page"].paginator.count == 25
    assert FoiRequest.objects.count() == 25


def test_a_request_deleted_in_the_admin_leaves_the_counts(campaign, staff, admin_user, client, on):
    today = on(date(2026, 6, 16))
    kent = foi(campaign, "Kent Police")
    request_mark_sent(request_id=kent.pk, actor=staff, sent_on=date(2026, 3, 2))
    assert stored(campaign) == (today, (1, 1, 0))
    client.force_login(admin_user)
    url = reverse("admin:requests_app_foirequest_delete", args=[kent.pk])
    assert client.post(url, {"post": "yes"}).status_code == 302
    assert not FoiRequest.objects.filter(pk=kent.pk).exists()
    # Counted after the row went, not before.
    assert stored(campaign) == (today, (0, 0, 0))


def test_a_request_cannot_be_moved_to_another_campaign_or_body_in_the_admin(
    campaign, admin_user, client
):
    client.force_login(admin_user)
    kent = foi(campaign, "Kent Police")
    page = client.get(reverse("admin:requests_app_foirequest_change", args=[kent.pk]))
    assert "campaign" not in page.context["adminform"].form.fields
    assert "force" not in page.context["adminform"].form.fields
