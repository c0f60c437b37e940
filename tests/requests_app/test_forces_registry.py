"""The forces registry the data migration loads (DOMAIN.md section 6)."""

import pytest

from requests_app.models import Force, ForceList

# A sample of codes from DOMAIN.md section 6, including all four Welsh forces.
CODES = {
    "Dyfed-Powys Police": "W15000004",
    "Gwent Police": "W15000002",
    "North Wales Police": "W15000001",
    "South Wales Police": "W15000003",
    "Metropolitan Police Service": "E23000001",
    "City of London Police": "E23000034",
    "Kent Police": "E23000032",
    "Devon and Cornwall Police": "E23000035",
    "Hampshire and Isle of Wight Constabulary": "E23000030",
    "Northamptonshire Police": "E23000022",
    "Cumbria Constabulary": "E23000002",
    "Dorset Police": "E23000039",
    "Thames Valley Police": "E23000029",
    "Cleveland Police": "E23000013",
    "Durham Constabulary": "E23000008",
    "Northumbria Police": "E23000007",
    "West Midlands Police": "E23000014",
    "Wiltshire Police": "E23000038",
}


def test_it_has_48_forces_after_migrate(db):
    assert Force.objects.count() == 48
    assert Force.objects.filter(active=True).count() == 48


@pytest.mark.parametrize("name, code", CODES.items())
def test_it_has_the_ons_code_from_the_domain_notes(db, name, code):
    assert Force.objects.get(name=name).ons_code == code


def test_it_has_43_england_and_wales_codes_all_distinct(db):
    ew = Force.objects.filter(country__in=["england", "wales"])
    assert ew.count() == 43
    codes = list(ew.values_list("ons_code", flat=True))
    assert len(set(codes)) == 43
    assert sum(c.startswith("E23") for c in codes) == 39
    assert sum(c.startswith("W15") for c in codes) == 4


@pytest.mark.parametrize(
    "slug, size", [("england-and-wales", 43), ("uk-territorial", 45), ("all", 48)]
)
def test_it_has_the_builtin_lists(db, slug, size):
    force_list = ForceList.objects.get(slug=slug)
    assert force_list.builtin
    assert force_list.forces.count() == size


def test_it_puts_the_right_forces_in_each_list(db):
    ew = set(ForceList.objects.get(slug="england-and-wales").forces.values_list("name", flat=True))
    uk = set(ForceList.objects.get(slug="uk-territorial").forces.values_list("name", flat=True))
    everyone = set(ForceList.objects.get(slug="all").forces.values_list("name", flat=True))
    assert uk - ew == {"Police Scotland", "Police Service of Northern Ireland"}
    assert everyone - uk == {
        "British Transport Police",
        "Ministry of Defence Police",
        "Civil Nuclear Constabulary",
    }
    assert "Kent Police" in ew and "Police Scotland" not in ew


def test_it_puts_police_scotland_alone_under_foisa(db):
    assert list(Force.objects.filter(law="foisa").values_list("name", flat=True)) == [
        "Police Scotland"
    ]
    assert Force.objects.get(name="Police Service of Northern Ireland").law == "foia"
    assert Force.objects.get(name="British Transport Police").law == "foia"


def test_it_leaves_national_forces_without_an_area_code(db):
    for name in (
        "British Transport Police",
        "Ministry of Defence Police",
        "Civil Nuclear Constabulary",
    ):
        assert Force.objects.get(name=name).ons_code == ""


def test_it_keeps_hampshire_s_former_name(db):
    hampshire = Force.objects.get(ons_code="E23000030")
    assert hampshire.aliases.filter(name="Hampshire Constabulary", is_former_name=True).exists()
