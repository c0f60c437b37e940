"""Releases: freezing, versions and changelog, embargo, the public pages and API, permissions,
regions, the command, and the demo's NSPCC release ("Done means" of the issue)."""

from __future__ import annotations

import io
import json
import re
from datetime import date

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from figures_app.models import Release, ReleaseVersion
from figures_app.services.releases import (
    ReleaseError,
    ReleaseSpec,
    force_grouping_set,
    release_publish,
)
from requests_app.models import Campaign
from requests_app.text import long_date
from tests.factories import UserFactory
from tests.figures_app.release_helpers import at

from .conftest import enter

pytestmark = pytest.mark.django_db


def publish(campaign, reviewer, slug="nspcc", **kwargs):
    spec = kwargs.pop("spec", ReleaseSpec(title="Online child sex offences"))
    return release_publish(campaign=campaign, actor=reviewer, slug=slug, spec=spec, **kwargs)


def api(client, slug="nspcc", **params):
    return client.get(reverse("release_api", args=[slug]), params)


def kent(body):
    return next(f for f in body["metrics"][0]["forces"] if f["force"] == "Kent Police")


# --- freezing and versions ---------------------------------------------------------------------


def test_it_freezes_the_figures_and_a_correction_is_a_new_version(client, figures, staff, reviewer):
    with time_machine.travel(at(2017, 6, 1, 9), tick=False) as clock:
        v1 = publish(figures, reviewer)
        assert v1.number == 1 and v1.changelog == []
        body = api(client).json()
        assert kent(body)["values"] == {"2015/16": 63, "2016/17": 361}
        assert body["metrics"][0]["periods"][1]["total"] == 361 + 30 + 7

        clock.move_to(at(2017, 7, 3, 10))
        enter(figures, staff, [("Kent", "2016/17", 316)], approve_by=reviewer)
        # Published figures do not move.
        assert kent(api(client).json())["values"]["2016/17"] == 361
        page = client.get(reverse("release_public", args=["nspcc"])).content.decode()
        assert "361" in page and "316" not in page

        clock.move_to(at(2017, 7, 4, 10))
        v2 = publish(figures, reviewer, spec=ReleaseSpec(), note="Kent corrected its figure")
        assert v2.number == 2
        assert (
            "2016/17 Kent corrected from 361 to 316, 3 July 2042, reason Kent corrected its "
            "figure." in v2.changelog
        )
        assert (
            "2016/17 national total revised from 398 (4 forces) to 353 (4 forces), 4 July 2042, "
            "reason Kent corrected its figure." in v2.changelog
        )
        body = api(client).json()
        assert body["version"] == 2 and kent(body)["values"]["2016/17"] == 316
        assert body["changelog"] == v2.changelog
        # The earlier version stays at its address, with a notice pointing to the latest.
        assert kent(api(client, version=1).json())["values"]["2016/17"] == 361
        old = client.get(reverse("release_version", args=["nspcc", 1])).content.decode()
        assert 'id="older-version"' in old and reverse("release_version", args=["nspcc", 2]) in old
        latest = client.get(reverse("release_public", args=["nspcc"])).content.decode()
        assert 'id="older-version"' not in latest and "corrected from 361 to 316" in latest


def test_it_keeps_the_previous_versions_choices_for_the_next(figures, reviewer):
    publish(
        figures,
        reviewer,
        spec=ReleaseSpec(title="T", methodology="**How**", caveats={"E23000032": ["Kent caveat"]}),
    )
    v2 = publish(figures, reviewer, spec=ReleaseSpec(), note="again")
    assert v2.methodology == "**How**" and v2.caveats == {"E23000032": ["Kent caveat"]}
    assert v2.changelog == ["Republished with no change to the figures, reason again."]
    assert kent(v2.payload)["caveats"] == ["Kent caveat"]


def test_it_refuses_bad_input_naming_the_field(figures, reviewer, staff):
    with pytest.raises(ReleaseError, match="Slug") as error:
        publish(figures, reviewer, slug="Not a slug")
    assert error.value.field == "slug"
    with pytest.raises(ReleaseError, match="Title"):
        publish(figures, reviewer, spec=ReleaseSpec(title=" "))
    with pytest.raises(ReleaseError, match="unknown nope"):
        publish(figures, reviewer, spec=ReleaseSpec(title="T", metric_slugs=["nope"]))
    with pytest.raises(ReleaseError, match="Periods"):
        publish(figures, reviewer, spec=ReleaseSpec(title="T", period_labels=["1999"]))
    other = Campaign.objects.create(slug="other", title="Other", request_text="x")
    publish(figures, reviewer)
    with pytest.raises(ReleaseError, match="another campaign"):
        publish(other, reviewer)
    assert ReleaseVersion.objects.count() == 1


