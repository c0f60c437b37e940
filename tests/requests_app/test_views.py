"""The staff pages and JSON API of the tracking core, driven through the test client."""

import csv
import io
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from requests_app.models import Campaign, FoiRequest, Force, ForceList, NonWorkingDay
from requests_app.periods import PeriodSpec
from requests_app.services.campaigns import campaign_create
from requests_app.services.lifecycle import request_mark_sent, requests_bulk_mark_sent

pytestmark = pytest.mark.django_db


def _campaign_post(**overrides):
    data = {
        "title": "Stalking reports",
        "slug": "",
        "request_text": "Dear {force_name}, how many in {periods}?",
        "force_list": ForceList.objects.get(slug="england-and-wales").pk,
        "chase_again_after": 10,
        "rounding_rule": "half_up",
        "suppressed_lower": 1,
        "suppressed_upper": 4,
        "periods-TOTAL_FORMS": 2,
        "periods-INITIAL_FORMS": 0,
        "periods-0-label": "2015/16",
        "periods-0-start": "2015-04-01",
        "periods-0-end": "2016-03-31",
        "periods-1-label": "2016/17",
        "periods-1-start": "2016-04-01",
        "periods-1-end": "2017-03-31",
        # The "Figures asked for" section figures_app adds to the form: no metric rows.
        "metrics-TOTAL_FORMS": 0,
        "metrics-INITIAL_FORMS": 0,
    }
    data.update(overrides)
    return data


def test_it_creates_a_campaign_for_the_43_forces_from_the_form(staff_client, staff):
    response = staff_client.post(reverse("campaign_new"), _campaign_post())
    assert response.status_code == 302
    campaign = Campaign.objects.get(slug="stalking-reports")
    assert campaign.owner == staff
    assert campaign.requests.count() == 43
    assert [p.label for p in campaign.periods.all()] == ["2015/16", "2016/17"]
    assert set(campaign.requests.values_list("status", flat=True)) == {"draft"}


def test_a_slug_made_from_the_title_keeps_the_periods_readable(staff_client):
    title = "Stalking reports 2015/16 and 2016/17"
    response = staff_client.post(reverse("campaign_new"), _campaign_post(title=title))
    assert response.status_code == 302
    assert Campaign.objects.get(title=title).slug == "stalking-reports-2015-16-and-2016-17"


def test_a_slug_typed_in_is_kept_as_typed(staff_client):
    data = _campaign_post(title="Stalking reports 2015/16", slug="stalking-201516")
    assert staff_client.post(reverse("campaign_new"), data).status_code == 302
    assert Campaign.objects.filter(slug="stalking-201516").exists()


def test_it_shows_form_errors_and_writes_nothing(staff_client):
    data = _campaign_post(**{"periods-1-end": "2016-01-01", "request_text": "Dear {forcename}"})
    response = staff_client.post(reverse("campaign_new"), data)
    assert response.status_code == 400
    assert not Campaign.objects.exists()
    assert "The last day is before the first day." in response.content.decode()


def test_it_refuses_an_unknown_placeholder(staff_client):
    response = staff_client.post(
        reverse("campaign_new"), _campaign_post(request_text="Dear {forcename}")
    )
    assert response.status_code == 400
    assert "Unknown placeholder {forcename}" in response.content.decode()
    assert not Campaign.objects.exists()


