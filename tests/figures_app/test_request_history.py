"""The request page's figure history and review events, read in one query (a UNION ALL):
newest first, each with its time and who, on SQLite and PostgreSQL alike."""

import re

import pytest
from django.urls import reverse

from figures_app.selectors.review import request_history_and_reviews
from figures_app.services.review import figures_send_back

from .conftest import enter

pytestmark = pytest.mark.django_db


def test_history_and_review_events_read_together_newest_first(
    campaign, metric, staff, reviewer, client, time_machine
):
    time_machine.move_to("2026-04-01 09:00Z", tick=False)
    enter(campaign, staff, [("Kent", "2015/16", 63)])
    time_machine.move_to("2026-04-02 10:30Z", tick=False)
    enter(campaign, staff, [("Kent", "2015/16", 64)])
    kent = campaign.requests.get(force__name="Kent Police")
    time_machine.move_to("2026-04-03 11:45Z", tick=False)
    figures_send_back(request_id=kent.pk, actor=reviewer, comment="Check the year.")

    changes, events = request_history_and_reviews(kent, limit=30)
    assert [(c.action, c.old_display, c.new_display) for c in changes] == [
        ("changed", "63", "64"),
        ("created", "", "63"),
    ]
    assert [c.created_at.isoformat() for c in changes] == [
        "2026-04-02T10:30:00+00:00",
        "2026-04-01T09:00:00+00:00",
    ]
    assert changes[0].actor.username == staff.username
    assert [e.action for e in events] == ["sent_back", "submitted", "submitted"]
    event = events[0]
    assert (event.comment, event.actor.username) == ("Check the year.", reviewer.username)
    assert event.get_action_display().lower().startswith("sent back")
    assert request_history_and_reviews(kent, limit=1)[0] == changes[:1]

    client.force_login(reviewer)
    page = client.get(reverse("request_detail", args=[kent.pk])).content.decode()
    shown = re.search(r'<ul[^>]*id="figure-history">(.*?)</ul>', page, re.S).group(1)
    assert shown.index("63 → 64") < shown.index("— → 63")
    assert "3 April 2026, " in shown and "Check the year." in shown