def test_it_publishes_nothing_without_approved_figures(campaign, metric, staff, reviewer):
    enter(campaign, staff, [("Kent", "2016/17", 361)])  # entered, not approved
    with pytest.raises(ReleaseError, match="no approved figure"):
        publish(campaign, reviewer)
    assert not Release.objects.exists()


def test_only_approved_figures_are_frozen(figures, staff, reviewer):
    enter(figures, staff, [("Sussex", "2016/17", 500)])  # waiting for review
    body = publish(figures, reviewer).payload
    sussex = next(f for f in body["metrics"][0]["forces"] if f["force"] == "Sussex Police")
    assert sussex["values"]["2016/17"] is None
    assert body["metrics"][0]["periods"][1]["total"] == 398
    # The public reason says the figure is not in the release, not where it is in the review.
    assert sussex["reasons"]["2016/17"] == "received, not yet checked for this release"
    assert "awaiting review" not in json.dumps(body)


# --- embargo -------------------------------------------------------------------------------------


def test_an_embargoed_release_is_a_404_to_the_public_until_its_time(client, figures, reviewer):
    with time_machine.travel(at(2017, 5, 31, 12), tick=False):
        publish(figures, reviewer, publish_at=at(2017, 6, 1, 0, 1))
        missing = client.get(reverse("release_public", args=["no-such-release"]))
        for url in (
            reverse("release_public", args=["nspcc"]),
            reverse("release_version", args=["nspcc", 1]),
            reverse("release_force", args=["nspcc", "E23000032"]),
            reverse("release_download", args=["nspcc", 1, "csv"]),
            reverse("release_chart", args=["nspcc", 1, "offences", "periods", "png"]),
        ):
            response = client.get(url)
            assert response.status_code == missing.status_code == 404, url
            assert b"361" not in response.content
        assert api(client).status_code == 404
        assert api(client).json() == {"error": "No published release 'nspcc'."}
    with time_machine.travel(at(2017, 6, 1, 0, 1), tick=False):
        assert client.get(reverse("release_public", args=["nspcc"])).status_code == 200
        assert api(client).json()["version"] == 1


def test_staff_preview_an_embargoed_release_privately(client, figures, reviewer, staff):
    with time_machine.travel(at(2017, 5, 31, 12), tick=False):
        publish(figures, reviewer, publish_at=at(2017, 6, 1, 0, 1))
        client.force_login(staff)
        response = client.get(reverse("release_preview", args=["nspcc"]))
        assert response.status_code == 302 and response["Location"].endswith("/v1/")
        page = client.get(response["Location"])
        assert page.status_code == 200 and 'id="preview-banner"' in page.content.decode()
        assert page["Cache-Control"] == "private, no-store"
        assert client.get(reverse("release_download", args=["nspcc", 1, "json"])).status_code == 200
        # The API is the public's: staff get the same 404 before the embargo lifts.
        assert api(client).status_code == 404


def test_a_later_embargoed_version_leaves_the_public_on_the_earlier_one(
    client, figures, reviewer, staff
):
    with time_machine.travel(at(2017, 6, 1, 9), tick=False):
        publish(figures, reviewer)
        enter(figures, staff, [("Kent", "2016/17", 316)], approve_by=reviewer)
        publish(figures, reviewer, spec=ReleaseSpec(), note="fix", publish_at=at(2017, 7, 1, 9))
        assert api(client).json()["version"] == 1
        assert api(client, version=2).status_code == 404
        assert client.get(reverse("release_version", args=["nspcc", 2])).status_code == 404
    with time_machine.travel(at(2017, 7, 1, 9), tick=False):
        assert api(client).json()["version"] == 2


# --- the public pages ----------------------------------------------------------------------------


