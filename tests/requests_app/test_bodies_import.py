"""Importing a list of public bodies (issue 30): `import_bodies` and its staff page."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import Workbook

from requests_app.body_lists import BodyFileError, read_bodies
from requests_app.models import Force, ForceAddressChange, ForceAlias
from requests_app.services.bodies import bodies_import

pytestmark = pytest.mark.django_db

# 300 made-up English councils with GSS-like codes, then a Scottish and a Welsh one.
MANY = 300


def _awkward_csv(*, refused_at: int | None = None, duplicate: bool = True) -> bytes:
    """A council list as people have them: a BOM, headers in mixed case with trailing spaces
    ("GSS Code "), a title line above the header, an alias column, a repeated line."""
    lines = [
        "Councils in the UK (list made by hand),,,,",
        "Public Authority ,GSS Code ,Country,FOI Email, Also Known As",
    ]
    for i in range(1, MANY + 1):
        lines.append(
            f"Borough of Testshire {i:03d},E0700{i:04d},England,foi{i}@council{i}.example.org,"
        )
    lines.append("Fife Council,S12000047,Scotland,foi@fife.example.org,Fife")
    lines.append('"Cardiff",W06000015,Wales,foi@cardiff.example.org,"Cyngor Caerdydd; Cardiff"')
    if duplicate:
        lines.append("Fife Council,S12000047,Scotland,foi@fife.example.org,Fife")
    if refused_at is not None:
        lines.insert(refused_at - 1, "Broken Council,E07000XYZ1,England,not-an-email,")
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8")


def _import(data: bytes, name: str = "councils.csv", **kwargs):
    return bodies_import(read_bodies(data, name), kind="council", actor=None, **kwargs)


def test_it_imports_a_long_list_with_awkward_headers():
    police = Force.objects.count()
    report = _import(_awkward_csv())
    assert report.written
    assert report.counts["created"] == MANY + 2
    assert report.counts["duplicate"] == 1
    assert not report.refused
    assert Force.objects.count() == police + MANY + 2
    fife = Force.objects.get(ons_code="S12000047")
    assert (fife.name, fife.kind, fife.country, fife.law) == (
        "Fife Council",
        "council",
        "scotland",
        "foisa",
    )
    cardiff = Force.objects.get(ons_code="W06000015")
    assert (cardiff.country, cardiff.law, cardiff.foi_email) == (
        "wales",
        "foia",
        "foi@cardiff.example.org",
    )
    assert set(cardiff.aliases.values_list("name", flat=True)) == {"Cyngor Caerdydd", "Cardiff"}
    # Each new address has its audit row, as every address change does.
    assert ForceAddressChange.objects.filter(force=cardiff, via="import").count() == 1
    # The police forces are as they were.
    assert Force.objects.filter(kind="police").count() == police


def test_running_it_twice_changes_nothing():
    _import(_awkward_csv())
    before = (Force.objects.count(), ForceAlias.objects.count(), ForceAddressChange.objects.count())
    report = _import(_awkward_csv())
    assert report.counts["unchanged"] == MANY + 2
    assert report.counts["created"] == report.counts["updated"] == 0
    after = (Force.objects.count(), ForceAlias.objects.count(), ForceAddressChange.objects.count())
    assert after == before


def test_a_refused_line_writes_nothing_and_is_named_by_its_line():
    police = Force.objects.count()
    report = _import(_awkward_csv(refused_at=120))
    assert not report.written
    assert [(line.line, line.outcome) for line in report.refused] == [(120, "refused")]
    assert "E07000XYZ1" in report.refused[0].detail
    assert "Nothing was written" in report.summary()
    assert Force.objects.count() == police


def test_a_line_that_contradicts_an_earlier_one_is_refused():
    data = b"Name,Code\nFife Council,S12000047\nFife,S12000047\n"
    report = _import(data)
    assert [(line.line, line.detail) for line in report.refused] == [
        (3, "line 2 already gives this code.")
    ]


def test_it_matches_by_code_then_name_and_updates_what_changed():
    _import(b"Name,GSS code,Email\nFife Council,S12000047,\nHighland,S12000017,\n")
    report = _import(
        b"Authority,GSS code,FOI email,also known as\n"
        b"Fife,S12000047,foi@fife.example.org,\n"  # by code: renamed, address set
        b"Highland Council,,,The Highland Council\n"  # by name (less "Council")
    )
    assert [(line.outcome, line.detail) for line in report.lines] == [
        ("updated", "renamed from Fife Council; FOI address foi@fife.example.org"),
        ("updated", "also known as Highland Council; also known as The Highland Council"),
    ]
    fife = Force.objects.get(ons_code="S12000047")
    assert fife.name == "Fife"
    assert fife.aliases.get(name="Fife Council").is_former_name
    # A loose match by name keeps the body's name: the list's spelling becomes another name.
    assert Force.objects.get(ons_code="S12000017").name == "Highland"
    assert _import(b"Authority\nHighland Council\n").counts["unchanged"] == 1


def test_it_does_not_take_a_council_for_the_police_force_of_the_same_place():
    # "Kent" is Kent Police's short name, but a council list's "Kent" is a new council.
    report = _import(b"Name,Nation\nKent,England\n")
    assert report.counts["created"] == 1
    assert Force.objects.get(name="Kent").kind == "council"
    assert Force.objects.get(name="Kent Police").kind == "police"
    # A second body of the very same name is refused: names are unique.
    report = _import(b"Name,Nation\nKent Police,England\n")
    assert report.refused[0].detail.startswith("a police force is already called Kent Police")


def test_a_police_code_in_a_council_list_is_refused():
    report = _import(b"Name,Code\nSomewhere,E23000032\n")
    assert "Kent Police's, a police force, not a council" in report.refused[0].detail


def test_it_needs_a_nation_from_somewhere():
    report = _import(b"Name,Code\nSomewhere Council,X1\n")
    assert report.refused[0].detail.startswith("no nation")
    report = _import(b"Name,Code\nSomewhere Council,X1\n", nation="england")
    assert report.written


def test_it_reads_xlsx_and_named_columns():
    book = Workbook()
    sheet = book.active
    sheet.append(["LA", "Ref", "Where"])
    sheet.append(["Orkney Islands", "S12000023", "Scotland"])
    out = io.BytesIO()
    book.save(out)
    rows = read_bodies(
        out.getvalue(),
        "councils.xlsx",
        overrides={"name": "la", "code": "REF ", "nation": "Where"},
    )
    assert [(r.line, r.name, r.code, r.nation) for r in rows] == [
        (2, "Orkney Islands", "S12000023", "Scotland")
    ]


def test_it_reads_ons_geography_headers():
    rows = read_bodies(b"LAD24CD,LAD24NM,LAD24NMW\nW06000001,Isle of Anglesey,Ynys Mon\n", "x.csv")
    assert [(r.name, r.code) for r in rows] == [("Isle of Anglesey", "W06000001")]


def test_it_says_which_column_it_could_not_find():
    with pytest.raises(BodyFileError, match="No column names the bodies"):
        read_bodies(b"Thing,Other\nA,B\n", "x.csv")
    with pytest.raises(BodyFileError, match="No column called 'Council title'"):
        read_bodies(b"Name,Other\nA,B\n", "x.csv", overrides={"code": "Council title"})


def test_the_command_reports_and_refuses(tmp_path):
    path = tmp_path / "councils.csv"
    path.write_bytes(b"Name,GSS Code\nFife Council,S12000047\nBad,!!\n")
    with pytest.raises(CommandError, match="1 refused. Nothing was written"):
        call_command("import_bodies", str(path), "--kind", "council", stdout=io.StringIO())
    assert not Force.objects.filter(ons_code="S12000047").exists()
    path.write_bytes(b"Council name,GSS Code\nFife Council,S12000047\n")
    out = io.StringIO()
    call_command("import_bodies", str(path), "--kind", "council", stdout=out)
    assert "line 2: created Fife Council" in out.getvalue()
    out = io.StringIO()
    call_command("import_bodies", str(path), "--kind", "council", stdout=out)
    assert "0 created, 0 updated, 1 unchanged" in out.getvalue()


def test_the_staff_page_imports_and_shows_the_report(staff_client):
    upload = SimpleUploadedFile("councils.csv", b"Authority,GSS code\nFife Council,S12000047\n")
    response = staff_client.post(reverse("bodies_import"), {"file": upload, "kind": "council"})
    assert response.status_code == 200
    assert "1 created" in response.content.decode()
    assert Force.objects.get(ons_code="S12000047").law == "foisa"


def test_the_staff_page_shows_refused_lines_with_400(staff_client):
    upload = SimpleUploadedFile("councils.csv", b"Authority,GSS code\n,S12000047\n")
    response = staff_client.post(reverse("bodies_import"), {"file": upload, "kind": "council"})
    assert response.status_code == 400
    assert "Refused: nothing written" in response.content.decode()
    assert not Force.objects.filter(ons_code="S12000047").exists()


def test_a_reviewer_alone_cannot_import(client):
    from requests_app.roles import REVIEWER
    from tests.factories import UserFactory

    client.force_login(UserFactory(username="rita", roles=[REVIEWER]))
    assert client.get(reverse("bodies_import")).status_code == 403


def test_it_reads_semicolons_and_tabs_where_a_file_uses_them():
    assert [r.name for r in read_bodies(b"Name;Code\nFife;S12000047\n", "x.csv")] == ["Fife"]
    assert [r.code for r in read_bodies(b"Name\tCode\nFife\tS12000047\n", "x.csv")] == ["S12000047"]
    rows = read_bodies(b'Name,Also known as\nCardiff,"Caerdydd; Cardiff Council"\n', "x.csv")
    assert rows[0].aliases == ["Caerdydd", "Cardiff Council"]


def test_it_reads_a_mysociety_style_council_list():
    data = (
        b"local-authority-code,official-name,nice-name,gss-code,nation,region\n"
        b"ABE,Aberdeen City Council,Aberdeen,S12000033,Scotland,\n"
        b"CRF,Cardiff Council,Cardiff,W06000015,Wales,\n"
    )
    report = _import(data)
    assert report.counts["created"] == 2
    aberdeen = Force.objects.get(ons_code="S12000033")
    assert (aberdeen.name, aberdeen.short_name, aberdeen.law) == (
        "Aberdeen City Council",
        "Aberdeen",
        "foisa",
    )
