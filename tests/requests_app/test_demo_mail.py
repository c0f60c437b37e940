"""The newcomer's path (issue 9, section 5): send the demo's draft campaign, drop made-up replies
into the drop folder with `demo_reply`, and see them filed, acknowledged and flagged."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.urls import reverse

from foi_tracker.demo import demo_load_with_figures
from requests_app.demo import DRAFT_SLUG
from requests_app.models import Campaign, InboundMessage
from requests_app.models.mail import MessageKind, MessageStatus
from requests_app.services.sending import requests_send
from requests_app.workflow import Status

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent_draft(settings, tmp_path, django_capture_on_commit_callbacks, time_machine):
    time_machine.move_to("2026-11-02 10:00:00+00:00")
    settings.DEBUG = True
    settings.FOI_IMAP_URL = ""
    settings.FOI_MAIL_DROP_DIR = tmp_path / "inbox"
    users, _ = demo_load_with_figures(today=date(2026, 11, 2))
    draft = Campaign.objects.get(slug=DRAFT_SLUG)
    sendable = list(draft.requests.exclude(force__foi_email="").values_list("pk", flat=True))
    with django_capture_on_commit_callbacks(execute=True):
        requests_send(request_ids=sendable, actor=users["sam"])
    assert len(mail.outbox) == 45
    return draft


def _reply(foi, kind: str, *extra: str) -> str:
    out = io.StringIO()
    call_command("demo_reply", foi.reference, "--kind", kind, *extra, stdout=out)
    return out.getvalue()


def test_each_demo_reply_is_filed_and_acted_on(sent_draft, settings):
    kent, essex, surrey, dorset, sussex = (
        sent_draft.requests.select_related("force").get(force__name=name)
        for name in (
            "Kent Police",
            "Essex Police",
            "Surrey Police",
            "Dorset Police",
            "Sussex Police",
        )
    )
    said = _reply(kent, "acknowledgement", "--force-reference", "KP/2026/0042")
    assert "an automatic acknowledgement, from Kent Police" in said
    _reply(essex, "reply")
    _reply(surrey, "bounce")
    _reply(dorset, "unplaced")
    _reply(sussex, "out-of-office")
    assert len(list(settings.FOI_MAIL_DROP_DIR.glob("*.eml"))) == 5

    out = io.StringIO()
    call_command("fetch_mail", stdout=out)
    assert "4 filed, 1 inbox" in out.getvalue()
    sussex.refresh_from_db()
    assert sussex.new_reply_at is None and sussex.status == Status.SENT
    assert InboundMessage.objects.get(request=sussex).kind == MessageKind.AUTO_REPLY

    kent.refresh_from_db()
    assert kent.status == Status.ACKNOWLEDGED
    assert kent.force_reference == "KP/2026/0042"
    essex.refresh_from_db()
    assert essex.new_reply_at is not None
    reply = InboundMessage.objects.get(request=essex)
    assert reply.kind == MessageKind.REPLY
    (sheet,) = reply.event.attachments.all()
    assert sheet.original_name == f"FOI-{essex.pk:06d} response.xlsx"
    assert sheet.content_type.endswith("spreadsheetml.sheet")
    surrey.force.refresh_from_db()
    assert surrey.force.email_failing_since is not None
    stray = InboundMessage.objects.get(status=MessageStatus.INBOX)
    assert stray.subject == "Your recent information request"
    assert stray.request is None


def test_demo_reply_names_a_reference_it_cannot_find(sent_draft):
    with pytest.raises(CommandError, match="request: no request 'FOI-999999'"):
        call_command("demo_reply", "FOI-999999", stdout=io.StringIO())


def test_demo_reply_takes_a_force_name_in_the_draft_campaign(sent_draft, settings):
    out = io.StringIO()
    call_command("demo_reply", "kent", "--kind", "acknowledgement", stdout=out)
    kent = sent_draft.requests.get(force__name="Kent Police")
    assert f"from Kent Police about {kent.reference}" in out.getvalue()
    with pytest.raises(CommandError, match="Unknown force 'Kentish Town'"):
        call_command("demo_reply", "Kentish Town", stdout=io.StringIO())
    with pytest.raises(CommandError, match="--campaign: no request to Kent Police"):
        call_command("demo_reply", "Kent", "--campaign", "nope", stdout=io.StringIO())


def test_demo_reply_is_refused_on_a_real_site(sent_draft, settings):
    settings.DEBUG = False
    foi = sent_draft.requests.first()
    with pytest.raises(CommandError, match="only on the local demo site"):
        call_command("demo_reply", foi.reference, stdout=io.StringIO())
    assert not list(settings.FOI_MAIL_DROP_DIR.glob("*.eml"))


def test_check_for_mail_now_files_the_drop_folder(
    sent_draft, client, django_user_model, django_capture_on_commit_callbacks
):
    essex = sent_draft.requests.get(force__name="Essex Police")
    _reply(essex, "reply")
    client.force_login(django_user_model.objects.get(username="sam"))
    page = client.get(reverse("inbox"))
    assert "Check for mail now" in page.text
    assert "the drop folder" in page.text
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("inbox_check"), follow=True)
    assert "Checking…" in response.text  # rendered before the queued fetch ran at commit
    essex.refresh_from_db()
    assert essex.new_reply_at is not None
    said = re.sub(r"<[^>]+>", "", client.get(reverse("inbox")).text)
    assert f"1 message filed: a reply on {essex.reference} (Essex Police)." in said


def test_the_inbox_never_shows_the_imap_password(sent_draft, client, django_user_model, settings):
    settings.FOI_IMAP_URL = "imaps://foi:s3cret-pass@imap.example.org/INBOX"
    client.force_login(django_user_model.objects.get(username="sam"))
    page = client.get(reverse("inbox")).text
    assert "the IMAP mailbox INBOX on imap.example.org" in page
    assert "s3cret" not in page