def test_public_pages_and_downloads_need_no_login(client, figures, reviewer):
    publish(figures, reviewer, spec=ReleaseSpec(title="T", caveats={"E23000032": ["Kent note"]}))
    urls = [
        reverse("release_public", args=["nspcc"]),
        reverse("release_version", args=["nspcc", 1]),
        reverse("release_force", args=["nspcc", "E23000032"]),
        reverse("release_version_force", args=["nspcc", 1, "E23000032"]),
        reverse("release_download", args=["nspcc", 1, "csv"]),
        reverse("release_download", args=["nspcc", 1, "xlsx"]),
        reverse("release_download", args=["nspcc", 1, "json"]),
        reverse("release_chart", args=["nspcc", 1, "offences", "forces", "svg"]),
        reverse("release_chart", args=["nspcc", 1, "offences", "forces", "png"]),
        reverse("release_api", args=["nspcc"]),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
    png = client.get(urls[8]).content
    assert png.startswith(b"\x89PNG")
    svg = client.get(urls[7])
    assert svg["Content-Type"] == "image/svg+xml" and b"Kent *" in svg.content
    csv = client.get(urls[4]).content.decode()
    assert "caveat: Kent note" in csv
    assert "Kent Police recorded 361" in csv
    assert client.get(reverse("release_download", args=["nspcc", 1, "exe"])).status_code == 404
    assert client.get(reverse("release_force", args=["nspcc", "E99999999"])).status_code == 404


def test_the_force_page_gives_the_press_line_rank_caveats_and_region(client, figures, reviewer):
    publish(figures, reviewer, spec=ReleaseSpec(title="T", caveats={"E23000032": ["Kent note"]}))
    page = client.get(reverse("release_force", args=["nspcc", "E23000032"])).content.decode()
    assert (
        "Kent Police recorded 361 online-flagged child sex offences in 2016/17, up from 63 in "
        "2015/16, a rise of 473%." in page
    )
    assert "Nationally, police recorded 398 online-flagged child sex offences in 2016/17" in page
    assert "rank 1 of 3 forces" in page
    assert "Kent note" in page and "South East" in page


def test_the_api_gives_the_fields_the_issue_lists(client, figures, reviewer):
    publish(figures, reviewer, spec=ReleaseSpec(title="T", include_answering=True))
    body = api(client).json()
    assert set(body) == {
        "slug",
        "title",
        "version",
        "published_at",
        "methodology",
        "changelog",
        "metrics",
        "answering",
        "bodies",  # what the bodies are called (issue 30)
    }
    assert body["bodies"]["police"] is True and body["bodies"]["plural"] == "forces"
    metric = body["metrics"][0]
    for key in ("metric", "forces_asked", "periods", "changes", "breakdown", "headlines"):
        assert key in metric
    assert {"caveats", "press_line"} <= set(metric["forces"][0])
    assert metric["regions"][0]["grouping"] == "ONS police regions"
    assert {"method", "forces"} == set(body["answering"])
    assert api(client, version="x").status_code == 400
    assert api(client, version=9).status_code == 404


def test_the_methodology_is_sanitised(client, figures, reviewer):
    publish(
        figures,
        reviewer,
        spec=ReleaseSpec(
            title="T",
            methodology="**Asked** every force.\n\n<script>alert(1)</script>\n\n"
            "[x](javascript:alert(2)) ![i](http://example.org/i.png)",
        ),
    )
    page = client.get(reverse("release_public", args=["nspcc"])).content.decode()
    assert "<strong>Asked</strong>" in page
    assert "&lt;script&gt;alert(1)" in page  # shown as text, never run
    assert "<script" not in page and 'href="javascript' not in page and "<img" not in page


def test_the_release_page_uses_constant_queries(client, figures, reviewer):
    publish(figures, reviewer)
    url = reverse("release_public", args=["nspcc"])
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    enter(figures, UserFactory(roles=["staff"]), [("Dorset", "2016/17", 9)], approve_by=reviewer)
    publish(figures, reviewer, spec=ReleaseSpec(), note="more")
    with CaptureQueriesContext(connection) as bigger:
        client.get(url)
    assert len(bigger) == len(small) <= 6


# --- regions -------------------------------------------------------------------------------------


def test_regions_state_their_coverage_and_custom_groupings_work(client, figures, reviewer, staff):
    force_grouping_set(
        campaign=figures,
        actor=staff,
        grouping="Charity areas",
        text="South: Kent, Surrey, Sussex\nNorth: Cumbria",
    )
    body = publish(figures, reviewer, spec=ReleaseSpec(title="T", regions_grouping="Charity areas"))
    groupings = {g["grouping"]: g for g in body.payload["metrics"][0]["regions"]}
    south_east = next(
        a for a in groupings["ONS police regions"]["areas"] if a["area"] == "South East"
    )
    p17 = south_east["periods"][1]
    assert (p17["total"], p17["forces_reporting"]) == (391, 2)
    assert p17["coverage"] == "from 2 of 5 forces asked"
    areas = {a["area"]: a for a in groupings["Charity areas"]["areas"]}
    assert areas["South"]["periods"][1]["coverage"] == "from 2 of 3 forces asked"
    assert areas["North"]["periods"][0]["total"] is None  # Cumbria: not held, never 0
    assert areas["Not in an area"]["forces_asked"] == 43 - 4
    page = client.get(reverse("release_public", args=["nspcc"])).content.decode()
    assert "Regional totals: Charity areas" in page and "from 2 of 3 forces asked" in page


def test_a_grouping_refuses_a_force_in_two_areas_naming_the_line(figures, staff, reviewer):
    with pytest.raises(ReleaseError, match="line 2: Kent Police is already in 'A'"):
        force_grouping_set(campaign=figures, actor=staff, grouping="G", text="A: Kent\nB: Kent")
    with pytest.raises(ReleaseError, match="line 1: Unknown force"):
        force_grouping_set(campaign=figures, actor=staff, grouping="G", text="A: Atlantis")
    with pytest.raises(ReleaseError, match="Regions"):
        publish(figures, reviewer, spec=ReleaseSpec(title="T", regions_grouping="G"))


# --- permissions ---------------------------------------------------------------------------------


def test_only_a_reviewer_may_publish_in_the_service(figures, staff):
    with pytest.raises(PermissionDenied):
        publish(figures, staff)
    assert not Release.objects.exists()


def test_staff_without_the_reviewer_role_cannot_publish_from_the_web(client, figures, staff):
    client.force_login(staff)
    url = reverse("release_prepare", args=[figures.slug])
    assert client.get(url).status_code == 403
    assert client.post(url, {"title": "T", "slug": "t"}).status_code == 403
    assert client.get(reverse("campaign_release_list", args=[figures.slug])).status_code == 200


def test_a_reviewer_publishes_from_the_web(client, figures, reviewer):
    client.force_login(reviewer)
    url = reverse("release_prepare", args=[figures.slug])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "title": "Online child sex offences",
            "slug": "ocso",
            "metrics": ["offences"],
            "periods": ["2015/16", "2016/17"],
            "methodology": "Asked all 43.",
            "caveats": "Kent: counted twice\nnot a caveat line",
            "include_answering": "on",
        },
    )
    assert response.status_code == 400
    assert "Caveats, line 2" in response.content.decode()
    response = client.post(
        url,
        {
            "title": "Online child sex offences",
            "slug": "ocso",
            "metrics": ["offences"],
            "periods": ["2015/16", "2016/17"],
            "caveats": "Kent: counted twice",
            "include_answering": "on",
        },
    )
    assert response.status_code == 302
    version = ReleaseVersion.objects.get()
    assert version.published_by == reviewer and version.include_answering
    assert version.caveats == {"E23000032": ["counted twice"]}
    listing = client.get(reverse("campaign_release_list", args=[figures.slug])).content.decode()
    assert "Online child sex offences" in listing
    # The next version: the slug stays, the reason is required.
    next_url = url + "?release=ocso"
    form = client.get(next_url).content.decode()
    assert "Kent Police: counted twice" in form
    assert (
        client.post(
            next_url, {"title": "T2", "metrics": ["offences"], "periods": ["2016/17"]}
        ).status_code
        == 400
    )
    response = client.post(
        next_url,
        {"title": "T2", "metrics": ["offences"], "periods": ["2016/17"], "note": "one year"},
    )
    assert response.status_code == 302
    assert ReleaseVersion.objects.get(number=2).periods == ["2016/17"]


