"""The demo reproduces the NSPCC 2017 release through the totals API."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from figures_app.models import FigureReview, ReviewState
from requests_app.models import Campaign

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(db, settings):
    settings.DEBUG = True  # load_demo refuses to run with DEBUG off
    call_command("load_demo", stdout=open("/dev/null", "w"))
    return Campaign.objects.get(slug="nspcc-online-child-sex-offences-2017")


def test_it_reproduces_the_nspcc_release(client, demo, django_user_model):
    client.force_login(django_user_model.objects.get(username="sam"))
    url = reverse("figures_totals_api", args=[demo.slug])
    data = client.get(url, {"metric": "online-child-sex-offences"}).json()
    assert data["basis"] == "approved"
    assert data["forces_asked"] == 43
    p15, p16 = data["periods"]
    assert (p15["period"], p15["total"], p15["forces_reporting"]) == ("2015/16", 3903, 39)
    assert (p16["period"], p16["total"], p16["forces_reporting"]) == ("2016/17", 5653, 38)
    assert p15["per_day"] == pytest.approx(3903 / 366)
    assert p16["per_day"] == pytest.approx(5653 / 365)
    assert data["changes"][0]["change_pct"] == pytest.approx(44.837, abs=0.001)
    kent = next(f for f in data["forces"] if f["force"] == "Kent Police")
    assert kent["values"] == {"2015/16": 63, "2016/17": 361}
    assert kent["change_pct"] == pytest.approx(473.0, abs=0.1)
    ages = {b["category"]: b["total"] for b in data["breakdown"] if b["period"] == "2016/17"}
    recorded = {int(k): v for k, v in ages.items() if k != "unknown"}
    assert max(recorded, key=recorded.get) == 13 and recorded[13] == 257
    assert 90 <= sum(v for age, v in recorded.items() if age <= 10) < 100
    assert min(age for age, v in recorded.items() if v) == 3
    text = " ".join(data["headlines"])
    assert (
        "Police recorded 5,653 online-flagged child sex offences in 2016/17, from 38 of 43 forces asked"
        in text
    )
    assert "a rise of 44% (rounded down from 44.8%)" in text
    assert "Cumbria Constabulary (information not held)" in text
    assert "Lancashire Constabulary (refused: s.12 cost limit)" in text
    assert "Wiltshire Police (no reply yet, overdue)" in text


def test_it_leaves_the_live_campaign_pending_review(demo):
    live = Campaign.objects.get(slug="sexual-communication-with-a-child-2026")
    states = set(
        FigureReview.objects.filter(request__campaign=live).values_list("state", flat=True)
    )
    assert ReviewState.PENDING in states
    assert ReviewState.APPROVED not in states


def test_the_draft_campaign_is_ready_to_send_with_its_metric(demo):
    draft = Campaign.objects.get(slug="indecent-images-shared-online-draft")
    assert draft.requests.count() == 48
    assert set(draft.requests.values_list("status", flat=True)) == {"draft"}
    assert list(draft.metrics.values_list("slug", flat=True)) == ["indecent-images-shared-online"]
    no_address = draft.requests.filter(force__foi_email="").order_by("force__name")
    assert [foi.force.name for foi in no_address] == [
        "British Transport Police",
        "Civil Nuclear Constabulary",
        "Ministry of Defence Police",
    ]


def test_the_nspcc_campaign_was_run_again_and_forms_a_series_with_revisions(
    client, demo, django_user_model
):
    again = Campaign.objects.get(slug="nspcc-online-child-sex-offences-2018")
    assert again.series_id == demo.series_id is not None
    assert [p.label for p in again.periods.order_by("start")] == ["2016/17", "2017/18"]
    client.force_login(django_user_model.objects.get(username="sam"))
    url = reverse("figures_series_api", args=["nspcc-online-child-sex-offences"])
    latest = client.get(url, {"metric": "online-child-sex-offences"}).json()
    first = client.get(url, {"metric": "online-child-sex-offences", "as": "first"}).json()
    # As first reported, 2016/17 is the release's 5,653; the latest adds the two revisions.
    assert [(p["period"], p["total"]) for p in first["periods"]][:2] == [
        ("2015/16", 3903),
        ("2016/17", 5653),
    ]
    assert latest["periods"][1]["total"] == 5653 - 361 + 316 - 159 + 212
    revised = {(r["force"], r["first"], r["latest"]) for r in latest["revisions"]}
    assert revised == {("Kent Police", 361, 316), ("Northumbria Police", 159, 212)}
    assert "2 figures revised when asked again: +8 in total" in " ".join(latest["headlines"])
    page = client.get(reverse("figures_series", args=["nspcc-online-child-sex-offences"]))
    assert page.status_code == 200
    assert "Kent Police" in page.content.decode()


def test_the_live_campaign_has_a_file_read_by_cells_and_one_quarantined(demo):
    """Issue 13 for a newcomer: one force's answer is a workbook whose figures were taken from
    its cells (each citing its cell, the layout kept), another's hides a sheet of names and is
    quarantined on arrival."""
    from figures_app.models import CellTemplate, Figure
    from requests_app.models import AttachmentScreening

    live = Campaign.objects.get(slug="sexual-communication-with-a-child-2026")
    cited = Figure.objects.filter(request__campaign=live, attachment__isnull=False)
    assert sorted(cited.values_list("location", flat=True)) == [
        "FOI response!B5",
        "FOI response!C5",
    ]
    assert CellTemplate.objects.filter(campaign=live).count() == 1
    (quarantined,) = AttachmentScreening.objects.filter(quarantined=True)
    assert quarantined.attachment.request.campaign == live
    assert quarantined.findings[0]["kind"] == "hidden_sheet"


def test_the_welsh_councils_campaign_speaks_of_councils(client, demo, django_user_model):
    """Issue 30: the second demo campaign, to the 22 Welsh councils of the list in demo_data/."""
    councils = Campaign.objects.get(slug="children-looked-after-wales-2025")
    assert councils.requests.count() == 22
    assert set(councils.requests.values_list("force__kind", "force__law")) == {("council", "foia")}
    assert councils.requests.filter(force__ons_code="W06000015").exists()  # Cardiff
    client.force_login(django_user_model.objects.get(username="sam"))
    url = reverse("figures_totals_api", args=[councils.slug])
    data = client.get(url, {"metric": "children-starting-care"}).json()
    text = " ".join(data["headlines"])
    assert "recorded by 20 of 22 Welsh councils asked" in text
    assert "Police" not in text and "forces" not in text
    assert "No figure for 2024/25 from 2 councils" in text
    assert "These are figures as the councils recorded them" in text
    page = client.get(councils.get_absolute_url()).content.decode()
    assert "How each council answered" in page


def test_loading_the_demo_again_changes_no_body(demo):
    from requests_app.models import Force, ForceAddressChange

    before = (Force.objects.count(), ForceAddressChange.objects.count())
    call_command("load_demo", stdout=open("/dev/null", "w"))
    assert (Force.objects.count(), ForceAddressChange.objects.count()) == before
