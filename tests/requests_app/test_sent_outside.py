"""Recording requests as sent outside the tracker (issue 27): sending is the campaign page's main
action; the record asks when and how, and the timeline says how they went."""

from __future__ import annotations

import html
import re
from datetime import date

import pytest
from django.urls import reverse

from requests_app.models import FoiRequest, RequestEvent
from requests_app.services.errors import ServiceError
from requests_app.services.lifecycle import request_mark_sent, requests_bulk_mark_sent
from requests_app.workflow import Action

pytestmark = pytest.mark.django_db


def _post(staff_client, campaign, ids, **fields):
    return staff_client.post(
        reverse("campaign_bulk_mark_sent", args=[campaign.slug]),
        {"sent_on": "2026-11-02", "request_ids": ids, **fields},
        follow=True,
    )


def _text(response) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", response.content.decode())).split())


def test_sending_is_the_main_action_and_recording_the_secondary_one(staff_client, campaign):
    page = staff_client.get(campaign.get_absolute_url()).content.decode()
    send = re.search(r'<button[^>]*id="bulk-send"[^>]*>', page).group(0)
    record = re.search(r'<button[^>]*id="bulk-mark-sent"[^>]*>', page).group(0)
    assert "btn-primary" in send
    assert "btn-primary" not in record and "btn-outline-primary" in record
    assert "Record selected as sent outside the tracker" in page
    assert '<option value="portal">Web form / portal</option>' in page
    assert ">Mark sent<" not in page


def test_it_records_how_they_were_sent_and_the_timeline_says_so(staff_client, campaign, staff):
    ids = list(campaign.requests.order_by("pk").values_list("pk", flat=True)[:2])
    page = _post(staff_client, campaign, ids, sent_how="post")
    assert "Recorded 2 requests as sent outside the tracker on 2 November 2026." in _text(page)
    event = RequestEvent.objects.get(request_id=ids[0], kind=Action.MARK_SENT)
    assert event.data == {"sent_outside": {"how": "post"}}
    timeline = _text(staff_client.get(FoiRequest.objects.get(pk=ids[0]).get_absolute_url()))
    assert f"Sent outside the tracker by post on 2 November 2026, recorded by {staff.username}" in (
        timeline
    )


def test_other_needs_words_saying_how(staff_client, campaign):
    ids = list(campaign.requests.values_list("pk", flat=True)[:1])
    page = _post(staff_client, campaign, ids, sent_how="other")
    assert "How it was sent (other): Say how they were sent." in _text(page)
    assert FoiRequest.objects.get(pk=ids[0]).status == "draft"
    _post(staff_client, campaign, ids, sent_how="other", sent_how_other="Handed in at the desk")
    event = RequestEvent.objects.get(request_id=ids[0], kind=Action.MARK_SENT)
    assert event.sent_outside() == "Sent outside the tracker (Handed in at the desk)"


def test_it_asks_how_they_were_sent(staff_client, campaign):
    ids = list(campaign.requests.values_list("pk", flat=True)[:1])
    page = _post(staff_client, campaign, ids)
    assert "How it was sent: Choose how they were sent." in _text(page)
    assert FoiRequest.objects.get(pk=ids[0]).status == "draft"


def test_the_service_refuses_an_unknown_way_and_other_without_words(campaign, staff):
    ids = list(campaign.requests.values_list("pk", flat=True)[:2])
    for how, other, field in (("pigeon", "", "sent_how"), ("other", " ", "sent_how_other")):
        with pytest.raises(ServiceError) as caught:
            requests_bulk_mark_sent(
                request_ids=ids,
                actor=staff,
                sent_on=date(2026, 11, 2),
                sent_how=how,
                sent_how_other=other,
            )
        assert caught.value.field == field
    assert not FoiRequest.objects.filter(pk__in=ids).exclude(status="draft").exists()


def test_a_plain_mark_sent_says_nothing_of_how(campaign, staff):
    foi = campaign.requests.first()
    event = request_mark_sent(request_id=foi.pk, actor=staff, sent_on=date(2026, 11, 2))
    assert event.data == {} and event.sent_outside() == ""


def test_the_request_page_asks_how_too(staff_client, campaign):
    foi = campaign.requests.first()
    url = reverse("request_action", args=[foi.pk, "mark_sent"])
    refused = staff_client.post(url, {"sent_on": "2026-11-02"})
    assert refused.status_code == 400 and "Choose how it was sent." in refused.content.decode()
    foi.refresh_from_db()
    assert foi.status == "draft"
    assert (
        staff_client.post(url, {"sent_on": "2026-11-02", "sent_how": "portal"}).status_code == 302
    )
    timeline = _text(staff_client.get(foi.get_absolute_url()))
    assert "Sent outside the tracker through the force's web form or portal on 2 November 2026" in (
        timeline
    )