def test_a_reviewer_schedules_a_release_from_the_web(client, figures, reviewer):
    with time_machine.travel(at(2017, 5, 31, 12), tick=False):
        client.force_login(reviewer)
        response = client.post(
            reverse("release_prepare", args=[figures.slug]),
            {
                "title": "T",
                "slug": "later",
                "metrics": ["offences"],
                "periods": ["2015/16", "2016/17"],
                "publish_at": "2042-06-01T00:01",
            },
        )
        assert response.status_code == 302
        assert ReleaseVersion.objects.get().publish_at == at(2017, 6, 1, 0, 1)
        client.logout()
        assert client.get(reverse("release_public", args=["later"])).status_code == 404


def test_staff_pages_need_login(client, figures):
    for name in ("campaign_release_list", "release_prepare", "campaign_groupings"):
        response = client.get(reverse(name, args=[figures.slug]))
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_staff_save_a_custom_grouping_from_the_web(client, figures, staff):
    client.force_login(staff)
    url = reverse("campaign_groupings", args=[figures.slug])
    assert client.get(url).status_code == 200
    response = client.post(url, {"grouping": "Areas", "areas": "South: Kent, the Met"})
    assert response.status_code == 302
    bad = client.post(url, {"grouping": "Areas", "areas": "South: Kent\nEast: Kent"})
    assert bad.status_code == 400 and "already in" in bad.content.decode()


