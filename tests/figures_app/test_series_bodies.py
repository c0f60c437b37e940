"""A series of campaigns to councils (issue 30): its headline says what the councils recorded,
with their coverage and kind ("recorded by 2 of 3 Welsh councils asked"), never "police"."""

from __future__ import annotations

import json
from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from figures_app.selectors.series import series_totals
from figures_app.series_output import series_headlines
from requests_app.body_lists import read_bodies
from requests_app.models import Campaign, Series
from requests_app.services.bodies import bodies_import
from requests_app.services.campaigns import campaign_update
from tests.figures_app.series_samples import import_year

pytestmark = pytest.mark.django_db

COUNCILS = b"""Name,GSS code
Cardiff Council,W06000015
Powys County Council,W06000023
Isle of Anglesey County Council,W06000001
"""

FIRST_YEAR = {
    "slug": "care-2024",
    "title": "Children in care 2024",
    "request_text": "Dear {force_name}, under {act}, how many children in {periods}?",
    "bodies": {"kind": "council", "nation": "wales"},
    "periods": [{"label": "2023/24", "start": "2023-04-01", "end": "2024-03-31"}],
    "sent_on": "2024-05-01",
    "series": "children-in-care",
    "metrics": [{"slug": "offences", "label": "Children who started to be looked after"}],
}


@pytest.fixture
def council_series(reviewer, tmp_path):
    bodies_import(read_bodies(COUNCILS, "councils.csv"), kind="council", actor=None)
    path = tmp_path / "first.json"
    path.write_text(json.dumps(FIRST_YEAR))
    call_command("load_campaign", str(path), stdout=StringIO())
    import_year(
        "care-2024",
        reviewer,
        tmp_path,
        rows=[
            ("Cardiff Council", "2023/24", "120"),
            ("Powys County Council", "2023/24", "40"),
            ("Isle of Anglesey County Council", "2023/24", "20"),
        ],
    )
    call_command("next_campaign", "care-2024", stdout=StringIO())
    second = Campaign.objects.get(series__slug="children-in-care", slug__endswith="2025")
    campaign_update(campaign_id=second.pk, actor=reviewer, sent_on=date(2025, 5, 1))
    import_year(
        second.slug,
        reviewer,
        tmp_path,
        rows=[("Cardiff Council", "2024/25", "150"), ("Powys County Council", "2024/25", "30")],
    )
    return Series.objects.get(slug="children-in-care")


def test_the_series_headline_names_the_councils_and_their_coverage(council_series):
    totals = series_totals(
        series=council_series, metric_slug="offences", today=timezone.localdate()
    )
    lines = series_headlines(totals)
    assert lines[0] == (
        "180 children who started to be looked after in 2024/25, recorded by 2 of 3 Welsh "
        "councils asked."
    )
    assert lines[1] == (
        "From 2023/24 to 2024/25: 180 to 180 (0%); like for like over the 2 councils reporting "
        "both, 160 to 180 (+13%)."
    )
    text = " ".join(lines)
    assert "police" not in text.lower() and "force" not in text


def test_the_series_page_speaks_of_councils(client, council_series, staff):
    client.force_login(staff)
    page = client.get(reverse("figures_series", args=[council_series.slug])).content.decode()
    for words in ("Councils reporting", "By council</h2>", "Each council as it is now"):
        assert words in page, words
    main = page[page.index("<main") : page.index("</main>")]  # the page, not the site's menu
    assert "police" not in main.lower() and "Force" not in main and " forces" not in main