def test_it_edits_a_campaign_adding_a_force(staff_client, campaign, forces):
    data = _campaign_post(
        title="Renamed",
        force_list="",
        forces=[f.pk for f in Force.objects.filter(lists__slug="uk-territorial")],
    )
    response = staff_client.post(reverse("campaign_edit", args=[campaign.slug]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    campaign.refresh_from_db()
    assert campaign.title == "Renamed"
    assert campaign.requests.count() == 45


def test_it_marks_selected_forces_sent_in_bulk(staff_client, campaign):
    ids = list(campaign.requests.values_list("pk", flat=True)[:5])
    response = staff_client.post(
        reverse("campaign_bulk_mark_sent", args=[campaign.slug]),
        {"sent_on": "2026-11-02", "sent_how": "post", "request_ids": ids},
    )
    assert response.status_code == 302
    sent = FoiRequest.objects.filter(pk__in=ids)
    assert {r.status for r in sent} == {"sent"}
    assert {r.due_on for r in sent} == {date(2026, 12, 1)}  # St Andrew's Day, 30 Nov, skipped
    assert campaign.requests.filter(status="draft").count() == 38


def test_it_refuses_bulk_mark_sent_as_a_whole_when_one_is_already_sent(
    staff_client, campaign, staff
):
    ids = list(campaign.requests.values_list("pk", flat=True)[:3])
    request_mark_sent(request_id=ids[0], actor=staff, sent_on=date(2026, 11, 2))
    response = staff_client.post(
        reverse("campaign_bulk_mark_sent", args=[campaign.slug]),
        {"sent_on": "2026-11-03", "sent_how": "post", "request_ids": ids},
        follow=True,
    )
    assert "Nothing was changed" in response.content.decode()
    assert FoiRequest.objects.filter(pk__in=ids[1:], status="draft").count() == 2


def test_it_records_a_response_with_an_attachment(staff_client, campaign, staff):
    foi = campaign.requests.first()
    request_mark_sent(request_id=foi.pk, actor=staff, sent_on=date(2026, 10, 1))
    upload = SimpleUploadedFile("reply.csv", b"force,value\nKent,361\n", content_type="text/csv")
    response = staff_client.post(
        reverse("request_action", args=[foi.pk, "record_response"]),
        {
            "outcome": "part",
            "answered_on": "2026-10-20",
            "exemptions": ["foia:s40(2)"],
            "force_reference": "F/1",
            "attachments": [upload],
        },
    )
    assert response.status_code == 302
    foi.refresh_from_db()
    assert (foi.status, foi.outcome, foi.exemptions, foi.force_reference) == (
        "answered",
        "part",
        ["foia:s40(2)"],
        "F/1",
    )
    attachment = foi.attachments.get()
    import hashlib

    assert attachment.sha256 == hashlib.sha256(b"force,value\nKent,361\n").hexdigest()
    assert attachment.event.kind == "record_response"


def test_it_refuses_an_attachment_of_a_forbidden_type_and_records_nothing(
    staff_client, campaign, staff
):
    foi = campaign.requests.first()
    request_mark_sent(request_id=foi.pk, actor=staff, sent_on=date(2026, 10, 1))
    upload = SimpleUploadedFile("run.exe", b"MZ", content_type="application/octet-stream")
    response = staff_client.post(
        reverse("request_action", args=[foi.pk, "record_response"]),
        {"outcome": "full", "answered_on": "2026-10-20", "attachments": [upload]},
    )
    assert response.status_code == 400
    assert "run.exe: files of this type are not accepted" in response.content.decode()
    foi.refresh_from_db()
    assert foi.status == "sent"
    assert not foi.attachments.exists()


def test_it_refuses_an_attachment_over_the_size_limit(staff_client, campaign, staff, settings):
    settings.ATTACHMENT_MAX_BYTES = 10
    foi = campaign.requests.first()
    request_mark_sent(request_id=foi.pk, actor=staff, sent_on=date(2026, 10, 1))
    upload = SimpleUploadedFile("big.pdf", b"x" * 11)
    response = staff_client.post(
        reverse("request_action", args=[foi.pk, "record_response"]),
        {"outcome": "full", "answered_on": "2026-10-20", "attachments": [upload]},
    )
    assert response.status_code == 400
    assert "larger than" in response.content.decode()


def test_it_offers_only_the_actions_the_state_allows(staff_client, campaign):
    foi = campaign.requests.first()
    page = staff_client.get(foi.get_absolute_url()).content.decode()
    assert 'id="form-mark_sent"' in page and 'id="form-withdraw"' in page
    assert 'id="form-record_response"' not in page


def test_it_refuses_an_illegal_action_with_a_clear_message(staff_client, campaign):
    foi = campaign.requests.first()
    response = staff_client.post(
        reverse("request_action", args=[foi.pk, "record_review"]),
        {"answered_on": "2026-10-20", "review_outcome": "upheld"},
        follow=True,
    )
    assert (
        "Not possible now: &#x27;Internal review answered&#x27; does not follow &#x27;Draft&#x27;."
        in response.content.decode()
    )
    foi.refresh_from_db()
    assert foi.status == "draft"


def test_it_404s_an_unknown_action(staff_client, campaign):
    foi = campaign.requests.first()
    assert staff_client.post(f"/requests/{foi.pk}/delete_everything/").status_code == 404


def test_it_filters_and_sorts_the_campaign_table(staff_client, campaign, staff):
    ids = list(campaign.requests.order_by("force__name").values_list("pk", flat=True))
    requests_bulk_mark_sent(request_ids=ids[:2], actor=staff, sent_on=date(2026, 11, 2))
    page = staff_client.get(
        reverse("campaign_detail", args=[campaign.slug]) + "?state=sent"
    ).content.decode()
    assert page.count('data-status="sent"') == 2
    assert 'data-status="draft"' not in page
    page = staff_client.get(
        reverse("campaign_detail", args=[campaign.slug]) + "?sort=-force"
    ).content.decode()
    assert page.index("West Yorkshire Police") < page.index("Avon and Somerset Constabulary")


def test_it_uses_constant_queries_on_the_campaign_page(
    client, staff, django_assert_max_num_queries
):
    client.force_login(staff)
    small = campaign_create(
        actor=staff,
        slug="small",
        title="Small",
        request_text="Hi {force_name}",
        forces=list(Force.objects.all()[:3]),
        periods=[PeriodSpec("2016/17", date(2016, 4, 1), date(2017, 3, 31))],
    )
    large = campaign_create(
        actor=staff,
        slug="large",
        title="Large",
        request_text="Hi {force_name}",
        forces=list(Force.objects.all()),
        periods=[PeriodSpec("2016/17", date(2016, 4, 1), date(2017, 3, 31))],
    )
    for c in (small, large):
        requests_bulk_mark_sent(
            request_ids=c.requests.values_list("pk", flat=True),
            actor=staff,
            sent_on=date(2026, 11, 2),
        )
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small_queries:
        assert client.get(reverse("campaign_detail", args=["small"])).status_code == 200
    with CaptureQueriesContext(connection) as large_queries:
        assert client.get(reverse("campaign_detail", args=["large"])).status_code == 200
    assert len(large_queries) == len(small_queries)
    with django_assert_max_num_queries(15):
        client.get(reverse("campaign_detail", args=["large"]))


def test_it_downloads_the_request_list_as_csv_and_xlsx(staff_client, campaign, staff):
    foi = campaign.requests.get(force__name="Kent Police")
    request_mark_sent(request_id=foi.pk, actor=staff, sent_on=date(2026, 10, 1))
    response = staff_client.get(reverse("campaign_requests_csv", args=[campaign.slug]))
    rows = list(csv.DictReader(io.StringIO(response.getvalue().decode())))
    assert len(rows) == 43
    kent = next(r for r in rows if r["force"] == "Kent Police")
    assert (kent["force_code"], kent["status"], kent["sent_on"], kent["due_on"]) == (
        "E23000032",
        "Sent",
        "2026-10-01",
        "2026-10-29",
    )
    response = staff_client.get(reverse("campaign_requests_xlsx", args=[campaign.slug]))
    sheet = load_workbook(io.BytesIO(response.content)).active
    header = [c.value for c in sheet[1]]
    assert header[:4] == ["force", "force_code", "law", "status"]
    assert sheet.max_row == 44


def test_it_serves_the_requests_api(client, staff, campaign):
    foi = campaign.requests.get(force__name="Kent Police")
    request_mark_sent(request_id=foi.pk, actor=staff, sent_on=date(2026, 10, 1))
    client.force_login(staff)
    data = client.get(reverse("api_campaign_requests", args=[campaign.slug])).json()
    kent = next(r for r in data if r["force"] == "Kent Police")
    assert kent["force_code"] == "E23000032"
    assert kent["law"] == "foia"
    assert kent["status"] == "sent"
    assert kent["sent_on"] == "2026-10-01"
    assert kent["due_on"] == "2026-10-29"
    assert kent["overdue"] is True  # today is after 29 Oct 2026 in this test run
    assert kent["working_days_late"] > 0
    listing = client.get(reverse("api_campaigns")).json()
    assert listing[0]["slug"] == campaign.slug and listing[0]["requests"] == 43


def test_it_answers_the_api_with_json_errors(client, outsider, campaign):
    url = reverse("api_campaign_requests", args=[campaign.slug])
    assert client.get(url).status_code == 401
    client.force_login(outsider)
    response = client.get(url)
    assert response.status_code == 403 and "error" in response.json()


def test_it_calculates_a_deadline_listing_skipped_days(staff_client):
    page = staff_client.get(
        reverse("deadline_calculator"), {"received_on": "2026-12-18", "law": "foia"}
    ).content.decode()
    # 25, 28 Dec, 1 and 4 Jan (Scottish 2 Jan, substitute) skipped; one date format for people,
    # the ISO date only for machines.
    assert '<time datetime="2027-01-21">Thursday 21 January 2027</time>' in page
    assert "(2027-01-21)" not in page
    assert "Christmas Day" in page and "New Year" in page


def test_it_moves_deadlines_when_a_non_working_day_is_added_in_the_admin(
    client, admin_user, campaign, staff
):
    foi = campaign.requests.first()
    request_mark_sent(request_id=foi.pk, actor=staff, sent_on=date(2026, 11, 2))
    foi.refresh_from_db()
    assert foi.due_on == date(2026, 12, 1)
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:requests_app_nonworkingday_add"),
        {"date": "2026-11-20", "applies_to": "all", "description": "Proclaimed holiday"},
    )
    assert response.status_code == 302
    assert NonWorkingDay.objects.count() == 1
    foi.refresh_from_db()
    assert foi.due_on == date(2026, 12, 2)


def test_it_saves_a_force_list(staff_client):
    forces = list(Force.objects.filter(country="wales"))
    response = staff_client.post(
        reverse("force_list_new"), {"name": "Welsh forces", "forces": [f.pk for f in forces]}
    )
    assert response.status_code == 302
    assert ForceList.objects.get(name="Welsh forces").forces.count() == 4


def test_it_lets_a_person_opt_out_of_the_digest(staff_client, staff):
    response = staff_client.post(reverse("profile"), {"email": "sam@example.org"})
    assert response.status_code == 302
    staff.refresh_from_db()
    assert staff.foi_profile.receive_digest is False


def test_it_previews_the_request_text_per_force(staff_client, campaign):
    response = staff_client.get(
        reverse("campaign_preview", args=[campaign.slug]), {"force": "kent-police"}
    )
    assert (
        "Dear Kent Police, how many online-flagged offences in 2015/16 and 2016/17?"
        in response.content.decode()
    )


def test_it_shows_my_campaigns_and_overdue_requests_on_the_dashboard(staff_client, campaign, staff):
    foi = campaign.requests.get(force__name="Kent Police")
    request_mark_sent(request_id=foi.pk, actor=staff, sent_on=date(2026, 1, 5))
    page = staff_client.get(reverse("dashboard")).content.decode()
    assert campaign.title in page
    assert "Kent Police" in page


def test_it_answers_an_unknown_campaign_in_the_api_with_json(client, staff):
    client.force_login(staff)
    response = client.get(reverse("api_campaign_requests", args=["no-such-campaign"]))
    assert response.status_code == 404
    assert response.json() == {"error": "No campaign with slug 'no-such-campaign'."}
    assert client.post(reverse("api_campaigns")).status_code == 405
