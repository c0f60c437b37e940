"""Mail in the interfaces (issue 9, part 3): the JSON API's correspondence and Inbox, and the
"new reply" flag on the campaign page and the dashboard."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime

import pytest
from django.core import mail
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from requests_app.models import FoiRequest, Force, InboundMessage, SentReminder, SentRequest
from requests_app.models.mail import MessageStatus
from requests_app.models.reminders import ReminderKind, ReminderStatus
from requests_app.services.mail_filing import message_mark_not_foi
from requests_app.services.mail_in import message_receive
from requests_app.services.sending import requests_send
from requests_app.views import api
from tests.requests_app import mail_corpus as corpus

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PDF_SHA256 = hashlib.sha256(PDF).hexdigest()


def at(day: int, hour: int) -> datetime:
    return datetime(2026, 3, day, hour, 0, tzinfo=UTC)


SENT = ["Kent Police", "Essex Police", "Dorset Police"]


@pytest.fixture
def sent_campaign(campaign, staff, settings, django_capture_on_commit_callbacks):
    """The 43-force campaign; Kent, Essex and Dorset sent by email, the rest still drafts."""
    settings.FOI_FROM_EMAIL = "foi@charity.example.org"
    settings.FOI_ORGANISATION = "The Charity"
    settings.FOI_REPLY_TO_TEMPLATE = "foi+{token}@replies.example.org"
    for force in Force.objects.filter(requests__campaign=campaign):
        force.foi_email = f"foi@{force.slug}.police.example"
        force.save(update_fields=["foi_email"])
    ids = list(campaign.requests.filter(force__name__in=SENT).values_list("pk", flat=True))
    with django_capture_on_commit_callbacks(execute=True):
        requests_send(request_ids=ids, actor=staff)
    assert len(mail.outbox) == 3
    return campaign


def _foi(campaign, name: str) -> FoiRequest:
    return campaign.requests.select_related("force", "campaign").get(force__name=name)


def _chaser(foi: FoiRequest, kind: str, *, sent_at: datetime | None, status: str) -> SentReminder:
    return SentReminder.objects.create(
        kind=kind,
        request=foi,
        about_date=date(2026, 3, 2) if kind.startswith("chaser") else date(2026, 4, 2),
        to_email=foi.force.foi_email,
        subject=f"Re: Freedom of Information request [{foi.reference}] - overdue",
        status=status,
        run_on=date(2026, 3, 3),
        claim_token="t",
        claimed_at=at(3, 8),
        sent_at=sent_at,
    )


@pytest.fixture
def kent_correspondence(sent_campaign):
    """Kent: the request (1 Mar), its acknowledgement (2 Mar), a chaser (3 Mar), a reply with a
    PDF (4 Mar); plus a chaser that failed and one still claimed, which never left."""
    kent = _foi(sent_campaign, "Kent Police")
    SentRequest.objects.filter(request=kent).update(sent_at=at(1, 9))
    ack = message_receive(raw=corpus.acknowledgement(kent, "001234/17"), source="stdin").message
    reply = message_receive(
        raw=corpus.token_reply(
            kent,
            message_id="<answer-1@kent.example>",
            attachments=[("figures.pdf", "application/pdf", PDF)],
        ),
        source="imap",
    ).message
    InboundMessage.objects.filter(pk=ack.pk).update(sent_at=at(2, 10))
    InboundMessage.objects.filter(pk=reply.pk).update(sent_at=at(4, 11))
    _chaser(kent, ReminderKind.CHASER_FIRST, sent_at=at(3, 8), status=ReminderStatus.SENT)
    _chaser(kent, ReminderKind.CHASER_SECOND, sent_at=None, status=ReminderStatus.FAILED)
    _chaser(kent, ReminderKind.REVIEW_CHASER_FIRST, sent_at=None, status=ReminderStatus.CLAIMED)
    ack.refresh_from_db()
    reply.refresh_from_db()
    return {"kent": kent, "ack": ack, "reply": reply}


def _stray(subject: str, **kwargs) -> InboundMessage:
    raw = corpus.reply(
        sender="press@somewhere.example", to="foi@charity.example.org", subject=subject, **kwargs
    )
    received = message_receive(raw=raw, source="stdin")
    assert received.message.status == MessageStatus.INBOX
    return received.message


# GET /api/campaigns/<slug>/requests/ -------------------------------------------------------


def test_it_adds_the_mail_fields_to_a_campaigns_requests(staff_client, kent_correspondence):
    kent = kent_correspondence["kent"]
    _stray("Hello")  # in the Inbox: nobody's correspondence
    url = reverse("api_campaign_requests", args=[kent.campaign.slug])
    rows = {row["force"]: row for row in staff_client.get(url).json()}

    assert len(rows) == 43
    sent_log = SentRequest.objects.get(request=kent)
    assert sent_log.message_id.startswith("<") and sent_log.message_id.endswith(
        "@charity.example.org>"
    )
    assert {k: rows["Kent Police"][k] for k in ("sent_message_id", "reply_to", "new_reply")} == {
        "sent_message_id": sent_log.message_id,
        "reply_to": f"foi+{kent.reply_token}@replies.example.org",
        "new_reply": True,
    }
    # The request, the acknowledgement, one chaser sent, the reply (not the failed or the
    # claimed chaser, nor the stray message).
    assert rows["Kent Police"]["messages"] == 4
    essex = _foi(kent.campaign, "Essex Police")
    assert {k: rows["Essex Police"][k] for k in ("reply_to", "new_reply", "messages")} == {
        "reply_to": f"foi+{essex.reply_token}@replies.example.org",
        "new_reply": False,
        "messages": 1,
    }
    assert {
        k: rows["Surrey Police"][k]
        for k in ("sent_message_id", "reply_to", "new_reply", "messages")
    } == {"sent_message_id": None, "reply_to": None, "new_reply": False, "messages": 0}


def test_a_request_marked_sent_by_hand_has_no_message_id_nor_reply_to(staff_client, campaign):
    FoiRequest.objects.filter(campaign=campaign, force__name="Surrey Police").update(
        status="sent", sent_on=date(2026, 3, 1), received_on=date(2026, 3, 1)
    )
    rows = {
        row["force"]: row
        for row in staff_client.get(reverse("api_campaign_requests", args=[campaign.slug])).json()
    }
    surrey = rows["Surrey Police"]
    assert (surrey["status"], surrey["sent_message_id"], surrey["reply_to"]) == ("sent", None, None)
    assert surrey["messages"] == 0


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_the_requests_api_uses_as_many_queries_for_ten_requests_with_mail_as_for_three(
    staff_client, sent_campaign, staff, django_capture_on_commit_callbacks
):
    url = reverse("api_campaign_requests", args=[sent_campaign.slug])
    for name in SENT:
        foi = _foi(sent_campaign, name)
        message_receive(raw=corpus.token_reply(foi), source="stdin")
        _chaser(foi, ReminderKind.CHASER_FIRST, sent_at=at(3, 8), status=ReminderStatus.SENT)
    three = _queries(staff_client, url)

    more = list(sent_campaign.requests.exclude(force__name__in=SENT).order_by("force__name")[:7])
    with django_capture_on_commit_callbacks(execute=True):
        requests_send(request_ids=[f.pk for f in more], actor=staff)
    for foi in more:
        foi.refresh_from_db()
        message_receive(raw=corpus.token_reply(foi), source="stdin")
        _chaser(foi, ReminderKind.CHASER_FIRST, sent_at=at(3, 8), status=ReminderStatus.SENT)
    ten = _queries(staff_client, url)

    assert ten == three
    counts = [row["messages"] for row in staff_client.get(url).json()]
    assert sorted(counts, reverse=True)[:11] == [3] * 10 + [0]


# GET /api/campaigns/<slug>/requests/<force_code>/messages/ ----------------------------------


def test_it_lists_a_requests_correspondence_oldest_first(staff_client, kent_correspondence):
    kent, ack, reply = (kent_correspondence[k] for k in ("kent", "ack", "reply"))
    url = reverse("api_request_messages", args=[kent.campaign.slug, kent.force.ons_code])
    response = staff_client.get(url)

    assert response.status_code == 200
    pdf = kent.attachments.get(event=reply.event)
    assert response.json() == [
        {
            "direction": "out",
            "kind": "request",
            "subject": f"Freedom of Information request - Online child sex offences "
            f"[{kent.reference}]",
            "from": "foi@charity.example.org",
            "to": ["foi@kent-police.police.example"],
            "date": "2026-03-01T09:00:00+00:00",
            "attachments": [],
        },
        {
            "direction": "in",
            "kind": "acknowledgement",
            "subject": f"Automatic reply: Freedom of Information request [{kent.reference}]",
            "from": "foi@kent-police.police.example",
            "to": [f"foi+{kent.reply_token.lower()}@replies.example.org"],
            "date": "2026-03-02T10:00:00+00:00",
            "attachments": [],
            "message_id": ack.message_id,
            "matched_by": "token",
            "kind_reason": ack.kind_reason,
            "url": f"http://testserver/inbox/{ack.pk}/",
        },
        {
            "direction": "out",
            "kind": "chaser",
            "subject": f"Re: Freedom of Information request [{kent.reference}] - overdue",
            "from": "foi@charity.example.org",
            "to": ["foi@kent-police.police.example"],
            "date": "2026-03-03T08:00:00+00:00",
            "attachments": [],
        },
        {
            "direction": "in",
            "kind": "reply",
            "subject": f"RE: Freedom of Information request [{kent.reference}]",
            "from": "foi@kent-police.police.example",
            "to": [f"foi+{kent.reply_token.lower()}@replies.example.org"],
            "date": "2026-03-04T11:00:00+00:00",
            "attachments": [{"name": "figures.pdf", "size": len(PDF), "sha256": pdf.sha256}],
            "message_id": "answer-1@kent.example",
            "matched_by": "token",
            "kind_reason": "no sign of an automatic message: a person's reply",
            "url": f"http://testserver/inbox/{reply.pk}/",
        },
    ]
    assert pdf.sha256 == PDF_SHA256
    # The request as listed is the email that went.
    (sent,) = [m for m in mail.outbox if m.to == [kent.force.foi_email]]
    assert sent.subject == response.json()[0]["subject"]
    assert sent.extra_headers["Message-ID"] == SentRequest.objects.get(request=kent).message_id


def test_a_review_chaser_is_told_apart_and_a_placed_message_says_so(
    staff_client, sent_campaign, staff
):
    from requests_app.services.mail_filing import message_assign

    essex = _foi(sent_campaign, "Essex Police")
    SentRequest.objects.filter(request=essex).update(sent_at=at(1, 9))
    _chaser(essex, ReminderKind.REVIEW_CHASER_FIRST, sent_at=at(5, 8), status=ReminderStatus.SENT)
    stray = _stray("Our response", message_id="<placed@essex.example>")
    InboundMessage.objects.filter(pk=stray.pk).update(sent_at=at(6, 9))
    message_assign(message_id=stray.pk, request_id=essex.pk, actor=staff)
    url = reverse("api_request_messages", args=[sent_campaign.slug, essex.force.ons_code])
    rows = staff_client.get(url).json()
    assert [(r["direction"], r["kind"], r.get("matched_by")) for r in rows] == [
        ("out", "request", None),
        ("out", "review_chaser", None),
        ("in", "reply", "person"),
    ]
    assert rows[2]["message_id"] == "placed@essex.example"


def test_a_request_never_emailed_has_no_correspondence(staff_client, sent_campaign):
    surrey = _foi(sent_campaign, "Surrey Police")
    url = reverse("api_request_messages", args=[sent_campaign.slug, surrey.force.ons_code])
    response = staff_client.get(url)
    assert (response.status_code, response.json()) == (200, [])


def test_the_force_code_is_matched_ignoring_case(staff_client, kent_correspondence):
    kent = kent_correspondence["kent"]
    url = reverse("api_request_messages", args=[kent.campaign.slug, kent.force.ons_code.lower()])
    assert len(staff_client.get(url).json()) == 4


def test_messages_of_an_unknown_campaign_or_force_are_a_404_that_says_which(
    staff_client, sent_campaign
):
    kent = _foi(sent_campaign, "Kent Police")
    response = staff_client.get(reverse("api_request_messages", args=["nope", kent.force.ons_code]))
    assert (response.status_code, response.json()) == (
        404,
        {"error": "No campaign with slug 'nope'."},
    )

    response = staff_client.get(reverse("api_request_messages", args=[sent_campaign.slug, "E99"]))
    assert response.status_code == 404
    assert response.json() == {
        "error": f"Campaign '{sent_campaign.slug}' has no request to a force with code 'E99' "
        f"(the force_code of /api/campaigns/{sent_campaign.slug}/requests/)."
    }

    outside = Force.objects.exclude(requests__campaign=sent_campaign).exclude(ons_code="").first()
    assert outside is not None
    response = staff_client.get(
        reverse("api_request_messages", args=[sent_campaign.slug, outside.ons_code])
    )
    assert response.status_code == 404
    assert f"with code '{outside.ons_code}'" in response.json()["error"]


# GET /api/inbox/ -------------------------------------------------------------------------------


def test_the_inbox_api_lists_unplaced_mail_newest_first(staff_client, kent_correspondence, staff):
    older = _stray("First stray", attachments=[("notes.pdf", "application/pdf", PDF)])
    newer = _stray("Second stray")
    InboundMessage.objects.filter(pk=older.pk).update(received_at=at(5, 9), sent_at=at(5, 8))
    InboundMessage.objects.filter(pk=newer.pk).update(received_at=at(6, 9), sent_at=None)
    gone = _stray("Not ours")
    message_mark_not_foi(message_id=gone.pk, actor=staff)

    response = staff_client.get(reverse("api_inbox"))
    assert response.status_code == 200
    assert response.json() == {
        "count": 2,
        "next": None,
        "previous": None,
        "results": [
            {
                "id": newer.pk,
                "subject": "Second stray",
                "from": "press@somewhere.example",
                "to": ["foi@charity.example.org"],
                "date": None,
                "kind": "reply",
                "kind_reason": "no sign of an automatic message: a person's reply",
                "suggested_request": None,
                "suggested_by": None,
                "received_at": "2026-03-06T09:00:00+00:00",
                "attachments": [],
                "url": f"http://testserver/inbox/{newer.pk}/",
            },
            {
                "id": older.pk,
                "subject": "First stray",
                "from": "press@somewhere.example",
                "to": ["foi@charity.example.org"],
                "date": "2026-03-05T08:00:00+00:00",
                "kind": "reply",
                "kind_reason": "no sign of an automatic message: a person's reply",
                "suggested_request": None,
                "suggested_by": None,
                "received_at": "2026-03-05T09:00:00+00:00",
                "attachments": [
                    {
                        "name": "notes.pdf",
                        "size": len(PDF),
                        "sha256": PDF_SHA256,
                    }
                ],
                "url": f"http://testserver/inbox/{older.pk}/",
            },
        ],
    }


def test_the_inbox_api_pages(staff_client, db, monkeypatch):
    monkeypatch.setattr(api, "INBOX_PAGE_SIZE", 2)
    strays = [_stray(f"Stray {n}") for n in range(5)]
    for n, message in enumerate(strays):
        InboundMessage.objects.filter(pk=message.pk).update(received_at=at(1 + n, 9))
    url = reverse("api_inbox")

    first = staff_client.get(url).json()
    assert (first["count"], first["next"], first["previous"]) == (
        5,
        "http://testserver/api/inbox/?page=2",
        None,
    )
    assert [r["subject"] for r in first["results"]] == ["Stray 4", "Stray 3"]
    last = staff_client.get(url, {"page": 3}).json()
    assert (last["next"], last["previous"]) == (None, "http://testserver/api/inbox/?page=2")
    assert [r["subject"] for r in last["results"]] == ["Stray 0"]

    beyond = staff_client.get(url, {"page": 4})
    assert (beyond.status_code, beyond.json()) == (
        404,
        {"error": "There is no page 4 (pages 1 to 3)."},
    )
    bad = staff_client.get(url, {"page": "x"})
    assert (bad.status_code, bad.json()) == (
        400,
        {"error": "page must be a whole number, got 'x'."},
    )


def test_an_empty_inbox_is_an_empty_page(staff_client, db):
    assert staff_client.get(reverse("api_inbox")).json() == {
        "count": 0,
        "next": None,
        "previous": None,
        "results": [],
    }


def test_the_inbox_api_uses_as_many_queries_for_ten_messages_as_for_three(staff_client, db):
    for n in range(3):
        _stray(f"Stray {n}")
    three = _queries(staff_client, reverse("api_inbox"))
    for n in range(3, 10):
        _stray(f"Stray {n}")
    assert _queries(staff_client, reverse("api_inbox")) == three


# Login and roles -------------------------------------------------------------------------------


def _new_urls(campaign) -> list[str]:
    kent = _foi(campaign, "Kent Police")
    return [
        reverse("api_campaign_requests", args=[campaign.slug]),
        reverse("api_request_messages", args=[campaign.slug, kent.force.ons_code]),
        reverse("api_inbox"),
    ]


def test_the_mail_api_needs_a_login(client, campaign):
    for url in _new_urls(campaign):
        response = client.get(url)
        assert (response.status_code, response.json()) == (
            401,
            {"error": "Log in to use the API."},
        ), url


def test_the_mail_api_needs_a_role(client, campaign, outsider):
    client.force_login(outsider)
    for url in _new_urls(campaign):
        response = client.get(url)
        assert (response.status_code, response.json()) == (
            403,
            {"error": "You need the staff or reviewer role."},
        ), url


def test_the_mail_api_serves_staff_and_reviewers(client, campaign, staff, reviewer):
    for user in (staff, reviewer):
        client.force_login(user)
        for url in _new_urls(campaign):
            response = client.get(url)
            assert response.status_code == 200, url
            assert response["Content-Type"] == "application/json", url


def test_the_mail_api_only_answers_get(staff_client, campaign):
    for url in _new_urls(campaign):
        assert staff_client.post(url).status_code == 405, url


# The "new reply" flag on the campaign page and the dashboard ----------------------------------


def _flag(campaign, *names: str) -> list[FoiRequest]:
    flagged = []
    for n, name in enumerate(names):
        foi = _foi(campaign, name)
        FoiRequest.objects.filter(pk=foi.pk).update(new_reply_at=at(10 + n, 9))
        flagged.append(foi)
    return flagged


def test_the_campaign_page_badges_each_new_reply_and_counts_them(staff_client, campaign):
    kent, essex = _flag(campaign, "Kent Police", "Essex Police")
    page = staff_client.get(campaign.get_absolute_url()).content.decode()

    assert '<a href="?state=new_reply" class="fw-semibold">2 new replies to record</a>' in page
    assert page.count('class="badge text-bg-info text-decoration-none new-reply-badge"') == 2
    assert f'<a href="/requests/{kent.pk}/#new-reply" class="badge' in page
    assert f'<a href="/requests/{essex.pk}/#new-reply" class="badge' in page
    assert 'data-state="new_reply">New reply 2</a>' in page


def test_one_new_reply_is_one_reply_and_none_shows_nothing(staff_client, campaign):
    assert "to record" not in staff_client.get(campaign.get_absolute_url()).content.decode()
    _flag(campaign, "Kent Police")
    page = staff_client.get(campaign.get_absolute_url()).content.decode()
    assert ">1 new reply to record</a>" in page


def test_the_campaign_page_filters_to_new_replies(staff_client, campaign):
    _flag(campaign, "Kent Police", "Essex Police")
    page = staff_client.get(campaign.get_absolute_url(), {"state": "new_reply"})
    forces = [row.foi.force.name for row in page.context["rows"]]
    assert forces == ["Essex Police", "Kent Police"]
    assert page.context["state"] == "new_reply"


def test_the_campaign_page_uses_as_many_queries_for_ten_new_replies_as_for_one(
    staff_client, campaign
):
    names = list(campaign.requests.order_by("force__name").values_list("force__name", flat=True))
    _flag(campaign, names[0])
    one = _queries(staff_client, campaign.get_absolute_url())
    _flag(campaign, *names[1:10])
    assert _queries(staff_client, campaign.get_absolute_url()) == one


def _needs_you(response, key: str) -> dict | None:
    return next((s for s in response.context["needs_you"] if s["key"] == key), None)


def test_the_dashboard_lists_new_replies_oldest_first(staff_client, campaign):
    kent, essex = _flag(campaign, "Kent Police", "Essex Police")
    response = staff_client.get(reverse("dashboard"))
    page = response.content.decode()
    replies = _needs_you(response, "replies")
    assert replies["count"] == 2
    assert [item["label"] for item in replies["items"]] == ["Kent Police", "Essex Police"]
    card = page.split('id="needs-replies"', 1)[1].split("</section>", 1)[0]
    assert 'New replies: record the response <span class="badge text-bg-primary">2</span>' in card
    kent_link = f'<a href="/requests/{kent.pk}/#new-reply">Kent Police</a>'
    essex_link = f'<a href="/requests/{essex.pk}/#new-reply">Essex Police</a>'
    assert kent_link in card and essex_link in card
    assert card.index(kent_link) < card.index(essex_link)
    assert "Reply received 10 March 2026" in card
    assert "Online child sex offences" in card


def test_the_dashboard_says_when_nothing_needs_you(staff_client, campaign):
    response = staff_client.get(reverse("dashboard"))
    assert _needs_you(response, "replies") is None
    assert "Nothing needs you today." in response.content.decode()


def test_the_dashboard_uses_as_many_queries_for_ten_new_replies_as_for_one(staff_client, campaign):
    names = list(campaign.requests.order_by("force__name").values_list("force__name", flat=True))
    # _flag writes around the services: the cache is emptied, so each load works the lists out.
    _flag(campaign, names[0])
    cache.clear()
    one = _queries(staff_client, reverse("dashboard"))
    _flag(campaign, *names[1:10])
    cache.clear()
    assert _queries(staff_client, reverse("dashboard")) == one


def test_recording_the_response_takes_the_request_off_the_dashboard(staff_client, campaign, staff):
    from requests_app.services.lifecycle import request_reply_seen

    (kent,) = _flag(campaign, "Kent Police")
    request_reply_seen(request_id=kent.pk, actor=staff)
    response = staff_client.get(reverse("dashboard"))
    assert _needs_you(response, "replies") is None


def test_a_force_with_no_ons_code_is_named_by_its_slug(db, staff_client, staff):
    from requests_app.models import Force
    from requests_app.services.campaigns import campaign_create
    from tests.conftest import NSPCC_PERIODS

    btp = Force.objects.get(name="British Transport Police")
    campaign_create(
        actor=staff,
        owner=staff,
        slug="transport",
        title="Transport",
        request_text="Dear {force_name}, how many offences in {periods}?",
        forces=[btp],
        periods=NSPCC_PERIODS,
    )
    (row,) = staff_client.get(reverse("api_campaign_requests", args=["transport"])).json()
    assert (row["force_code"], row["force_slug"]) == (None, btp.slug)
    response = staff_client.get(
        reverse("api_request_messages", args=["transport", row["force_slug"]])
    )
    assert response.status_code == 200 and response.json() == []
