"""Sending the requests (issue 9, part 1): one email per force, exactly once, on the timeline."""

from __future__ import annotations

import hashlib
import io
from datetime import timedelta
from email import message_from_bytes

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from requests_app.models import Campaign, FoiRequest, Force, RequestAttachment, SentRequest
from requests_app.models.outbox import SendStatus
from requests_app.services.campaigns import campaign_create
from requests_app.services.sending import Outcome, request_send, requests_send
from requests_app.workflow import Action, Status
from tests.conftest import NSPCC_PERIODS

LETTER = "Dear {force_name},\n\nUnder {act}, please tell me how many offences in {periods}."


@pytest.fixture
def mail_settings(settings):
    settings.FOI_FROM_EMAIL = "foi@charity.example.org"
    settings.FOI_ORGANISATION = "The Charity"
    settings.FOI_REPLY_TO_TEMPLATE = "foi+{token}@replies.example.org"
    settings.FOI_SEND_STALE_CLAIM_MINUTES = 30
    return settings


@pytest.fixture
def uk_campaign(db, staff, mail_settings):
    """Kent (FOIA), Police Scotland (FOISA) with addresses; Gwent without one."""
    names = ["Kent Police", "Police Scotland", "Gwent Police"]
    for name in names[:2]:
        force = Force.objects.get(name=name)
        force.foi_email = f"foi@{force.slug}.police.example"
        force.save(update_fields=["foi_email"])
    Force.objects.filter(name="Gwent Police").update(foi_email="")
    return campaign_create(
        actor=staff,
        owner=staff,
        slug="online",
        title="Online offences",
        request_text=LETTER,
        forces=list(Force.objects.filter(name__in=names)),
        periods=NSPCC_PERIODS,
    )


def _foi(campaign: Campaign, name: str) -> FoiRequest:
    return campaign.requests.select_related("force").get(force__name=name)


def _ids(campaign: Campaign) -> list[int]:
    return list(campaign.requests.values_list("pk", flat=True))


def _sent_to(address: str) -> list:
    return [m for m in mail.outbox if m.to == [address]]


