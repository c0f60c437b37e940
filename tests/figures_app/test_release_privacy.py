"""The privacy walk: every public release URL (pages, force pages, earlier versions, downloads,
charts, the API), logged out, holds nothing about reviewers, notes, attachments or unpublished
campaigns. The URL list comes from the resolver, so a new public URL must be classified here."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from figures_app.services.metrics import DimensionSpec, MetricSpec, metric_save
from figures_app.services.releases import ReleaseSpec, release_publish
from figures_app.services.review import _approve
from figures_app.views.release_presentation import chart_specs
from requests_app.models import Campaign
from requests_app.roles import REVIEWER, STAFF
from requests_app.services.attachments import attachment_add
from requests_app.services.campaigns import campaign_create
from requests_app.services.lifecycle import request_add_note
from tests.conftest import NSPCC_PERIODS
from tests.factories import UserFactory

from .conftest import enter

pytestmark = pytest.mark.django_db

# Release URLs anyone may open, and the staff ones (login and a role).
PUBLIC_RELEASE_URLS = {
    "release_public",
    "release_version",
    "release_force",
    "release_version_force",
    "release_download",
    "release_chart",
    "release_api",
}
STAFF_RELEASE_URLS = {
    "release_preview",
    "release_prepare",
    "campaign_release_list",
    "campaign_groupings",
}

SECRETS = [
    "zorbalov",  # the reviewer's surname
    "quentin",
    "rev-zqx",  # usernames
    "ent-zqx",
    "zqx@example.org",
    "note-secret-figure",
    "comment-secret-review",
    "note-secret-request",
    "secret-letter-zqx",  # attachment name
    "campaign-notes-secret",
    "hidden campaign zqx",  # an unpublished campaign
    "hidden-zqx",
    "987654",
    "hidden metric",
]


def _release_names():
    def walk(patterns):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                if entry.namespace != "admin":
                    yield from walk(entry.url_patterns)
            elif (
                isinstance(entry, URLPattern)
                and entry.callback.__module__ == "figures_app.views.releases"
            ):
                yield entry.name

    return set(walk(get_resolver().url_patterns))


def test_every_release_url_is_classified():
    assert _release_names() == PUBLIC_RELEASE_URLS | STAFF_RELEASE_URLS


@pytest.fixture
def world(campaign, metric, england_and_wales):
    reviewer = UserFactory(
        username="rev-zqx",
        first_name="Quentin",
        last_name="Zorbalov",
        email="rev-zqx@example.org",
        roles=[STAFF, REVIEWER],
    )
    enterer = UserFactory(username="ent-zqx", email="ent-zqx@example.org", roles=[STAFF])
    campaign.notes = "CAMPAIGN-NOTES-SECRET"
    campaign.save()
    result = enter(
        campaign,
        enterer,
        [
            {"force": "Kent", "period": "2015/16", "value": "63", "note": "NOTE-SECRET-FIGURE"},
            ("Kent", "2016/17", 361),
            ("Surrey", "2015/16", 40),
            ("Surrey", "2016/17", "<5"),
            ("Cumbria", "2016/17", "not held"),
        ],
    )
    _approve(result.requests, reviewer, comment="COMMENT-SECRET-REVIEW")
    kent = campaign.requests.get(force__name="Kent Police")
    request_add_note(request_id=kent.pk, actor=enterer, note="NOTE-SECRET-REQUEST")
    attachment_add(
        request_id=kent.pk,
        actor=enterer,
        upload=SimpleUploadedFile(
            "secret-letter-zqx.pdf", b"%PDF-1.4 x", content_type="application/pdf"
        ),
    )
    release_publish(
        campaign=campaign,
        actor=reviewer,
        slug="public-one",
        spec=ReleaseSpec(
            title="Online child sex offences",
            methodology="We asked every force.",
            caveats={"E23000031": ["Surrey changed its recording in 2016"]},
            include_answering=True,
        ),
    )
    enter(campaign, enterer, [("Kent", "2016/17", 316)], approve_by=reviewer)
    release_publish(
        campaign=campaign,
        actor=reviewer,
        slug="public-one",
        spec=ReleaseSpec(),
        note="Kent corrected its figure",
    )

    # An unpublished campaign, with approved figures and an embargoed release.
    hidden = campaign_create(
        actor=enterer,
        owner=enterer,
        slug="hidden-zqx",
        title="Hidden campaign ZQX",
        request_text="Dear {force_name}",
        forces=england_and_wales,
        periods=NSPCC_PERIODS,
    )
    metric_save(
        campaign=hidden,
        spec=MetricSpec(
            "offences",
            "Hidden metric",
            "offences",
            "",
            (DimensionSpec("victim_age", "Victim age", None),),
        ),
    )
    enter(hidden, enterer, [("Kent", "2016/17", 987654)], approve_by=reviewer)
    release_publish(
        campaign=hidden,
        actor=reviewer,
        slug="hidden-zqx",
        spec=ReleaseSpec(title="Hidden campaign ZQX"),
        publish_at=timezone.now() + timezone.timedelta(days=30),
    )
    return Campaign.objects.get(pk=campaign.pk)


def _public_urls(slug: str) -> list[str]:
    from figures_app.models import ReleaseVersion

    urls = [reverse("release_public", args=[slug]), reverse("release_api", args=[slug])]
    for version in ReleaseVersion.objects.filter(release__slug=slug):
        n = version.number
        urls.append(reverse("release_version", args=[slug, n]))
        urls.append(reverse("release_api", args=[slug]) + f"?version={n}")
        for fmt in ("csv", "xlsx", "json"):
            urls.append(reverse("release_download", args=[slug, n, fmt]))
        for metric in version.payload["metrics"]:
            for spec in chart_specs(metric):
                for fmt in ("svg", "png"):
                    urls.append(
                        reverse(
                            "release_chart", args=[slug, n, metric["metric"], spec["name"], fmt]
                        )
                    )
            for force in metric["forces"]:
                urls.append(reverse("release_force", args=[slug, force["force_code"]]))
                urls.append(reverse("release_version_force", args=[slug, n, force["force_code"]]))
    return sorted(set(urls))


def _text(response) -> str:
    body = response.content
    if body.startswith(b"PK"):  # XLSX: every XML part
        with zipfile.ZipFile(io.BytesIO(body)) as book:
            return " ".join(book.read(name).decode("utf-8", "replace") for name in book.namelist())
    return body.decode("utf-8", "replace")


def test_no_public_url_or_download_leaks_private_data(client, world):
    urls = _public_urls("public-one")
    assert len(urls) > 43 * 3  # every force page of both versions, downloads and charts
    names_seen = set()
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        names_seen.add(response.resolver_match.url_name)
        text = _text(response).lower()
        for secret in SECRETS:
            assert secret not in text, f"{secret!r} leaked at {url}"
    assert names_seen == PUBLIC_RELEASE_URLS
    # What is public is there: the caveat, the changelog's reason, the answering table.
    page = client.get(reverse("release_public", args=["public-one"])).content.decode()
    assert "Surrey changed its recording in 2016" in page
    assert "reason Kent corrected its figure" in page
    assert 'id="answering"' in page


def test_an_unpublished_campaigns_release_is_404_everywhere_for_the_public(client, world):
    from figures_app.models import ReleaseVersion

    version = ReleaseVersion.objects.get(release__slug="hidden-zqx")
    urls = [
        reverse("release_public", args=["hidden-zqx"]),
        reverse("release_version", args=["hidden-zqx", 1]),
        reverse("release_force", args=["hidden-zqx", "E23000032"]),
        reverse("release_version_force", args=["hidden-zqx", 1, "E23000032"]),
        reverse("release_download", args=["hidden-zqx", 1, "json"]),
        reverse("release_download", args=["hidden-zqx", 1, "xlsx"]),
        reverse("release_chart", args=["hidden-zqx", 1, "offences", "forces", "svg"]),
        reverse("release_api", args=["hidden-zqx"]),
        reverse("release_api", args=["hidden-zqx"]) + "?version=1",
    ]
    assert version.payload["metrics"][0]["periods"][1]["total"] == 987654
    for url in urls:
        response = client.get(url)
        assert response.status_code == 404, url
        text = _text(response).lower()
        for secret in ("987654", "hidden metric", "hidden campaign zqx"):
            assert secret not in text, url


def test_staff_pages_are_not_public(client, world):
    for url in (
        reverse("release_preview", args=["public-one"]),
        reverse("release_prepare", args=[world.slug]),
        reverse("campaign_release_list", args=[world.slug]),
        reverse("campaign_groupings", args=[world.slug]),
    ):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url
