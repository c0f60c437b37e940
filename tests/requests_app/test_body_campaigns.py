"""Campaigns to any public body (issue 30): saved lists by kind and nation, campaign JSON's
"bodies", the law and calendar each body answers under, the API's body fields, the body page."""

from __future__ import annotations

import json
from datetime import date

import pytest
from django.urls import reverse

from foi_tracker.campaign_json import load_campaign
from requests_app.body_lists import read_bodies
from requests_app.body_words import body_nouns, kind_nouns
from requests_app.campaign_json import CampaignJsonError
from requests_app.models import Force, ForceList
from requests_app.services.bodies import bodies_import
from requests_app.services.campaigns import force_list_save

pytestmark = pytest.mark.django_db

COUNCILS = b"""Name,GSS code,FOI email
Fife Council,S12000047,foi@fife.example.org
Highland Council,S12000017,foi@highland.example.org
Orkney Islands Council,S12000023,
Cardiff Council,W06000015,foi@cardiff.example.org
Powys County Council,W06000023,
Kent County Council,E10000016,
"""


@pytest.fixture
def councils(db):
    bodies_import(read_bodies(COUNCILS, "councils.csv"), kind="council", actor=None)
    return {f.name: f for f in Force.objects.filter(kind="council")}


def _campaign_json(bodies, **more) -> str:
    return json.dumps(
        {
            "slug": "children-in-care",
            "title": "Children in care",
            "request_text": "Dear {force_name}, under {act}, how many in {periods}?",
            "bodies": bodies,
            "periods": [{"label": "2023/24", "start": "2023-04-01", "end": "2024-03-31"}],
            **more,
        }
    )


def test_the_forty_eight_forces_are_police_forces():
    assert Force.objects.count() == 48
    assert set(Force.objects.values_list("kind", flat=True)) == {"police"}
    assert Force.objects.get(name="Police Scotland").law == "foisa"
    assert Force._meta.verbose_name == "public body"


def test_computed_lists_follow_the_registry(councils):
    scottish = ForceList.objects.get(slug="scottish-councils")
    assert set(scottish.members().values_list("name", flat=True)) == {
        "Fife Council",
        "Highland Council",
        "Orkney Islands Council",
    }
    assert ForceList.objects.get(slug="welsh-councils").members().count() == 2
    assert ForceList.objects.get(slug="police-forces").members().count() == 48
    bodies_import(
        read_bodies(b"Name,Code\nAngus Council,S12000041\n", "x.csv"), kind="council", actor=None
    )
    assert scottish.members().count() == 4


def test_a_campaign_to_scottish_and_welsh_councils_has_each_ones_law_and_due_date(councils, staff):
    # Received 29 Feb 2024: St Patrick's Day (NI) and Easter Monday stop FOIA's clock, not
    # FOISA's, so Scottish councils are due on 28 March and Welsh ones on 2 April.
    text = _campaign_json(
        ["Fife Council", "Highland", "Cardiff", "Powys County Council"], sent_on="2024-02-29"
    )
    campaign, created = load_campaign(text, actor=staff)
    assert created
    got = {
        foi.force.name: (foi.force.law, foi.due_on)
        for foi in campaign.requests.select_related("force")
    }
    assert got == {
        "Fife Council": ("foisa", date(2024, 3, 28)),
        "Highland Council": ("foisa", date(2024, 3, 28)),
        "Cardiff Council": ("foia", date(2024, 4, 2)),
        "Powys County Council": ("foia", date(2024, 4, 2)),
    }
    fife = campaign.requests.get(force__name="Fife Council").force
    assert "Freedom of Information (Scotland) Act 2002" in campaign.render_request_text(fife)


def test_campaign_json_takes_a_kind_and_nation(councils, staff):
    campaign, _ = load_campaign(_campaign_json({"kind": "council", "nation": "scotland"}))
    assert campaign.force_list.slug == "scottish-councils"
    assert campaign.requests.count() == 3


def test_campaign_json_takes_a_saved_lists_slug(councils, staff):
    force_list_save(
        actor=staff,
        name="Our councils",
        forces=[councils["Fife Council"], councils["Kent County Council"]],
    )
    campaign, _ = load_campaign(_campaign_json("our-councils"))
    assert set(campaign.requests.values_list("force__name", flat=True)) == {
        "Fife Council",
        "Kent County Council",
    }


@pytest.mark.parametrize(
    "bodies, message",
    [
        ({"kind": "ferry"}, 'expected {"kind"'),
        ({"kind": "council", "nation": "mars"}, "nation: expected one of"),
        ({"kind": "university"}, "no active body of that kind"),
        ("no-such-list", "no saved list with the slug 'no-such-list'"),
        (["Nowhere Council"], "Unknown force 'Nowhere Council'"),
    ],
)
def test_campaign_json_names_what_is_wrong_with_bodies(councils, bodies, message):
    with pytest.raises(CampaignJsonError, match=message.replace("{", r"\{")):
        load_campaign(_campaign_json(bodies))