def _send_all(campaign, actor, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return requests_send(request_ids=_ids(campaign), actor=actor)


def test_it_names_the_right_act_for_each_force(
    uk_campaign, staff, django_capture_on_commit_callbacks
):
    _send_all(uk_campaign, staff, django_capture_on_commit_callbacks)
    kent = _sent_to("foi@kent-police.police.example")[0].body
    scotland = _sent_to("foi@police-scotland.police.example")[0].body
    assert "Under the Freedom of Information Act 2000, please" in kent
    assert "Under the Freedom of Information (Scotland) Act 2002, please" in scotland
    assert "The Charity" in kent


def test_it_builds_a_unique_reply_to_from_the_template(
    uk_campaign, staff, django_capture_on_commit_callbacks
):
    _send_all(uk_campaign, staff, django_capture_on_commit_callbacks)
    reply_tos = [m.reply_to[0] for m in mail.outbox]
    assert len(reply_tos) == 2 and len(set(reply_tos)) == 2
    for message in mail.outbox:
        foi = FoiRequest.objects.get(force__foi_email=message.to[0], campaign=uk_campaign)
        assert message.reply_to == [f"foi+{foi.reply_token}@replies.example.org"]
        assert len(foi.reply_token) >= 20
        assert message.from_email == "The Charity <foi@charity.example.org>"


def test_it_gives_every_request_its_own_token(uk_campaign):
    tokens = list(uk_campaign.requests.values_list("reply_token", flat=True))
    assert all(tokens) and len(set(tokens)) == len(tokens)


def test_it_puts_our_reference_in_the_subject(
    uk_campaign, staff, django_capture_on_commit_callbacks
):
    _send_all(uk_campaign, staff, django_capture_on_commit_callbacks)
    kent = _foi(uk_campaign, "Kent Police")
    subject = _sent_to("foi@kent-police.police.example")[0].subject
    assert subject == f"Freedom of Information request - Online offences [FOI-{kent.pk}]"


def test_it_stores_the_message_id_it_sent(uk_campaign, staff, django_capture_on_commit_callbacks):
    _send_all(uk_campaign, staff, django_capture_on_commit_callbacks)
    kent = _foi(uk_campaign, "Kent Police")
    sent = _sent_to("foi@kent-police.police.example")[0]
    assert kent.sent_message_id == sent.extra_headers["Message-ID"]
    assert kent.sent_message_id.endswith("@charity.example.org>")
    assert kent.sent_log.status == SendStatus.SENT


def test_it_sends_once_per_force_when_sent_twice(
    uk_campaign, staff, django_capture_on_commit_callbacks
):
    _send_all(uk_campaign, staff, django_capture_on_commit_callbacks)
    second = _send_all(uk_campaign, staff, django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 2
    assert second.ready == []
    for foi in uk_campaign.requests.exclude(force__name="Gwent Police"):
        assert request_send(request_id=foi.pk, actor=staff) == Outcome.ALREADY_SENT
    assert len(mail.outbox) == 2


def test_it_resends_exactly_once_a_stale_claim_left_by_a_dead_worker(uk_campaign, staff):
    kent = _foi(uk_campaign, "Kent Police")
    long_ago = timezone.now() - timedelta(minutes=31)
    SentRequest.objects.create(
        request=kent,
        status=SendStatus.CLAIMED,
        claim_token="dead-worker",
        claimed_at=long_ago,
        message_id="<first-claim@charity.example.org>",
    )
    assert request_send(request_id=kent.pk, actor=staff) == Outcome.SENT
    assert request_send(request_id=kent.pk, actor=staff) == Outcome.ALREADY_SENT
    assert len(mail.outbox) == 1
    # The re-send reuses the Message-ID of the first claim, so a duplicate is recognisable.
    assert mail.outbox[0].extra_headers["Message-ID"] == "<first-claim@charity.example.org>"
    kent.refresh_from_db()
    assert kent.status == Status.SENT


def test_it_leaves_a_fresh_claim_alone(uk_campaign, staff):
    kent = _foi(uk_campaign, "Kent Police")
    SentRequest.objects.create(
        request=kent,
        status=SendStatus.CLAIMED,
        claim_token="live-worker",
        claimed_at=timezone.now() - timedelta(minutes=5),
    )
    assert request_send(request_id=kent.pk, actor=staff) == Outcome.IN_PROGRESS
    assert mail.outbox == []
    row = SentRequest.objects.get(request=kent)
    assert (row.claim_token, row.status) == ("live-worker", SendStatus.CLAIMED)
    kent.refresh_from_db()
    assert kent.status == Status.DRAFT


def test_the_send_task_comes_back_when_the_claim_would_be_stale(uk_campaign, staff, time_machine):
    """A claim held by another worker (perhaps one killed mid-send, whose task came back to
    us): the task retries once it would be stale, rather than finishing with the email unsent."""
    from requests_app.selectors.sending import request_claim_stale_in
    from requests_app.tasks import SendUnsettled, send_request

    time_machine.move_to("2026-11-02 10:00:00+00:00", tick=False)
    kent = _foi(uk_campaign, "Kent Police")
    SentRequest.objects.create(
        request=kent,
        status=SendStatus.CLAIMED,
        claim_token="killed-worker",
        claimed_at=timezone.now() - timedelta(minutes=5),
    )
    assert request_claim_stale_in(kent.pk) == 25 * 60
    with pytest.raises(SendUnsettled):  # a direct call re-raises what a worker would retry on
        send_request(kent.pk, staff.pk)
    assert mail.outbox == []
    time_machine.move_to("2026-11-02 10:26:00+00:00", tick=False)
    assert request_claim_stale_in(kent.pk) == 0
    assert send_request(kent.pk, staff.pk) == Outcome.SENT
    assert request_claim_stale_in(kent.pk) is None
    assert len(mail.outbox) == 1


def test_it_marks_a_failed_send_and_sends_it_on_retry(uk_campaign, staff, monkeypatch):
    from django.core.mail import EmailMessage

    from requests_app.services.sending import SendFailed

    kent = _foi(uk_campaign, "Kent Police")

    def refuse(self, fail_silently=False):
        raise OSError("connection refused")

    with monkeypatch.context() as patch:
        patch.setattr(EmailMessage, "send", refuse)
        with pytest.raises(SendFailed):
            request_send(request_id=kent.pk, actor=staff)
    assert SentRequest.objects.get(request=kent).status == SendStatus.FAILED
    assert request_send(request_id=kent.pk, actor=staff) == Outcome.SENT
    assert len(mail.outbox) == 1


def test_it_puts_the_sent_message_on_the_timeline_as_eml(
    uk_campaign, staff, django_capture_on_commit_callbacks
):
    _send_all(uk_campaign, staff, django_capture_on_commit_callbacks)
    kent = _foi(uk_campaign, "Kent Police")
    event = kent.events.get(kind=Action.MARK_SENT)
    attachment = RequestAttachment.objects.get(event=event)
    assert attachment.original_name == f"FOI-{kent.pk}.eml"
    assert attachment.content_type == "message/rfc822"
    raw = attachment.file.read()
    assert attachment.sha256 == hashlib.sha256(raw).hexdigest()
    parsed = message_from_bytes(raw)
    assert parsed["Message-ID"] == kent.sent_message_id
    assert parsed["Subject"].endswith(f"[FOI-{kent.pk}]")
    assert parsed["Reply-To"] == kent.reply_to
    assert event.data["message_id"] == kent.sent_message_id
    assert event.actor == staff


def test_it_moves_the_request_to_sent_received_today(
    uk_campaign, staff, django_capture_on_commit_callbacks
):
    _send_all(uk_campaign, staff, django_capture_on_commit_callbacks)
    kent = _foi(uk_campaign, "Kent Police")
    today = timezone.localdate()
    assert (kent.status, kent.sent_on, kent.received_on) == (Status.SENT, today, today)
    assert kent.due_on is not None and kent.due_on > today


def test_it_lists_forces_without_an_address_and_does_not_send_to_them(
    uk_campaign, staff, django_capture_on_commit_callbacks
):
    plan = _send_all(uk_campaign, staff, django_capture_on_commit_callbacks)
    assert [foi.force.name for foi in plan.no_address] == ["Gwent Police"]
    gwent = _foi(uk_campaign, "Gwent Police")
    assert gwent.status == Status.DRAFT
    assert not SentRequest.objects.filter(request=gwent).exists()
    assert request_send(request_id=gwent.pk, actor=staff) == Outcome.NO_ADDRESS
    assert len(mail.outbox) == 2


def test_it_sends_nothing_on_a_dry_run(uk_campaign):
    out = io.StringIO()
    call_command("send_requests", "online", "--dry-run", stdout=out)
    text = out.getvalue()
    assert mail.outbox == []
    assert not SentRequest.objects.exists()
    assert "would send: Kent Police <foi@kent-police.police.example>" in text
    assert "not sent: Gwent Police: no FOI address" in text
    assert set(uk_campaign.requests.values_list("status", flat=True)) == {Status.DRAFT}


def test_it_sends_from_the_command_once_and_names_forces(uk_campaign):
    out = io.StringIO()
    call_command("send_requests", "online", "--force", "Kent", "--force", "Gwent", stdout=out)
    text = out.getvalue()
    assert "sent: Kent Police <foi@kent-police.police.example>" in text
    assert "not sent: Gwent Police: no FOI address" in text
    assert [m.to for m in mail.outbox] == [["foi@kent-police.police.example"]]
    again = io.StringIO()
    call_command("send_requests", "online", "--force", "kent", stdout=again)
    assert "not sent: Kent Police: already sent on" in again.getvalue()
    assert len(mail.outbox) == 1


def test_it_refuses_a_force_not_in_the_campaign(uk_campaign):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="Essex Police is not asked"):
        call_command("send_requests", "online", "--force", "Essex", stdout=io.StringIO())
    with pytest.raises(CommandError, match="No campaign"):
        call_command("send_requests", "nope", stdout=io.StringIO())


# Pages ----------------------------------------------------------------------------------------


def test_it_previews_a_campaign_send_for_staff_and_sends_only_on_confirm(
    client, staff, uk_campaign, django_capture_on_commit_callbacks
):
    client.force_login(staff)
    url = reverse("campaign_send", args=["online"])
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "foi@kent-police.police.example" in html
    assert "Under the Freedom of Information (Scotland) Act 2002" in html
    assert "Gwent Police" in html
    gwent = _foi(uk_campaign, "Gwent Police")
    assert reverse("force_address", args=[gwent.force_id]) in html
    assert mail.outbox == []
    kent = _foi(uk_campaign, "Kent Police")
    ticked = client.post(url, {"request_ids": [kent.pk]})
    assert ticked.status_code == 200 and mail.outbox == []
    assert "foi@police-scotland.police.example" not in ticked.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(url, {"request_ids": [kent.pk], "confirm": "1"})
    assert done.status_code == 302
    assert [m.to for m in mail.outbox] == [["foi@kent-police.police.example"]]


def test_it_previews_and_sends_one_request(
    client, staff, uk_campaign, django_capture_on_commit_callbacks
):
    client.force_login(staff)
    kent = _foi(uk_campaign, "Kent Police")
    url = reverse("request_send", args=[kent.pk])
    page = client.get(url)
    assert page.status_code == 200 and f"[FOI-{kent.pk}]" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url, {"confirm": "1"}).status_code == 302
    assert len(mail.outbox) == 1
    assert "Send by email" not in client.get(kent.get_absolute_url()).content.decode()


