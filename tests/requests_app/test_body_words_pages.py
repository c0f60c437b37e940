"""The words around a campaign to bodies other than police forces (issue 30): the campaign
form's labels, the site footer, and the letters (request and chasers) a council receives."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from requests_app.body_lists import read_bodies
from requests_app.letters import request_letter
from requests_app.models import Force
from requests_app.services.bodies import bodies_import
from requests_app.services.campaigns import campaign_create
from tests.conftest import NSPCC_PERIODS
from tests.requests_app.reminder_helpers import at, chasers, run

pytestmark = pytest.mark.django_db

COUNCILS = b"""Name,GSS code,FOI email
Fife Council,S12000047,foi@fife.example.org
Cardiff Council,W06000015,foi@cardiff.example.org
"""


@pytest.fixture
def councils(db):
    bodies_import(read_bodies(COUNCILS, "councils.csv"), kind="council", actor=None)
    return list(Force.objects.filter(kind="council").order_by("name"))


def test_the_campaign_form_says_forces_while_the_registry_holds_police_only(staff_client):
    page = staff_client.get(reverse("campaign_new")).content.decode()
    assert "Forces asked</h2>" in page
    assert "Email forces politely when late." in page
    assert 'data-singular="force" data-plural="forces"' in page


def test_the_campaign_form_names_the_bodies_of_a_mixed_registry(staff_client, councils):
    page = staff_client.get(reverse("campaign_new")).content.decode()
    assert "Authorities asked</h2>" in page
    assert "Every authority in this list is asked, plus any ticked below." in page
    assert "Email authorities politely when late." in page
    assert "Forces asked" not in page
    response = staff_client.post(reverse("campaign_new"), {"title": "x"})
    assert "Choose a list or at least one authority." in response.content.decode()


def test_the_site_footer_is_true_of_any_campaign(staff_client):
    page = staff_client.get(reverse("campaign_list")).content.decode()
    assert "Figures as recorded by the public bodies asked, obtained under FOIA 2000" in page
    assert "Police recorded figures" not in page


def test_a_councils_letters_name_the_council_and_its_law(staff, councils, time_machine):
    at(date(2026, 3, 16), time_machine)
    campaign = campaign_create(
        actor=staff,
        owner=staff,
        slug="care",
        title="Children in care",
        request_text="Dear {force_name}, under {act}, how many children in {periods}?",
        forces=councils,
        periods=NSPCC_PERIODS,
        sent_on=date(2026, 3, 16),
        chase_forces=True,
        chase_again_after=10,
    )
    cardiff = campaign.requests.get(force__name="Cardiff Council")
    letter = request_letter(cardiff).body
    assert letter.startswith("Dear Cardiff Council, under the Freedom of Information Act 2000")
    # FOISA's due date (14 April) and FOIA's (16 April) have both passed by the 20th.
    run(date(2026, 4, 20), time_machine)
    fife, wales = chasers("foi@fife.example.org"), chasers("foi@cardiff.example.org")
    assert len(fife) == 1 and len(wales) == 1
    assert "Dear Freedom of Information team at Fife Council" in fife[0].body
    assert "Freedom of Information (Scotland) Act 2002" in fife[0].body
    assert "Dear Freedom of Information team at Cardiff Council" in wales[0].body
    for text in (letter, fife[0].body, wales[0].body):
        assert "police" not in text.lower() and "force" not in text.lower()


def test_the_letter_preview_and_send_page_name_the_councils(staff_client, staff, councils):
    campaign = campaign_create(
        actor=staff,
        owner=staff,
        slug="care",
        title="Children in care",
        request_text="Dear {force_name}, how many children in {periods}?",
        forces=councils,
        periods=NSPCC_PERIODS,
    )
    preview = staff_client.get(reverse("campaign_preview", args=[campaign.slug])).content
    assert 'for="force">Council</label>' in preview.decode()
    send = staff_client.get(reverse("campaign_send", args=[campaign.slug])).content.decode()
    assert "to one council at a time" in send and "one force" not in send
