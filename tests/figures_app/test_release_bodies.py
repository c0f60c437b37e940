"""Releases of a campaign to bodies other than police forces (issue 30): the payload freezes
what the bodies are called, and the page, press lines, charts, downloads and changelog say
"council"; a release frozen before (no "bodies" in its payload) reads as it always has."""

from __future__ import annotations

import pytest
from django.urls import reverse

from figures_app.models import ReleaseVersion
from figures_app.services.metrics import DimensionSpec, MetricSpec, metric_save
from figures_app.services.releases import ReleaseSpec, release_publish
from requests_app.body_lists import read_bodies
from requests_app.models import Force
from requests_app.services.bodies import bodies_import
from requests_app.services.campaigns import campaign_create
from tests.conftest import NSPCC_PERIODS

from .conftest import enter

pytestmark = pytest.mark.django_db

COUNCILS = b"""Name,GSS code
Cardiff Council,W06000015
Powys County Council,W06000023
Isle of Anglesey County Council,W06000001
"""


@pytest.fixture
def council_release(staff, reviewer):
    bodies_import(read_bodies(COUNCILS, "councils.csv"), kind="council", actor=None)
    campaign = campaign_create(
        actor=staff,
        owner=staff,
        slug="children-in-care",
        title="Children in care",
        request_text="Dear {force_name}, how many children in {periods}?",
        forces=list(Force.objects.filter(kind="council")),
        periods=NSPCC_PERIODS,
    )
    metric_save(
        campaign=campaign,
        spec=MetricSpec(
            "offences",
            "Children who started to be looked after",
            "children",
            "",
            # The shared `enter` helper's file has this column; no row fills it.
            (DimensionSpec("victim_age", "Age", None),),
        ),
    )
    enter(
        campaign,
        staff,
        [
            ("Cardiff Council", "2015/16", 120),
            ("Cardiff Council", "2016/17", 168),
            ("Powys County Council", "2015/16", 40),
            ("Powys County Council", "2016/17", 30),
            ("Isle of Anglesey County Council", "2015/16", 20),
            ("Isle of Anglesey County Council", "2016/17", "not held"),
        ],
        approve_by=reviewer,
    )
    release_publish(
        campaign=campaign,
        actor=reviewer,
        slug="care",
        spec=ReleaseSpec(title="Children in care", include_answering=True),
    )
    return campaign


def _get(client, name, *args) -> str:
    return client.get(reverse(name, args=args)).content.decode()


def test_the_payload_freezes_what_the_bodies_are_called(client, council_release):
    body = client.get(reverse("release_api", args=["care"])).json()
    assert body["bodies"] == {
        "singular": "council",
        "plural": "councils",
        "adjective": "Welsh",
        "police": False,
        "laws": ["foia"],
    }
    cardiff = next(f for f in body["metrics"][0]["forces"] if f["force"] == "Cardiff Council")
    assert (cardiff["kind"], cardiff["nation"]) == ("council", "wales")
    regions = body["metrics"][0]["regions"][0]
    assert regions["grouping"] == "Nations and regions"
    assert regions["areas"][0]["periods"][1]["coverage"] == "from 2 of 3 councils asked"


def test_the_release_page_speaks_of_councils(client, council_release):
    page = _get(client, "release_public", "care")
    for words in (
        "Each council</h3>",
        "Councils reporting",
        "Councils in both",
        "only councils with figures for both periods",
        '<th scope="col">Council</th>',
        "How each council answered</h2>",
        "Figures as recorded by the Welsh councils asked, obtained under FOIA 2000.",
        "by council",  # the chart's title
    ):
        assert words in page, words
    assert "police" not in page.lower()
    assert "Force" not in page and " forces" not in page


def test_the_council_page_and_its_press_line(client, council_release):
    page = _get(client, "release_force", "care", "W06000015")
    assert "All councils</a>" in page
    assert (
        "Cardiff Council recorded 168 children who started to be looked after in 2016/17, up "
        "from 120 in 2015/16, a rise of 40%." in page
    )
    assert (
        "Altogether, 198 children who started to be looked after in 2016/17, recorded by 2 of 3 "
        "Welsh councils asked, up 10% from 180 (3 councils) in 2015/16." in page
    )
    assert "Cardiff Council ranked 1st of the 2 councils with an exact figure" in page
    assert "from 2 of 3 councils" in page and "of 2 councils with an exact figure" in page
    assert "police" not in page.lower() and " forces" not in page


def test_the_downloads_and_the_changelog_speak_of_councils(
    client, council_release, staff, reviewer
):
    csv = client.get(reverse("release_download", args=["care", 1, "csv"])).content.decode()
    assert csv.splitlines()[0].startswith("table,metric,period,name,code")  # machine names
    assert "from 2 of 3 councils asked" in csv and "police" not in csv.lower()
    enter(council_release, staff, [("Powys County Council", "2016/17", 35)], approve_by=reviewer)
    v2 = release_publish(
        campaign=council_release,
        actor=reviewer,
        slug="care",
        spec=ReleaseSpec(),
        note="Powys corrected",
    )
    assert any("(2 councils) to 203 (2 councils)" in line for line in v2.changelog)


def test_a_release_frozen_before_issue_30_reads_as_it_always_has(client, figures, reviewer, staff):
    """A police release frozen with "bodies" reads exactly as one frozen without them (the
    payloads before issue 30), page for page and download for download."""
    release_publish(
        campaign=figures,
        actor=reviewer,
        slug="nspcc",
        spec=ReleaseSpec(title="Online child sex offences", include_answering=True),
    )
    version = ReleaseVersion.objects.get(release__slug="nspcc")
    assert version.payload["bodies"]["police"] is True
    pages = [
        ("release_public", "nspcc"),
        ("release_force", "nspcc", "E23000032"),  # Kent
        ("release_download", "nspcc", 1, "csv"),
    ]
    new = [client.get(reverse(name, args=args)).content.decode() for name, *args in pages]
    old = version.payload
    del old["bodies"]
    for metric in old["metrics"]:
        for force in metric["forces"]:
            del force["kind"], force["nation"]
    ReleaseVersion.objects.filter(pk=version.pk).update(payload=old)
    before = [client.get(reverse(name, args=args)).content.decode() for name, *args in pages]
    assert before == new
    page, kent, _csv = before
    assert "Police recorded figures obtained under FOIA 2000 and FOISA 2002." in page
    assert "Each force</h3>" in page and "Forces reporting" in page
    assert "How each force answered" in page
    assert "Nationally, police recorded" in kent and "All forces</a>" in kent
    assert "ONS police regions" in _csv


def test_the_release_form_speaks_of_councils(client, council_release, reviewer):
    client.force_login(reviewer)
    page = _get(client, "release_prepare", council_release.slug)
    assert "Nations and regions only" in page
    assert "Caveats per council" in page and "Include how each council answered" in page
    assert "police" not in page.lower()
