"""The dashboard's "Needs you" lists from the cache (issue 28, needs_you_cache.py): a second load
is served from it, one person's lists are never served to another, and every service that can
change a list makes the next load fresh. The version is raised after the commit, so each write
here runs under django_capture_on_commit_callbacks(execute=True): as in production, where the
transaction commits."""

from __future__ import annotations

import logging
import re
from datetime import date, datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from figures_app.services.review import figures_approve, figures_send_back
from requests_app.selectors.data_versions import needs_you_version
from requests_app.services.attachments import attachment_add
from requests_app.services.campaigns import campaign_update
from requests_app.services.forces import (
    force_clear_address_failing,
    force_mark_address_failing,
    force_set_foi_email,
)
from requests_app.services.lifecycle import request_flag_new_reply, request_reply_seen
from requests_app.services.needs_you_version import needs_you_changed
from requests_app.services.responses import request_record_response
from requests_app.services.screening import attachment_mark_force_told
from tests.figures_app.conftest import enter
from tests.requests_app import screening_corpus
from tests.requests_app.dashboard_world import LONDON, foi_of, needs_you

pytestmark = pytest.mark.django_db


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run a write as if its transaction committed: the callbacks it registered run."""

    def run(write):
        with django_capture_on_commit_callbacks(execute=True):
            return write()

    return run


def lists(client) -> dict[str, dict]:
    return needs_you(client.get(reverse("dashboard")))


def labels(sections: dict[str, dict], key: str) -> list[str]:
    return [item["label"] for item in sections.get(key, {}).get("items", [])]


def without_tokens(response) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())


def _queries(client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(reverse("dashboard")).status_code == 200
    return len(ctx.captured_queries)


def test_a_second_load_is_served_from_the_cache_with_the_same_lists(client, world, reviewer):
    client.force_login(reviewer)
    first = client.get(reverse("dashboard"))
    missed = _queries(client)  # the entry is there now
    second = client.get(reverse("dashboard"))
    assert second.context["needs_you"] == first.context["needs_you"]
    assert without_tokens(second) == without_tokens(first)
    # The lists' counts and first rows are not read again: the version and the entry only.
    with override_settings(
        CACHES={"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    ):
        uncached = _queries(client)
    assert missed <= uncached - 2


def test_one_persons_lists_are_never_served_to_another(client, world, staff, reviewer):
    client.force_login(reviewer)
    theirs = lists(client)
    client.force_login(staff)
    mine = lists(client)
    assert "review" in theirs and "review" not in mine  # sam is no reviewer
    assert labels(theirs, "overdue") == ["Gwent Police"]
    assert labels(mine, "overdue") == ["Kent Police", "Durham Constabulary"]


def test_each_page_of_a_list_is_its_own_entry(client, world, staff):
    client.force_login(staff)
    url = reverse("dashboard")
    first = client.get(url).context["needs_you"]
    again = client.get(url + "?overdue_page=1&campaigns=mine").context["needs_you"]
    assert [s["key"] for s in again] == [s["key"] for s in first]


def test_a_new_reply_flagged_then_read_shows_then_goes(client, world, staff, committed):
    client.force_login(staff)
    assert "replies" not in lists(client)
    essex = foi_of(world["a"], "Essex Police")
    committed(
        lambda: request_flag_new_reply(
            request_id=essex.pk, actor=None, received_at=datetime(2026, 6, 15, 9, tzinfo=LONDON)
        )
    )
    assert labels(lists(client), "replies") == ["Essex Police"]
    committed(lambda: request_reply_seen(request_id=essex.pk, actor=staff))
    assert "replies" not in lists(client)


def test_a_response_recorded_takes_the_request_off_overdue(client, world, staff, committed):
    client.force_login(staff)
    assert labels(lists(client), "overdue") == ["Kent Police", "Durham Constabulary"]
    kent = foi_of(world["a"], "Kent Police")
    committed(
        lambda: request_record_response(
            request_id=kent.pk, actor=staff, outcome="full", answered_on=date(2026, 6, 15)
        )
    )
    sections = lists(client)
    assert labels(sections, "overdue") == ["Durham Constabulary"]
    assert "Kent Police" in labels(sections, "to_enter")


def test_a_bounce_then_a_new_address_show_then_go(client, world, staff, committed):
    client.force_login(staff)
    assert "bouncing" not in lists(client)
    kent = foi_of(world["a"], "Kent Police")
    committed(
        lambda: force_mark_address_failing(
            force_id=kent.force_id, reason="550 mailbox unavailable", actor=None, via="mail"
        )
    )
    assert labels(lists(client), "bouncing") == ["Kent Police"]
    committed(
        lambda: force_set_foi_email(
            force_id=kent.force_id, foi_email="foi@kent.example", actor=staff, via="page"
        )
    )
    assert "bouncing" not in lists(client)
    committed(
        lambda: force_mark_address_failing(
            force_id=kent.force_id, reason="550", actor=None, via="mail"
        )
    )
    assert labels(lists(client), "bouncing") == ["Kent Police"]
    committed(lambda: force_clear_address_failing(force_id=kent.force_id, actor=staff, via="page"))
    assert "bouncing" not in lists(client)


def test_a_file_quarantined_then_its_force_told_shows_then_goes(
    client, world, staff, reviewer, committed
):
    client.force_login(reviewer)
    assert "quarantined" not in lists(client)
    gwent = foi_of(world["b"], "Gwent Police")
    upload = SimpleUploadedFile("gwent.xlsx", screening_corpus.psni_like_xlsx(people=5))
    stored = committed(lambda: attachment_add(request_id=gwent.pk, actor=reviewer, upload=upload))
    assert labels(lists(client), "quarantined") == ["Gwent Police: gwent.xlsx"]
    committed(lambda: attachment_mark_force_told(attachment_id=stored.pk, actor=reviewer))
    assert "quarantined" not in lists(client)


def test_figures_entered_sent_back_and_approved_move_between_the_lists(
    client, world, staff, reviewer, committed
):
    client.force_login(reviewer)
    assert labels(lists(client), "review") == ["Police Scotland"]
    durham = foi_of(world["a"], "Durham Constabulary")
    committed(lambda: enter(world["a"], staff, [("Durham Constabulary", "2015/16", "4")]))
    assert labels(lists(client), "review") == ["Police Scotland", "Durham Constabulary"]
    committed(
        lambda: figures_send_back(request_id=durham.pk, actor=reviewer, comment="Check 2015/16")
    )
    assert labels(lists(client), "review") == ["Police Scotland"]
    client.force_login(staff)
    assert labels(lists(client), "sent_back") == ["Durham Constabulary"]
    client.force_login(reviewer)
    scotland = foi_of(world["a"], "Police Scotland")
    committed(lambda: figures_approve(request_id=scotland.pk, actor=reviewer))
    assert "review" not in lists(client)


def test_a_campaign_renamed_is_named_anew(client, world, staff, committed):
    client.force_login(staff)
    assert {i["campaign"] for i in lists(client)["overdue"]["items"]} == {"Knife crime"}
    committed(lambda: campaign_update(campaign_id=world["a"].pk, actor=staff, title="Knives"))
    assert {i["campaign"] for i in lists(client)["overdue"]["items"]} == {"Knives"}


def test_the_next_day_is_worked_out_afresh_without_any_write(client, world, staff, time_machine):
    client.force_login(staff)
    assert labels(lists(client), "overdue") == ["Kent Police", "Durham Constabulary"]
    # Essex's answer is due Wed 17 Jun: on Thu 18 Jun it is overdue, with no write between.
    time_machine.move_to(datetime(2026, 6, 18, 9, 0, tzinfo=LONDON), tick=False)
    client.force_login(staff)  # the session of two days ago has expired
    assert "Essex Police" in labels(lists(client), "overdue")


def test_the_version_is_raised_after_the_commit_never_by_a_rollback(world, committed):
    before = needs_you_version()
    with pytest.raises(RuntimeError), transaction.atomic():
        needs_you_changed()
        raise RuntimeError("rolled back")
    assert needs_you_version() == before
    committed(needs_you_changed)
    assert needs_you_version() == before + 1


class _Down:
    """A cache backend whose every call fails, like Redis down."""

    def __init__(self, *args, **kwargs):
        pass

    def get(self, *args, **kwargs):
        raise ConnectionError("Error 111 connecting to redis:6379. Connection refused.")

    set = get


def test_the_dashboard_answers_when_the_cache_is_down(client, world, staff, caplog, monkeypatch):
    from requests_app import safe_cache

    monkeypatch.setattr(safe_cache, "shared_cache", _Down())
    client.force_login(staff)
    with caplog.at_level(logging.WARNING):
        response = client.get(reverse("dashboard"))
    assert response.status_code == 200
    assert labels(needs_you(response), "overdue") == ["Kent Police", "Durham Constabulary"]
    assert any('"Needs you" lists read without it' in r.getMessage() for r in caplog.records)
