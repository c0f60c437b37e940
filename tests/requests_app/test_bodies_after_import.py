"""What a body list import changes beyond the bodies (issue 30 with issues 28 and 29): a body
whose nation and law change is due on its new calendar and grouped under its new nation, and
a restore counts imported bodies and people's own lists as data, not as what `migrate` made."""

from __future__ import annotations

import json
from datetime import date

import pytest

from foi_tracker.campaign_json import load_campaign
from requests_app.backups import existing_data
from requests_app.body_lists import read_bodies
from requests_app.models import Force
from requests_app.services.bodies import bodies_import
from requests_app.services.campaigns import force_list_save

pytestmark = pytest.mark.django_db


def _import(data: bytes):
    report = bodies_import(read_bodies(data, "bodies.csv"), kind="council", actor=None)
    assert report.written, report.summary()
    return report


def test_a_body_moved_to_scotland_is_due_on_the_scottish_calendar(staff):
    _import(b"Name,Nation\nBorder Council,Wales\n")
    body = Force.objects.get(name="Border Council")
    assert (body.law, body.region) == ("foia", "Wales")
    campaign, _ = load_campaign(
        json.dumps(
            {
                "slug": "border",
                "title": "Border",
                "request_text": "Dear {force_name}, under {act}, how many in {periods}?",
                "bodies": ["Border Council"],
                "periods": [{"label": "2023/24", "start": "2023-04-01", "end": "2024-03-31"}],
                "sent_on": "2024-02-29",
            }
        ),
        actor=staff,
    )
    foi = campaign.requests.get()
    # Received 29 Feb 2024: Easter Monday stops FOIA's clock, not FOISA's.
    assert foi.due_on == date(2024, 4, 2)

    _import(b"Name,Nation\nBorder Council,Scotland\n")
    body.refresh_from_db()
    foi.refresh_from_db()
    assert (body.law, body.country, body.region) == ("foisa", "scotland", "Scotland")
    assert foi.due_on == date(2024, 3, 28)


def test_imported_bodies_and_own_lists_are_data_a_restore_would_replace(staff):
    # The 48 forces and the shipped lists are migrate's own.
    assert "requests_app.force" not in existing_data()
    assert "requests_app.forcelist" not in existing_data()
    _import(b"Name,Nation\nBorder Council,Wales\n")
    force_list_save(actor=staff, name="Ours", forces=[Force.objects.get(name="Border Council")])
    found = existing_data()
    assert found["requests_app.force"] == 1
    assert found["requests_app.forcelist"] == 1
