"""A campaign says the bands a numeric breakdown is reported in (issue 26): campaign JSON
`"bands"` and `"maximum"`, and the campaign form's "Reported in bands", checked alike."""

import json

import pytest
from django.urls import reverse

from figures_app.models import Dimension
from foi_tracker.campaign_json import load_campaign
from requests_app.campaign_json import CampaignJsonError
from requests_app.models import Campaign
from tests.figures_app.conftest import enter
from tests.figures_app.test_campaign_form_metrics import _edit_post

pytestmark = pytest.mark.django_db
BANDS = ["0-10", "11-12", "13", "14-15", "16-17"]


def _text(dimension):
    return json.dumps(
        {
            "slug": "s15a",
            "title": "Sexual communication with a child",
            "request_text": "Dear {force_name}",
            "forces": "england-and-wales",
            "periods": [{"label": "2024/25", "start": "2024-04-01", "end": "2025-03-31"}],
            "metrics": [{"slug": "offences", "label": "Offences", "dimensions": [dimension]}],
        },
        indent=2,
    )


def test_campaign_json_sets_bands_and_maximum(staff):
    load_campaign(
        _text({"slug": "victim_age", "label": "Victim age", "bands": BANDS, "maximum": 17}),
        actor=staff,
    )
    dim = Dimension.objects.get(slug="victim_age")
    assert (dim.bands, dim.maximum, dim.inferred) == (BANDS, 17, True)


def test_listed_range_categories_are_stored_with_low_and_high(staff):
    load_campaign(
        _text({"slug": "victim_age", "categories": ["0-10", "11 to 15", "16+", "unknown"]}),
        actor=staff,
    )
    cats = Dimension.objects.get().categories.order_by("position")
    assert [(c.value, c.low, c.high) for c in cats] == [
        ("0-10", 0, 10),
        ("11-15", 11, 15),
        ("16+", 16, None),
        ("unknown", None, None),
    ]


@pytest.mark.parametrize(
    ("dimension", "message"),
    [
        ({"bands": ["0-12", "11-15"]}, "(victim age) bands: '11-15' overlaps '0-12'."),
        ({"bands": ["0-10", "ten-ish"]}, "'ten-ish' is not a number or a range"),
        ({"bands": ["0-10", "16-20"], "maximum": 17}, "'16-20' goes beyond the maximum, 17."),
        ({"bands": "0-10"}, "bands: expected a list"),
        ({"maximum": -1}, "(victim age): 'maximum' must be a whole number"),
        ({"maximum": True}, "'maximum' must be a whole number"),
        (
            {"categories": ["0-10", "5-15", "unknown"]},
            "(victim age) categories: '5-15' overlaps '0-10'; a breakdown's ranges may not overlap.",
        ),
        (
            {"categories": ["0-10", "ten and under"]},
            "(victim age) categories: 'ten and under' is the same as '0-10'.",
        ),
        (
            {"categories": ["rape", "other"], "bands": ["0-10"]},
            "bands need a numeric breakdown",
        ),
    ],
)
def test_campaign_json_refuses_bad_bands_naming_the_breakdown(staff, dimension, message):
    dim = {"slug": "victim_age", "label": "Victim age"} | dimension
    with pytest.raises(CampaignJsonError) as exc:
        load_campaign(_text(dim), actor=staff)
    assert message in str(exc.value)
    assert "victim_age" not in str(exc.value).split("dimension 1")[1]
    assert not Campaign.objects.filter(slug="s15a").exists()


def _row(metric, bands):
    return {
        "metric_id": metric.pk,
        "label": metric.label,
        "unit": "offences",
        "breakdowns": "Victim age",
        "bands": bands,
    }


def test_the_campaign_form_sets_bands_in_words_even_once_figures_exist(
    campaign, metric, staff, staff_client
):
    enter(campaign, staff, [("Kent", "2015/16", 63, "13")])
    data = _edit_post(
        campaign, [_row(metric, "Victim age: 0-10, 11-12, 13, 14-15, 16-17 (maximum 17)")]
    )
    response = staff_client.post(reverse("campaign_edit", args=[campaign.slug]), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    dim = metric.dimensions.get()
    assert (dim.bands, dim.maximum) == (BANDS, 17)
    page = staff_client.get(reverse("campaign_edit", args=[campaign.slug])).content.decode()
    assert "Victim age: 0-10, 11-12, 13, 14-15, 16-17 (maximum 17)" in page


@pytest.mark.parametrize(
    ("bands", "message"),
    [
        (
            "Victim age: 0-12, 11-15",
            "Victim age bands: &#x27;11-15&#x27; overlaps &#x27;0-12&#x27;.",
        ),
        ("Victim age: 0-10, 16-20 (maximum 17)", "goes beyond the maximum, 17."),
        ("Victim sex: 0-10", "this metric&#x27;s breakdowns are: Victim age."),
        ("Victim age: 0-10 (maximum seventeen)", "the maximum must be a whole number"),
    ],
)
def test_the_campaign_form_refuses_bad_bands_in_words(
    campaign, metric, staff_client, bands, message
):
    data = _edit_post(campaign, [_row(metric, bands)])
    response = staff_client.post(reverse("campaign_edit", args=[campaign.slug]), data)
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page
    assert metric.dimensions.get().bands == []


@pytest.mark.parametrize(
    ("breakdowns", "message"),
    [
        (
            "Victim age: 0-10, 5-15",
            "Victim age categories: &#x27;5-15&#x27; overlaps &#x27;0-10&#x27;",
        ),
        ("Offence: rape, Rape", "Offence: category &#x27;Rape&#x27; is listed twice."),
    ],
)
def test_the_campaign_form_says_a_bad_breakdown_in_words(
    campaign, metric, staff_client, breakdowns, message
):
    row = {
        "metric_id": metric.pk,
        "label": metric.label,
        "unit": "offences",
        "breakdowns": breakdowns,
    }
    data = _edit_post(campaign, [row])
    response = staff_client.post(reverse("campaign_edit", args=[campaign.slug]), data)
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page
    assert "item 1" not in page