def test_it_refuses_the_send_pages_to_outsiders_and_reviewers_without_staff(
    client, outsider, uk_campaign
):
    kent = _foi(uk_campaign, "Kent Police")
    client.force_login(outsider)
    for url in (reverse("campaign_send", args=["online"]), reverse("request_send", args=[kent.pk])):
        assert client.get(url).status_code == 403
        assert client.post(url, {"request_ids": [kent.pk], "confirm": "1"}).status_code == 403
    assert mail.outbox == []


def test_it_sets_a_force_address_from_the_link(client, staff, uk_campaign):
    client.force_login(staff)
    gwent = _foi(uk_campaign, "Gwent Police").force
    back = reverse("campaign_send", args=["online"])
    url = reverse("force_address", args=[gwent.pk]) + f"?next={back}"
    assert client.get(url).status_code == 200
    response = client.post(url, {"foi_email": "foi@gwent.example", "next": back})
    assert response.status_code == 302 and response["Location"] == back
    gwent.refresh_from_db()
    assert gwent.foi_email == "foi@gwent.example"
    evil = client.post(url, {"foi_email": "x@gwent.example", "next": "https://evil.example/"})
    assert evil["Location"] == reverse("force_list")


def test_it_renders_the_act_placeholder_in_previews(uk_campaign):
    scotland = _foi(uk_campaign, "Police Scotland")
    assert "the Freedom of Information (Scotland) Act 2002" in uk_campaign.render_request_text(
        scotland.force
    )


