"""Metrics are set in the campaign form (issue 10, section 5): named in words, no slugs or JSON,
changed or removed only while no figure uses them, saved with the campaign or not at all."""

from __future__ import annotations

import pytest
from django.urls import reverse

from figures_app.models import Metric
from requests_app.models import Campaign, ForceList
from tests.figures_app.conftest import enter

pytestmark = pytest.mark.django_db


def _campaign_post(**metrics) -> dict:
    data = {
        "title": "Online offences",
        "slug": "online",
        "request_text": "Dear {force_name}, how many offences in {periods}?",
        "notes": "",
        "force_list": ForceList.objects.get(slug="england-and-wales").pk,
        "forces": [f.pk for f in ForceList.objects.get(slug="england-and-wales").forces.all()[:3]],
        "chase_forces": "",
        "chase_again_after": 10,
        "rounding_rule": "half_up",
        "suppressed_lower": 1,
        "suppressed_upper": 4,
        "periods-TOTAL_FORMS": 1,
        "periods-INITIAL_FORMS": 0,
        "periods-0-label": "2016/17",
        "periods-0-start": "2016-04-01",
        "periods-0-end": "2017-03-31",
    }
    rows = metrics.get("rows", [])
    data["metrics-TOTAL_FORMS"] = len(rows)
    data["metrics-INITIAL_FORMS"] = metrics.get("initial", 0)
    for i, row in enumerate(rows):
        for key, value in row.items():
            data[f"metrics-{i}-{key}"] = value
    return data


def test_a_new_campaign_is_created_with_its_metrics_named_in_words(staff_client):
    response = staff_client.post(
        reverse("campaign_new"),
        _campaign_post(
            rows=[
                {
                    "label": "Online-flagged child sex offences",
                    "unit": "offences",
                    "breakdowns": "Victim age\nOffence: rape, sexual assault, other",
                    "notes": "Home Office online flag.",
                },
                {"label": "", "unit": "offences"},  # the spare empty row is ignored
            ]
        ),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    (metric,) = Metric.objects.filter(campaign__slug="online")
    assert metric.slug == "online-flagged-child-sex-offences"
    dims = list(metric.dimensions.order_by("position"))
    assert [(d.slug, d.label, d.inferred) for d in dims] == [
        ("victim_age", "Victim age", True),
        ("offence", "Offence", False),
    ]
    assert [c.label for c in dims[1].categories.order_by("position")] == [
        "rape",
        "sexual assault",
        "other",
    ]
    page = staff_client.get(reverse("campaign_edit", args=["online"])).content.decode()
    assert "Offence: rape, sexual assault, other" in page
    assert "online-flagged-child-sex-offences" not in page  # no slug shown


def test_a_bad_breakdown_names_the_field_and_writes_nothing(staff_client):
    response = staff_client.post(
        reverse("campaign_new"),
        _campaign_post(rows=[{"label": "Offences", "unit": "offences", "breakdowns": ": a, b"}]),
    )
    assert response.status_code == 400
    assert "give the breakdown a name before the colon" in response.content.decode()
    assert not Campaign.objects.filter(slug="online").exists()


def test_the_same_metric_twice_is_refused(staff_client):
    rows = [{"label": "Offences", "unit": "offences"}, {"label": "offences", "unit": "crimes"}]
    response = staff_client.post(reverse("campaign_new"), _campaign_post(rows=rows))
    assert response.status_code == 400
    assert "&#x27;offences&#x27; is listed twice." in response.content.decode()
    assert not Campaign.objects.filter(slug="online").exists()


def _edit_post(campaign, rows) -> dict:
    data = _campaign_post(rows=rows, initial=campaign.metrics.count())
    data["slug"] = campaign.slug
    data["title"] = campaign.title
    data["forces"] = [foi.force_id for foi in campaign.requests.all()]
    data["periods-TOTAL_FORMS"] = campaign.periods.count()
    for i, period in enumerate(campaign.periods.all()):
        data[f"periods-{i}-label"] = period.label
        data[f"periods-{i}-start"] = period.start.isoformat()
        data[f"periods-{i}-end"] = period.end.isoformat()
    return data


def test_an_unused_metric_is_renamed_rebroken_down_and_removed(campaign, metric, staff_client):
    row = {
        "metric_id": metric.pk,
        "label": "Recorded offences",
        "unit": "crimes",
        "breakdowns": "Victim sex: female, male",
    }
    response = staff_client.post(
        reverse("campaign_edit", args=[campaign.slug]), _edit_post(campaign, [row])
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    metric.refresh_from_db()
    assert (metric.label, metric.unit, metric.slug) == ("Recorded offences", "crimes", "offences")
    assert list(metric.dimensions.values_list("slug", flat=True)) == ["victim_sex"]

    row["DELETE"] = "on"
    response = staff_client.post(
        reverse("campaign_edit", args=[campaign.slug]), _edit_post(campaign, [row])
    )
    assert response.status_code == 302
    assert not Metric.objects.filter(pk=metric.pk).exists()


def test_a_metric_with_figures_keeps_its_breakdowns_and_cannot_be_removed(
    campaign, metric, staff, staff_client
):
    enter(campaign, staff, [("Kent", "2015/16", 63)])
    page = staff_client.get(reverse("campaign_edit", args=[campaign.slug])).content.decode()
    assert "1 figure uses this metric, so its breakdowns are fixed" in page
    row = {"metric_id": metric.pk, "label": metric.label, "unit": "offences", "DELETE": "on"}
    response = staff_client.post(
        reverse("campaign_edit", args=[campaign.slug]), _edit_post(campaign, [row])
    )
    assert response.status_code == 400
    assert "cannot be removed: 1 figure uses it." in response.content.decode()
    assert Metric.objects.filter(pk=metric.pk).exists()

    row = {"metric_id": metric.pk, "label": metric.label, "breakdowns": "Victim sex: f, m"}
    response = staff_client.post(
        reverse("campaign_edit", args=[campaign.slug]), _edit_post(campaign, [row])
    )
    assert response.status_code == 400
    assert "figures use this metric, so its breakdowns cannot change" in response.content.decode()


def test_the_metrics_page_shows_no_slugs_and_points_to_the_form(campaign, metric, staff_client):
    page = staff_client.get(reverse("figures_metrics", args=[campaign.slug])).content.decode()
    assert metric.label in page
    assert "<code>" not in page and '"metrics"' not in page
    assert reverse("campaign_edit", args=[campaign.slug]) + "#metrics" in page
