"""Issue 28: the dashboard's deadline cards' rows come from the cache (deadline_cards.py), keyed
on the campaigns shown with their data versions, the day and the non-working days. After every
write that can change a card's rows, the next dashboard shows them as worked out afresh."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from figures_app.services.review import figures_approve
from requests_app.calendars import calendars
from requests_app.campaign_rows import deadline_rows_html
from requests_app.models import Force, NonWorkingDay
from requests_app.selectors.deadlines import DUE_SOON_WORKING_DAYS, deadline_rows_by_campaign
from requests_app.services.data_versions import forces_data_changed
from requests_app.services.lifecycle import (
    request_clarification_requested,
    request_mark_sent,
    request_pit_extension,
    request_withdraw,
)
from requests_app.services.responses import request_record_response, request_review_requested
from requests_app.views.dashboard import DEADLINE_ROWS_PER_CAMPAIGN
from requests_app.workflow import Outcome
from tests.figures_app.conftest import enter

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")
TODAY = date(2026, 6, 16)
LATE = date(2026, 3, 2)
DUE_SOON = date(2026, 5, 18)  # answer due Wed 17 Jun


def foi(campaign, name):
    return campaign.requests.get(force__name=name)


def card(client, campaign) -> str:
    page = client.get(reverse("dashboard") + "?campaigns=all").content.decode()
    if f'id="deadlines-{campaign.slug}"' not in page:
        return ""
    block = page.split(f'id="deadlines-{campaign.slug}"', 1)[1].split("</tbody>", 1)[0]
    return block.split("<tbody>", 1)[1].split("{#", 1)[0].strip()


def fresh(campaign, today) -> str:
    rows = deadline_rows_by_campaign(
        [campaign.pk],
        today,
        calendars(),
        DUE_SOON_WORKING_DAYS,
        per_campaign=DEADLINE_ROWS_PER_CAMPAIGN,
    ).get(campaign.pk, [])
    return str(deadline_rows_html(rows)).strip() if rows else ""


@pytest.fixture
def seen(campaign, staff, client, on):
    """Kent overdue, Essex due soon, Durham overdue; the dashboard read once (cached)."""
    today = on(TODAY)
    for name, sent in (
        ("Kent Police", LATE),
        ("Essex Police", DUE_SOON),
        ("Durham Constabulary", LATE),
    ):
        request_mark_sent(request_id=foi(campaign, name).pk, actor=staff, sent_on=sent)
    client.force_login(staff)
    before = card(client, campaign)
    assert before == fresh(campaign, today) and "Kent Police" in before
    return before


def _respond(campaign, staff, **_):
    request_record_response(
        request_id=foi(campaign, "Kent Police").pk,
        actor=staff,
        outcome=Outcome.NOT_HELD,
        answered_on=TODAY,
    )


def _withdraw(campaign, staff, **_):
    request_withdraw(request_id=foi(campaign, "Essex Police").pk, actor=staff, withdrawn_on=TODAY)


def _send(campaign, staff, **_):
    request_mark_sent(request_id=foi(campaign, "Gwent Police").pk, actor=staff, sent_on=LATE)


def _clarify(campaign, staff, **_):
    request_clarification_requested(
        request_id=foi(campaign, "Durham Constabulary").pk, actor=staff, requested_on=TODAY
    )


def _pit(campaign, staff, **_):
    request_pit_extension(
        request_id=foi(campaign, "Essex Police").pk,
        actor=staff,
        notice_on=TODAY,
        estimated_on=TODAY + timedelta(days=30),
    )


def _review(campaign, staff, **_):
    kent = foi(campaign, "Kent Police")
    request_record_response(
        request_id=kent.pk,
        actor=staff,
        outcome=Outcome.REFUSED,
        answered_on=date(2026, 4, 1),
        exemptions=["foia:s12"],
    )
    request_review_requested(request_id=kent.pk, actor=staff, requested_on=date(2026, 4, 2))


def _figures(campaign, staff, reviewer, **_):
    enter(campaign, staff, [("Durham Constabulary", "2015/16", 5)])
    figures_approve(request_id=foi(campaign, "Durham Constabulary").pk, actor=reviewer)


def _rename(campaign, **_):
    """The admin and the body-list import both raise the versions this way."""
    kent = Force.objects.get(name="Kent Police")
    Force.objects.filter(pk=kent.pk).update(name="Kent County Police")
    forces_data_changed(force_ids=[kent.pk])


def _holiday(**_):
    NonWorkingDay.objects.create(date=date(2026, 6, 17), applies_to="all", description="Jubilee")


WRITES = {
    "a response recorded": _respond,
    "a request withdrawn": _withdraw,
    "a request sent": _send,
    "a clarification asked for": _clarify,
    "a public interest extension": _pit,
    "an internal review asked for": _review,
    "figures entered and approved": _figures,
    "a force renamed": _rename,
    "a non-working day added": _holiday,
}


@pytest.mark.parametrize("write", WRITES.values(), ids=WRITES.keys())
def test_the_next_dashboard_after_a_write_shows_the_rows_afresh(
    write, seen, campaign, metric, staff, reviewer, client
):
    write(campaign=campaign, staff=staff, reviewer=reviewer)
    after = card(client, campaign)
    assert after == fresh(campaign, TODAY)
    assert after != seen


def test_the_next_day_shows_the_rows_afresh(seen, campaign, staff, client, time_machine):
    """Read two minutes before midnight, again two minutes after (the entry has not expired)."""
    time_machine.move_to(datetime(2026, 6, 16, 23, 58, tzinfo=LONDON), tick=False)
    cache.clear()
    client.force_login(staff)
    assert card(client, campaign) == seen
    time_machine.move_to(datetime(2026, 6, 17, 0, 2, tzinfo=LONDON), tick=False)
    client.force_login(staff)
    after = card(client, campaign)
    assert after == fresh(campaign, TODAY + timedelta(days=1)) and after != seen


def test_a_second_read_takes_the_rows_from_the_cache(seen, campaign, client):
    with CaptureQueriesContext(connection) as ctx:
        assert card(client, campaign) == seen
    sql = " ".join(q["sql"] for q in ctx.captured_queries)
    assert "ROW_NUMBER" not in sql.upper()  # the rows' query did not run


def test_without_a_cache_the_rows_are_worked_out(seen, campaign, client, settings):
    cache.clear()
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    assert card(client, campaign) == seen