def test_forces_keeps_naming_police_forces_only(councils, staff):
    bodies_import(read_bodies(b"Name,Nation\nKent,England\n", "x.csv"), kind="council", actor=None)
    text = _campaign_json(None)
    data = json.loads(text)
    del data["bodies"]
    data["forces"] = ["Kent", "Essex"]
    campaign, _ = load_campaign(json.dumps(data))
    assert set(campaign.requests.values_list("force__name", flat=True)) == {
        "Kent Police",
        "Essex Police",
    }
    data["bodies"] = ["Kent"]
    with pytest.raises(CampaignJsonError, match="give 'forces' or 'bodies', not both"):
        load_campaign(json.dumps(data))


def test_a_person_makes_a_list_by_kind_and_nation(staff_client, councils):
    response = staff_client.post(
        reverse("force_list_new"),
        {"name": "Welsh councils now", "kind": "council", "nation": "wales"},
    )
    assert response.status_code == 302
    made = ForceList.objects.get(slug="welsh-councils-now")
    assert made.computed and made.members().count() == 2
    page = staff_client.get(reverse("force_list")).content.decode()
    assert "every council in Wales" in page


def test_the_campaign_form_picks_a_saved_list(staff_client, councils):
    from requests_app.forms import CampaignForm

    form = CampaignForm(
        {
            "title": "Care",
            "request_text": "Dear {force_name}",
            "force_list": ForceList.objects.get(slug="scottish-councils").pk,
            "chase_again_after": 10,
            "rounding_rule": "half_up",
            "suppressed_lower": 1,
            "suppressed_upper": 4,
        }
    )
    assert form.is_valid(), form.errors
    assert [f.name for f in form.cleaned_data["all_forces"]] == [
        "Fife Council",
        "Highland Council",
        "Orkney Islands Council",
    ]


def test_the_api_gives_body_fields_on_every_row(staff_client, councils, campaign):
    police = staff_client.get(reverse("api_campaign_requests", args=[campaign.slug])).json()
    kent = next(r for r in police if r["force"] == "Kent Police")
    assert (kent["body"], kent["body_code"], kent["body_kind"]) == (
        "Kent Police",
        "E23000032",
        "police",
    )
    assert kent["force_code"] == "E23000032"
    council_campaign, _ = load_campaign(_campaign_json({"kind": "council", "nation": "wales"}))
    rows = staff_client.get(reverse("api_campaign_requests", args=[council_campaign.slug])).json()
    assert {(r["body"], r["body_code"], r["body_kind"]) for r in rows} == {
        ("Cardiff Council", "W06000015", "council"),
        ("Powys County Council", "W06000023", "council"),
    }


def test_the_body_page_says_what_the_body_is(staff_client, councils, forces):
    page = staff_client.get(reverse("force_detail", args=[councils["Powys County Council"].pk]))
    text = page.content.decode()
    assert 'id="body-kind">Council<' in text
    assert "requests to this council cannot be emailed" in text
    assert "No campaign has asked this council yet." in text
    police = staff_client.get(reverse("force_detail", args=[forces["Kent Police"].pk]))
    assert "body-kind" not in police.content.decode()
    assert "← Forces<" in police.content.decode()


def test_the_campaign_page_names_the_bodies(staff_client, councils):
    campaign, _ = load_campaign(_campaign_json({"kind": "council", "nation": "scotland"}))
    text = staff_client.get(campaign.get_absolute_url()).content.decode()
    assert "How each council answered" in text
    assert "Council reference" in text
    answering = staff_client.get(reverse("campaign_answering", args=[campaign.slug]))
    assert '<h1 class="h3 mb-0">How each council answered</h1>' in answering.content.decode()
    csv = b"".join(staff_client.get(reverse("campaign_requests_csv", args=[campaign.slug])))
    assert csv.decode().splitlines()[0].endswith(",body_kind")
    assert csv.decode().splitlines()[1].endswith(",council")


@pytest.mark.parametrize(
    "bodies, singular, plural, qualified",
    [
        ([], "force", "forces", "32 forces"),
        ([("police", "england"), ("police", "scotland")], "force", "forces", "32 forces"),
        ([("council", "scotland")], "council", "councils", "32 Scottish councils"),
        ([("council", "wales"), ("council", "england")], "council", "councils", "32 councils"),
        ([("nhs", "england")], "trust", "trusts", "32 English trusts"),
        ([("nhs", "scotland")], "health board", "health boards", "32 Scottish health boards"),
        (
            [("council", "wales"), ("police", "wales")],
            "authority",
            "authorities",
            "32 Welsh authorities",
        ),
    ],
)
def test_the_one_home_of_the_word(bodies, singular, plural, qualified):
    nouns = body_nouns(bodies)
    assert (nouns.singular, nouns.plural, nouns.count_qualified(32)) == (
        singular,
        plural,
        qualified,
    )
    assert nouns.count(1) == f"1 {singular}"


def test_a_kind_has_its_noun():
    assert kind_nouns("fire").plural == "fire and rescue services"
    assert kind_nouns("university").possessive == "a university's"
    assert kind_nouns("other").possessive == "an authority's"


def test_the_campaign_form_knows_a_computed_lists_bodies(staff_client, councils):
    page = staff_client.get(reverse("campaign_new")).content.decode()
    scottish = ForceList.objects.get(slug="scottish-councils")
    members = json.loads(page.split('id="list-members" type="application/json">')[1].split("<")[0])
    assert sorted(members[str(scottish.pk)]) == sorted(
        f.pk for f in councils.values() if f.country == "scotland"
    )
