"""The release form: a slug left blank is made from the title, and the public address it will
have is shown as typed (it read "/releases//": "<slug>" in the help text was taken for a tag)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from figures_app.forms_releases import release_slug_from_title
from figures_app.models import Release

pytestmark = pytest.mark.django_db

CHOICES = {"metrics": ["offences"], "periods": ["2015/16", "2016/17"]}


def address_shown(page: str) -> str:
    start = page.index('<span id="release-address-slug">') + len('<span id="release-address-slug">')
    return page[start : page.index("</span>", start)]


@pytest.mark.parametrize(
    "title, slug",
    [
        ("Online offences 2015/16 and 2016/17", "online-offences-2015-16-and-2016-17"),
        ("Kent_only: 2016 / 17!", "kent-only-2016-17"),
        ("Ünïcode títle", "unicode-title"),
    ],
)
def test_a_slug_is_made_from_the_title_in_the_release_rule(title, slug):
    assert release_slug_from_title(title) == slug


def test_a_slug_left_blank_is_made_from_the_title(client, figures, reviewer):  # noqa: F811
    client.force_login(reviewer)
    url = reverse("release_prepare", args=[figures.slug])
    response = client.post(url, {"title": "Online offences 2016/17", "slug": "", **CHOICES})
    assert response.status_code == 302
    assert Release.objects.get().slug == "online-offences-2016-17"


def test_a_title_with_nothing_to_make_a_slug_from_names_the_field(client, figures, reviewer):  # noqa: F811
    client.force_login(reviewer)
    url = reverse("release_prepare", args=[figures.slug])
    response = client.post(url, {"title": "?!", "slug": "", **CHOICES})
    assert response.status_code == 400
    assert "Slug: type one, or a title it can be made from" in response.content.decode()
    assert not Release.objects.exists()


def test_the_address_preview_shows_the_slug_as_typed(client, figures, reviewer):  # noqa: F811
    client.force_login(reviewer)
    url = reverse("release_prepare", args=[figures.slug])
    blank = client.get(url).content.decode()
    assert "/releases//" not in blank
    assert address_shown(blank) == ""
    typed = client.post(url, {"title": "T", "slug": "ocso", "periods": ["1999/00"]})
    assert typed.status_code == 400
    assert address_shown(typed.content.decode()) == "ocso"
    from_title = client.post(url, {"title": "Offences 2016/17", "periods": ["1999/00"]})
    assert address_shown(from_title.content.decode()) == "offences-2016-17"


def test_the_next_version_shows_the_address_it_keeps(client, figures, reviewer):  # noqa: F811
    client.force_login(reviewer)
    url = reverse("release_prepare", args=[figures.slug])
    assert client.post(url, {"title": "T", "slug": "ocso", **CHOICES}).status_code == 302
    page = client.get(url + "?release=ocso").content.decode()
    assert address_shown(page) == "ocso"
