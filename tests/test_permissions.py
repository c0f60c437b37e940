"""Every URL in the URLconf, as an anonymous visitor, an outsider, staff and a reviewer.

The test walks the resolver, so a new view is covered the day it is added; a URL whose
parameters it cannot fill fails here until SAMPLE_KWARGS learns how.
"""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from requests_app.models import FoiRequest, ForceList
from requests_app.roles import REVIEWER, STAFF
from tests.factories import UserFactory
from tests.figures_app.release_samples import (
    RELEASES_PUBLIC,
    RELEASES_REVIEWER_ONLY,
    releases_by_view,
)
from tests.figures_app.samples import FIGURES_REVIEWER_ONLY, figures_by_view

# Pages anyone may open (they are how you log in).
PUBLIC = {
    "login",
    "logout",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
    "healthz",  # for load balancers: says only which services answer
} | RELEASES_PUBLIC  # published releases: the public results pages, downloads and API
# Pages that need login but no role (your own password and second factor).
LOGIN_ONLY = {
    "password_change",
    "password_change_done",
    "two_factor_verify",
    "two_factor_enrol",
    "two_factor_recovery_codes",
}
# Pages only a reviewer may open; staff get 403 there.
REVIEWER_ONLY = FIGURES_REVIEWER_ONLY | RELEASES_REVIEWER_ONLY


def _walk(patterns, prefix=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace == "admin":
                continue
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern) and entry.name:
            yield entry.name, entry.pattern.converters, prefix + str(entry.pattern)


def named_urls():
    return sorted({name: conv for name, conv, _ in _walk(get_resolver().url_patterns)}.items())