def test_it_keeps_the_email_when_the_request_was_marked_sent_by_hand_meanwhile(
    uk_campaign, staff, monkeypatch
):
    from datetime import date

    from django.core.mail import EmailMessage

    from requests_app.services.lifecycle import request_mark_sent

    kent = _foi(uk_campaign, "Kent Police")
    real_send = EmailMessage.send

    def send_while_someone_marks_it_sent(self, fail_silently=False):
        request_mark_sent(request_id=kent.pk, actor=staff, sent_on=date(2026, 11, 2))
        return real_send(self, fail_silently)

    monkeypatch.setattr(EmailMessage, "send", send_while_someone_marks_it_sent)
    assert request_send(request_id=kent.pk, actor=staff) == Outcome.SENT
    kent.refresh_from_db()
    assert kent.sent_on == date(2026, 11, 2)
    note = kent.events.get(kind="note")
    assert note.attachments.get().original_name == f"FOI-{kent.pk}.eml"
    assert kent.sent_message_id and len(mail.outbox) == 1


def test_it_accepts_the_act_placeholder_in_campaign_json(tmp_path, staff):
    import json

    path = tmp_path / "c.json"
    path.write_text(
        json.dumps(
            {
                "slug": "act-json",
                "title": "Act",
                "request_text": "Dear {force_name}, under {act}, how many in {periods}?",
                "forces": ["Police Scotland"],
                "periods": [{"label": "2016/17", "start": "2016-04-01", "end": "2017-03-31"}],
            }
        )
    )
    call_command("load_campaign", str(path), stdout=io.StringIO())
    campaign = Campaign.objects.get(slug="act-json")
    foi = campaign.requests.select_related("force").get()
    assert "under the Freedom of Information (Scotland) Act 2002," in (
        campaign.render_request_text(foi.force)
    )