# --- the command ---------------------------------------------------------------------------------


# --- the demo: the issue's "Done means" ----------------------------------------------------------


@pytest.fixture
def demo(db, settings):
    settings.DEBUG = True  # load_demo refuses to run with DEBUG off
    call_command("load_demo", stdout=io.StringIO())
    return Campaign.objects.get(slug="nspcc-online-child-sex-offences-2017")


def test_the_demo_nspcc_release_shows_the_national_figures_and_kent(
    client, demo, django_user_model
):
    riley = django_user_model.objects.get(username="riley")
    call_command(
        "publish_release",
        demo.slug,
        "--slug",
        "nspcc-2017",
        "--title",
        "Online child sex offences, 2016/17",
        "--user",
        "riley",
        stdout=io.StringIO(),
    )
    assert ReleaseVersion.objects.get().published_by == riley
    page = client.get(reverse("release_public", args=["nspcc-2017"])).content.decode()
    assert "5,653" in page and "38 of 43" in page and "+44%" in page
    kent_page = client.get(reverse("release_force", args=["nspcc-2017", "E23000032"]))
    assert (
        "Kent Police recorded 361 online-flagged child sex offences in 2016/17, up from 63 in "
        "2015/16, a rise of 473%." in kent_page.content.decode()
    )
    body = api(client, "nspcc-2017").json()
    p17 = body["metrics"][0]["periods"][-1]
    assert (p17["total"], p17["forces_reporting"]) == (5653, 38)
    assert body["metrics"][0]["changes"][0]["change_pct"] == pytest.approx(44.837, abs=0.001)


def test_a_staff_copy_of_a_public_page_is_never_cached_by_a_proxy(client, figures, reviewer, staff):
    publish(figures, reviewer)
    url = reverse("release_public", args=["nspcc"])
    assert "private" not in client.get(url).get("Cache-Control", "")
    client.force_login(staff)
    assert client.get(url)["Cache-Control"] == "private, no-store"


def test_the_admin_shows_releases_and_their_versions_read_only(client, figures, reviewer):
    release = publish(figures, reviewer).release
    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(admin)
    listing = client.get(reverse("admin:figures_app_release_changelist"))
    assert listing.status_code == 200 and b"nspcc" in listing.content
    page = client.get(reverse("admin:figures_app_release_change", args=[release.pk]))
    assert page.status_code == 200
    assert b"Online child sex offences" in page.content
    assert client.get(reverse("admin:figures_app_release_add")).status_code == 403
    assert client.get(reverse("admin:figures_app_forcegroup_changelist")).status_code == 200


def test_how_each_force_answered_gives_dates_in_the_sites_long_format(client, figures, reviewer):
    """Issue 27: the release page wrote the frozen answers' dates as ISO ("2017-04-21")."""
    figures.requests.filter(force__name="Kent Police").update(
        received_on=date(2017, 4, 3), due_on=date(2017, 5, 3)
    )
    publish(figures, reviewer, spec=ReleaseSpec(title="T", include_answering=True))
    kent = next(a for a in api(client).json()["answering"]["forces"] if a["due"])
    assert kent["due"] == "2017-05-03"  # the API keeps ISO
    page = client.get(reverse("release_public", args=["nspcc"])).content.decode()
    section = page[page.index('id="answering"') :]
    section = section[: section.index("</section>")]
    assert not re.search(r"\d{4}-\d{2}-\d{2}", section)
    assert f"<td>{long_date(date(2017, 5, 3))}</td>" in section
    assert "<td>3 May 2017</td>" in section
