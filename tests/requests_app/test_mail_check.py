""" "Check for mail now" (issue 27): the Inbox says what the check filed and what waits, "No new
mail" when nothing came, "Checking…" until the worker has finished, and never more than that."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from requests_app.models import FoiRequest, Force, MailCheck
from requests_app.services.mail_checks import mail_check_start
from requests_app.services.sending import requests_send
from requests_app.tasks import fetch_mail
from tests.requests_app import mail_corpus as corpus

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent_campaign(campaign, staff, settings, tmp_path, django_capture_on_commit_callbacks):
    settings.FOI_FROM_EMAIL = "foi@charity.example.org"
    settings.FOI_REPLY_TO_TEMPLATE = "foi+{token}@replies.example.org"
    settings.FOI_IMAP_URL = ""
    settings.FOI_MAIL_DROP_DIR = tmp_path
    for force in Force.objects.filter(requests__campaign=campaign):
        force.foi_email = f"foi@{force.slug}.police.example"
        force.save(update_fields=["foi_email"])
    with django_capture_on_commit_callbacks(execute=True):
        requests_send(request_ids=list(campaign.requests.values_list("pk", flat=True)), actor=staff)
    assert len(mail.outbox) == 43
    return campaign


def _foi(campaign, name: str) -> FoiRequest:
    return campaign.requests.select_related("force").get(force__name=name)


def _check(staff_client, capture):
    with capture(execute=True):  # the queued fetch runs (eagerly) as the view's commit ends
        response = staff_client.post(reverse("inbox_check"))
    assert response.status_code == 302
    return staff_client.get(response.url).content.decode()


def test_it_says_what_the_check_filed_and_what_waits(
    sent_campaign, staff_client, settings, django_capture_on_commit_callbacks
):
    kent, essex = _foi(sent_campaign, "Kent Police"), _foi(sent_campaign, "Essex Police")
    drop = settings.FOI_MAIL_DROP_DIR
    (drop / "a.eml").write_bytes(corpus.token_reply(kent))
    (drop / "b.eml").write_bytes(corpus.acknowledgement(essex, "E/1"))  # Auto-Submitted
    (drop / "c.eml").write_bytes(
        corpus.reply(sender="x@y.example", to="foi@charity.example.org", subject="stray")
    )
    page = _check(staff_client, django_capture_on_commit_callbacks)
    assert (
        f"2 messages filed: a reply on {kent.reference} (Kent Police), an automatic reply on "
        f"{essex.reference} (Essex Police); 1 waiting below."
    ) in " ".join(_text(page).split())
    assert f'href="{kent.get_absolute_url()}"' in page
    assert f'href="{essex.get_absolute_url()}"' in page
    check = MailCheck.objects.get()
    assert check.finished_at is not None and len(check.filed_ids) == 2


def test_it_says_no_new_mail_when_nothing_came(
    sent_campaign, staff_client, django_capture_on_commit_callbacks
):
    page = _check(staff_client, django_capture_on_commit_callbacks)
    assert "No new mail." in _text(page)
    assert "filed:" not in page


def test_it_says_checking_until_the_worker_has_finished(sent_campaign, staff, staff_client):
    mail_check_start(actor=staff)  # queued after commit: in a test, never run
    page = staff_client.get(reverse("inbox")).content.decode()
    assert "Checking…" in page
    assert 'http-equiv="refresh"' in page
    assert "No new mail" not in page


def test_a_check_that_never_finished_is_not_still_checking(sent_campaign, staff, staff_client):
    check = mail_check_start(actor=staff)
    MailCheck.objects.filter(pk=check.pk).update(
        requested_at=timezone.now() - timedelta(minutes=30)
    )
    page = staff_client.get(reverse("inbox")).content.decode()
    assert "has not finished" in page and "Checking…" not in page
    assert 'http-equiv="refresh"' not in page


def test_a_failed_check_says_why(sent_campaign, staff, staff_client, settings):
    settings.FOI_IMAP_URL = "pop3://nowhere"
    check = mail_check_start(actor=staff)
    with pytest.raises(Exception, match="FOI_IMAP_URL must look like"):
        fetch_mail(check_id=check.pk)
    page = _text(staff_client.get(reverse("inbox")).content.decode())
    assert "failed: FOI_IMAP_URL must look like imaps://user:password@host/INBOX." in page


def test_each_person_sees_their_own_check(
    sent_campaign, staff, staff_client, django_user_model, django_capture_on_commit_callbacks
):
    other = django_user_model.objects.create_user("other")
    mail_check_start(actor=other)
    page = staff_client.get(reverse("inbox")).content.decode()
    assert 'id="mail-check"' not in page


def test_a_check_run_twice_keeps_its_first_result(sent_campaign, staff, settings):
    kent = _foi(sent_campaign, "Kent Police")
    (settings.FOI_MAIL_DROP_DIR / "a.eml").write_bytes(corpus.token_reply(kent))
    check = mail_check_start(actor=staff)
    fetch_mail(check_id=check.pk)
    fetch_mail(check_id=check.pk)
    check.refresh_from_db()
    assert len(check.filed_ids) == 1


def _text(html: str) -> str:
    import re

    return re.sub(r"<[^>]+>", "", html)
