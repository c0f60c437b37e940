"""What figures_app adds to the tracking core's pages, composed in foi_tracker/pages."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_the_campaign_page_links_to_totals_import_and_export(staff_client, campaign, metric):
    page = staff_client.get(reverse("campaign_detail", args=[campaign.slug])).content.decode()
    for name in (
        "figures_campaign_totals",
        "figures_import",
        "figures_export_csv",
        "figures_export_xlsx",
    ):
        assert reverse(name, args=[campaign.slug]) in page


def test_only_reviewers_see_the_review_queue_in_the_menu(client, staff, reviewer):
    client.force_login(staff)
    assert reverse("figures_review_queue") not in client.get(reverse("dashboard")).content.decode()
    client.force_login(reviewer)
    assert reverse("figures_review_queue") in client.get(reverse("dashboard")).content.decode()


def test_the_totals_page_shows_headlines_charts_and_tables(
    staff_client, campaign, metric, staff, reviewer
):
    from .conftest import enter

    enter(
        campaign,
        staff,
        [("Kent", "2015/16", 63), ("Kent", "2016/17", 361), ("Kent", "2016/17", 9, 13)],
        approve_by=reviewer,
    )
    page = staff_client.get(
        reverse("figures_campaign_totals", args=[campaign.slug])
    ).content.decode()
    assert (
        "Police recorded 361 online-flagged child sex offences in 2016/17, from 1 of 43 forces asked"
        in page
    )
    assert page.count("<svg") == 3
    for table in (
        'id="period-totals"',
        'id="changes"',
        'id="force-totals"',
        'id="breakdown-victim_age"',
    ):
        assert table in page
