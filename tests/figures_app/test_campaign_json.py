"""Campaign JSON `metrics` (load_campaign), validated before anything is written."""

import json

import pytest

from figures_app.models import Category, Metric
from foi_tracker.campaign_json import load_campaign
from requests_app.campaign_json import CampaignJsonError
from requests_app.models import Campaign

pytestmark = pytest.mark.django_db


def _text(metrics):
    return json.dumps(
        {
            "slug": "s15a",
            "title": "Sexual communication with a child",
            "request_text": "Dear {force_name}",
            "forces": "england-and-wales",
            "periods": [{"label": "2024/25", "start": "2024-04-01", "end": "2025-03-31"}],
            "metrics": metrics,
        },
        indent=2,
    )


def test_it_creates_metrics_with_dimensions(staff):
    campaign, _ = load_campaign(
        _text(
            [
                {"slug": "offences", "label": "Offences", "dimensions": ["victim_age"]},
                {
                    "slug": "by-type",
                    "label": "Offences by type",
                    "unit": "crimes",
                    "dimensions": [
                        {
                            "slug": "offence",
                            "categories": ["rape", "sexual assault", "other", "unknown"],
                        }
                    ],
                },
            ]
        ),
        actor=staff,
    )
    metrics = list(campaign.metrics.all())
    assert [m.slug for m in metrics] == ["offences", "by-type"]
    age = metrics[0].dimensions.get()
    assert age.inferred and age.label == "Victim age"
    offence = metrics[1].dimensions.get()
    assert not offence.inferred
    assert list(Category.objects.filter(dimension=offence).values_list("value", flat=True)) == [
        "rape",
        "sexual assault",
        "other",
        "unknown",
    ]


def test_update_adds_metrics_and_keeps_others(staff):
    load_campaign(_text([{"slug": "offences", "label": "Offences"}]), actor=staff)
    load_campaign(
        _text([{"slug": "victims", "label": "Victims", "unit": "victims"}]),
        actor=staff,
        update=True,
    )
    assert sorted(Metric.objects.values_list("slug", flat=True)) == ["offences", "victims"]


@pytest.mark.parametrize(
    "metrics, message",
    [
        ({"slug": "x"}, "expected a list"),
        ([{"label": "No slug"}], "item 1: 'slug'"),
        (
            [{"slug": "a", "label": "A"}, {"slug": "a", "label": "B"}],
            "item 2 ('a'): the slug is used twice",
        ),
        ([{"slug": "a", "label": ""}], "item 1 ('a'): 'label'"),
        ([{"slug": "a", "label": "A", "colour": 1}], "item 1: unknown key 'colour'"),
        (
            [{"slug": "a", "label": "A", "dimensions": [{"slug": "offence", "categories": []}]}],
            "dimension 1",
        ),
        ([{"slug": "a", "label": "A", "dimensions": ["value"]}], "reserved column"),
    ],
)
def test_it_names_the_bad_item_and_writes_nothing(staff, metrics, message):
    with pytest.raises(
        CampaignJsonError,
        match="'metrics' \\(line \\d+\\): .*" + message.replace("(", "\\(").replace(")", "\\)"),
    ):
        load_campaign(_text(metrics), actor=staff)
    assert not Campaign.objects.filter(slug="s15a").exists()
