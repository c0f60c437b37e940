"""Matching the loose ways forces are named in input (issue 2, section 2)."""

import pytest

from requests_app.force_names import ForceNameError, ForceResolver, core, normalise, resolve_force
from requests_app.models import Force, ForceAlias


@pytest.mark.parametrize(
    "name, official",
    [
        ("Kent Police", "Kent Police"),
        ("Kent", "Kent Police"),
        ("kent police", "Kent Police"),
        ("  KENT  ", "Kent Police"),
        ("E23000032", "Kent Police"),
        ("e23000032", "Kent Police"),
        ("Devon and Cornwall", "Devon and Cornwall Police"),
        ("Devon & Cornwall Police", "Devon and Cornwall Police"),
        ("devon&cornwall", "Devon and Cornwall Police"),
        ("Met", "Metropolitan Police Service"),
        ("Met Police", "Metropolitan Police Service"),
        ("Metropolitan Police", "Metropolitan Police Service"),
        ("E23000001", "Metropolitan Police Service"),
        ("Hampshire Constabulary", "Hampshire and Isle of Wight Constabulary"),
        ("Hampshire", "Hampshire and Isle of Wight Constabulary"),
        ("Hampshire & IOW", "Hampshire and Isle of Wight Constabulary"),
        ("Wiltshire Constabulary", "Wiltshire Police"),
        ("Dyfed Powys", "Dyfed-Powys Police"),
        ("dyfed-powys police", "Dyfed-Powys Police"),
        ("W15000004", "Dyfed-Powys Police"),
        ("North Wales", "North Wales Police"),
        ("City of London", "City of London Police"),
        ("Greater Manchester", "Greater Manchester Police"),
        ("GMP", "Greater Manchester Police"),
        ("Northants", "Northamptonshire Police"),
        ("Avon & Somerset Constabulary", "Avon and Somerset Constabulary"),
        ("PSNI", "Police Service of Northern Ireland"),
        ("Police Service of Scotland", "Police Scotland"),
        ("BTP", "British Transport Police"),
        ("MoD Police", "Ministry of Defence Police"),
        ("Ministry of Defence Police", "Ministry of Defence Police"),
        ("CNC", "Civil Nuclear Constabulary"),
        ("West Midlands", "West Midlands Police"),
        ("West Mercia", "West Mercia Police"),
    ],
)
def test_it_resolves_loose_names(db, name, official):
    assert resolve_force(name).name == official


def test_it_resolves_every_official_name_short_name_and_code_to_its_own_force(db):
    resolver = ForceResolver()
    for force in Force.objects.all():
        assert resolver.resolve(force.name) == force
        assert resolver.resolve(force.short_name) == force
        assert resolver.resolve(force.name.upper()) == force
        if force.ons_code:
            assert resolver.resolve(force.ons_code) == force


def test_it_matches_a_former_name(db):
    alias = ForceAlias.objects.get(name="Hampshire Constabulary")
    assert alias.is_former_name
    assert alias.force.name == "Hampshire and Isle of Wight Constabulary"


@pytest.mark.parametrize(
    "name, suggestion",
    [
        ("Kentt Police", "Kent Police"),
        ("Devon and Cornwal", "Devon and Cornwall Police"),
        ("Lancashir", "Lancashire Constabulary"),
        ("Sufolk", "Suffolk Constabulary"),
    ],
)
def test_it_lists_the_closest_matches_for_an_unknown_name(db, name, suggestion):
    with pytest.raises(ForceNameError) as exc:
        resolve_force(name)
    assert suggestion in exc.value.suggestions
    assert exc.value.suggestions[0] == suggestion
    assert len(exc.value.suggestions) <= 3
    assert "Unknown force" in str(exc.value) and suggestion in str(exc.value)


@pytest.mark.parametrize("name", ["", "   ", "Gotham City Police", "Jersey"])
def test_it_refuses_names_it_cannot_match(db, name):
    with pytest.raises(ForceNameError):
        resolve_force(name)


def test_it_refuses_an_ambiguous_name_listing_both_forces(db):
    ForceAlias.objects.create(force=Force.objects.get(name="North Wales Police"), name="Wales")
    ForceAlias.objects.create(force=Force.objects.get(name="South Wales Police"), name="Wales")
    with pytest.raises(ForceNameError) as exc:
        ForceResolver().resolve("wales")
    assert exc.value.suggestions == ["North Wales Police", "South Wales Police"]
    assert "more than one force" in str(exc.value)
    # Unambiguous names still resolve.
    assert ForceResolver().resolve("North Wales").name == "North Wales Police"


def test_it_loads_the_registry_in_a_constant_number_of_queries(db, django_assert_num_queries):
    with django_assert_num_queries(2):
        resolver = ForceResolver()
    with django_assert_num_queries(0):
        resolver.resolve("Kent")
        resolver.resolve("Met")


def test_it_normalises_case_punctuation_and_filler_words():
    assert normalise("Devon & Cornwall  Police.") == "devon and cornwall police"
    assert core("The Devon & Cornwall Constabulary") == "devon cornwall"
    assert core("Dyfed-Powys Police") == "dyfed powys"
