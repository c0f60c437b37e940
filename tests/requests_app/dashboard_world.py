"""The dashboard tests' world (test_dashboard.py, test_needs_you_cache.py; make_campaign also
for test_search_and_force_page.py): two owners'
campaigns on a fixed Tuesday, with something in every list of "Needs you". The fixtures `today`
and `world` reach the tests through conftest.py."""

from __future__ import annotations

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from figures_app.services.metrics import DimensionSpec, MetricSpec, metric_save
from requests_app.models import FoiRequest, Force
from requests_app.services.campaigns import campaign_create
from requests_app.services.lifecycle import request_mark_sent
from requests_app.services.responses import (
    request_record_response,
    request_review_answered,
    request_review_requested,
)
from tests.conftest import NSPCC_PERIODS
from tests.figures_app.conftest import enter

LONDON = ZoneInfo("Europe/London")
# A Tuesday (Mon 15 Jun 2026 is a one-off Scottish bank holiday, so not a working day for FOIA
# either: s.10(6) counts bank holidays in any part of the UK).
TODAY = date(2026, 6, 16)
LATE = date(2026, 3, 2)  # sent then: answer due Tue 31 Mar (17 Mar: NI), long overdue 30 Apr
DUE_SOON = date(2026, 5, 18)  # sent then: answer due Wed 17 Jun (Spring bank holiday 25 May)

FORCES_A = [
    "Kent Police",
    "Essex Police",
    "Durham Constabulary",
    "Police Scotland",
    "Cumbria Constabulary",
]


@pytest.fixture
def today(time_machine):
    time_machine.move_to(datetime(2026, 6, 16, 9, 0, tzinfo=LONDON), tick=False)
    return TODAY


def make_campaign(owner, slug, title, names=("Kent Police",)):
    return campaign_create(
        actor=owner,
        owner=owner,
        slug=slug,
        title=title,
        request_text="Dear {force_name}, how many in {periods}?",
        forces=list(Force.objects.filter(name__in=names)),
        periods=NSPCC_PERIODS,
    )


def card_forces(response, slug: str) -> list[str]:
    """The forces listed on a campaign's deadline card, in order (from the page's HTML: the
    rows may come from the cache, deadline_cards.py)."""
    block = response.content.decode().split(f'id="deadlines-{slug}"', 1)[1].split("</li>", 1)[0]
    return re.findall(r'<tr><td><a href="[^"]+">([^<]+)</a>', block)


def foi_of(campaign, name) -> FoiRequest:
    return campaign.requests.select_related("force").get(force__name=name)


def send(campaign, name, actor, on):
    request_mark_sent(request_id=foi_of(campaign, name).pk, actor=actor, sent_on=on)
    return foi_of(campaign, name)


@pytest.fixture
def world(today, staff, reviewer):
    """sam owns "Knife crime" (five forces), riley owns "Stalking" (one force, overdue)."""
    a = make_campaign(staff, "knife-crime", "Knife crime", FORCES_A)
    b = make_campaign(reviewer, "stalking", "Stalking", ["Gwent Police"])
    metric_save(
        campaign=a,
        spec=MetricSpec(
            "offences",
            "Offences",
            "offences",
            "",
            (DimensionSpec("victim_age", "Victim age", None),),
        ),
    )
    send(a, "Kent Police", staff, LATE)  # overdue, long overdue
    send(a, "Durham Constabulary", staff, date(2026, 4, 20))  # overdue, not long overdue
    send(a, "Essex Police", staff, DUE_SOON)  # due soon
    scotland = send(a, "Police Scotland", staff, LATE)
    request_record_response(
        request_id=scotland.pk, actor=staff, outcome="full", answered_on=date(2026, 3, 20)
    )
    cumbria = send(a, "Cumbria Constabulary", staff, LATE)
    request_record_response(
        request_id=cumbria.pk,
        actor=staff,
        outcome="refused",
        answered_on=date(2026, 3, 20),
        exemptions=["foia:s12"],
    )
    request_review_requested(request_id=cumbria.pk, actor=staff, requested_on=date(2026, 3, 23))
    # ICO window: 6 weeks from the review's answer, Tue 23 Jun = the 5th working day from today.
    request_review_answered(
        request_id=cumbria.pk, actor=staff, answered_on=date(2026, 5, 12), review_outcome="upheld"
    )
    send(b, "Gwent Police", reviewer, LATE)
    # Figures: sam keys in Police Scotland's (waiting for riley), riley keys in Cumbria's.
    enter(a, staff, [("Police Scotland", "2015/16", "10"), ("Police Scotland", "2016/17", "12")])
    enter(a, reviewer, [("Cumbria Constabulary", "2015/16", "3")])
    return {"a": a, "b": b}


def needs_you(response) -> dict[str, dict]:
    return {s["key"]: s for s in response.context["needs_you"]}


def card(page: str, key: str) -> str:
    return page.split(f'id="needs-{key}"', 1)[1].split("</section>", 1)[0]