@pytest.fixture
def samples(db, campaign, staff, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from requests_app.services.attachments import attachment_add

    foi = FoiRequest.objects.filter(campaign=campaign).first()
    attachment = attachment_add(
        request_id=foi.pk,
        actor=staff,
        upload=SimpleUploadedFile("letter.pdf", b"%PDF-1.4 demo", content_type="application/pdf"),
    )
    own_list = ForceList.objects.create(name="Mine", slug="mine", owner=staff)
    from requests_app.services.mail_in import message_receive

    message = message_receive(
        raw=b"From: a@b.example\r\nSubject: stray\r\n\r\nhello", source="stdin"
    ).message
    by_name = {
        "slug": campaign.slug,
        "action": "acknowledge",
        "uidb64": "MQ",
        "token": "set-password",
        "force_code": foi.force.ons_code,
    }
    by_view = {
        "request_detail": {"pk": foi.pk},
        "request_note": {"pk": foi.pk},
        "request_reply_seen": {"pk": foi.pk},
        "message_detail": {"pk": message.pk},
        "message_place": {"pk": message.pk},
        "message_not_foi": {"pk": message.pk},
        "message_kind": {"pk": message.pk},
        "request_action": {"pk": foi.pk},
        "attachment_download": {"pk": attachment.pk},
        "figures_cells": {"pk": attachment.pk},
        "attachment_detail": {"pk": attachment.pk},
        "attachment_open": {"pk": attachment.pk},
        "attachment_delete": {"pk": attachment.pk},
        "attachment_force_told": {"pk": attachment.pk},
        "attachment_email_force": {"pk": attachment.pk},
        "force_list_edit": {"pk": own_list.pk},
        "request_send": {"pk": foi.pk},
        "force_address": {"pk": foi.force_id},
        "force_detail": {"pk": foi.force_id},
    }
    by_view.update(figures_by_view(campaign, staff, foi))
    by_view.update(releases_by_view(campaign, foi))
    return {"by_name": by_name, "by_view": by_view, "foi": foi, "attachment": attachment}


def url_for(name, converters, samples):
    kwargs = {}
    for key in converters:
        if name in samples["by_view"] and key in samples["by_view"][name]:
            kwargs[key] = samples["by_view"][name][key]
        elif key in samples["by_name"]:
            kwargs[key] = samples["by_name"][key]
        elif key == "pk":
            pytest.fail(f"URL '{name}' takes pk: add a sample object to by_view in this test.")
        else:
            pytest.fail(f"URL '{name}' takes '{key}': add a sample to this test.")
    if name in samples["by_view"]:
        kwargs.update({k: v for k, v in samples["by_view"][name].items() if k in converters})
    return reverse(name, kwargs=kwargs)


ALL_URLS = named_urls()


def test_it_finds_the_urls_it_checks():
    names = {name for name, _ in ALL_URLS}
    assert {"dashboard", "campaign_detail", "request_action", "api_campaign_requests"} <= names


def urls_except(names: set[str]) -> list:
    """The URLs to walk for a test, without those it does not apply to (listed, not skipped:
    a skipped test reads like one that could not run)."""
    return [pytest.param(n, c, id=n) for n, c in ALL_URLS if n not in names]


@pytest.mark.parametrize("name,converters", urls_except(PUBLIC))
def test_it_requires_login_for_every_private_url(client, samples, name, converters):
    url = url_for(name, converters, samples)
    for method in ("get", "post"):
        response = getattr(client, method)(url)
        if url.startswith("/api/"):
            assert response.status_code in (401, 405), f"{method.upper()} {url}"
            assert response.status_code == 401 or method == "post"
        else:
            assert response.status_code in (302, 405), f"{method.upper()} {url}"
            if response.status_code == 302:
                assert response["Location"].startswith(reverse("login")), url


@pytest.mark.parametrize("name,converters", urls_except(PUBLIC | LOGIN_ONLY))
def test_it_refuses_a_logged_in_user_without_a_role(client, samples, outsider, name, converters):
    client.force_login(outsider)
    url = url_for(name, converters, samples)
    for method in ("get", "post"):
        response = getattr(client, method)(url)
        assert response.status_code in (403, 405), (
            f"{method.upper()} {url} gave {response.status_code}"
        )
    assert client.get(url).status_code == 403 or client.post(url).status_code == 403


@pytest.mark.parametrize("name,converters", urls_except(PUBLIC | {"logout"}))
def test_it_lets_staff_in(client, samples, staff, name, converters):
    client.force_login(staff)
    url = url_for(name, converters, samples)
    response = client.get(url)
    expected = {403} if name in REVIEWER_ONLY else {200, 302, 405}
    assert response.status_code in expected, f"GET {url} gave {response.status_code}"


def test_it_serves_attachments_only_to_people_with_a_role(client, samples, outsider, staff):
    url = samples["attachment"].get_absolute_url()
    assert client.get(url).status_code == 302
    client.force_login(outsider)
    assert client.get(url).status_code == 403
    client.force_login(staff)
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 demo"
    assert response["Content-Disposition"].startswith("attachment")


def test_it_lets_a_reviewer_see_but_not_change_when_only_a_reviewer(client, samples):
    only_reviewer = UserFactory(username="rita", roles=[REVIEWER])
    client.force_login(only_reviewer)
    foi = samples["foi"]
    assert client.get(foi.get_absolute_url()).status_code == 200
    url = reverse("request_action", args=[foi.pk, "mark_sent"])
    assert client.post(url, {"sent_on": "2026-01-05"}).status_code == 403
    foi.refresh_from_db()
    assert foi.status == "draft"


def test_it_lets_staff_act(client, samples):
    user = UserFactory(username="stella", roles=[STAFF])
    client.force_login(user)
    foi = samples["foi"]
    response = client.post(
        reverse("request_action", args=[foi.pk, "mark_sent"]),
        {"sent_on": "2026-01-05", "sent_how": "post"},
    )
    assert response.status_code == 302
    foi.refresh_from_db()
    assert foi.status == "sent"


@pytest.mark.parametrize("name", sorted(RELEASES_PUBLIC))
def test_it_serves_published_releases_to_anyone_logged_out(client, samples, name):
    converters = dict(ALL_URLS)[name]
    url = url_for(name, converters, samples)
    assert client.get(url).status_code == 200, url
