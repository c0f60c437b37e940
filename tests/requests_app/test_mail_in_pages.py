"""Mail in (issue 9, part 2) on the web: the new reply and a bouncing address on the request
page, and the Inbox where staff place unmatched mail."""

from __future__ import annotations

from django.urls import reverse

from requests_app.models.mail import MessageStatus
from tests.requests_app import mail_corpus as corpus
from tests.requests_app.mail_in_helpers import _foi, _receive

# The request page --------------------------------------------------------------------------


def test_the_request_page_shows_the_new_reply_and_staff_clear_it(sent_campaign, staff_client):
    kent = _foi(sent_campaign, "Kent Police")
    _receive(corpus.token_reply(kent, body="We are still working on it."))
    page = staff_client.get(kent.get_absolute_url())
    assert 'id="new-reply"' in page.content.decode()
    response = staff_client.post(reverse("request_reply_seen", args=[kent.pk]))
    assert response.status_code == 302
    kent.refresh_from_db()
    assert kent.new_reply_at is None
    assert 'id="new-reply"' not in staff_client.get(kent.get_absolute_url()).content.decode()


def test_the_request_page_shows_a_bouncing_address(sent_campaign, staff_client):
    gwent = _foi(sent_campaign, "Gwent Police")
    _receive(corpus.bounce(gwent, message_id=gwent.sent_message_id))
    page = staff_client.get(gwent.get_absolute_url()).content.decode()
    assert 'id="address-failing"' in page and "Recipient address rejected" in page


# The Inbox and a message's page ------------------------------------------------------------


def test_the_inbox_lists_unplaced_mail_and_staff_file_it_by_reference(sent_campaign, staff_client):
    kent = _foi(sent_campaign, "Kent Police")
    stray = _receive(
        corpus.reply(
            sender="clerk@kent-police.police.example",
            to="foi@charity.example.org",
            subject="Our answer",
            html="<p>Answer <b>12</b></p><script>alert(1)</script>",
        )
    ).message
    page = staff_client.get(reverse("inbox")).content.decode()
    assert "Our answer" in page
    detail = staff_client.get(stray.get_absolute_url()).content.decode()
    assert "<b>12</b>" in detail and "alert(1)" not in detail
    assert kent.reference in detail  # suggested: the force at the sender's domain
    bad = staff_client.post(reverse("message_place", args=[stray.pk]), {"request": "kent"})
    assert bad.status_code == 302
    stray.refresh_from_db()
    assert stray.status == MessageStatus.INBOX
    staff_client.post(reverse("message_place", args=[stray.pk]), {"request": kent.reference})
    stray.refresh_from_db()
    assert (stray.status, stray.request) == (MessageStatus.FILED, kent)
    page = staff_client.get(reverse("inbox")).content.decode()
    assert 'id="inbox-empty"' in page
    timeline = staff_client.get(kent.get_absolute_url()).content.decode()
    assert reverse("message_detail", args=[stray.pk]) in timeline


def test_staff_mark_an_inbox_message_not_foi_on_the_web(sent_campaign, staff_client):
    stray = _receive(
        corpus.reply(sender="a@b.example", to="foi@charity.example.org", subject="Newsletter")
    ).message
    staff_client.post(reverse("message_not_foi", args=[stray.pk]))
    stray.refresh_from_db()
    assert stray.status == MessageStatus.NOT_FOI


def test_a_reviewer_without_the_staff_role_reads_the_inbox_but_cannot_place_mail(
    sent_campaign, client
):
    from requests_app.roles import REVIEWER
    from tests.factories import UserFactory

    reviewer = UserFactory(username="checker", roles=[REVIEWER])
    stray = _receive(
        corpus.reply(sender="a@b.example", to="foi@charity.example.org", subject="x")
    ).message
    client.force_login(reviewer)
    assert client.get(reverse("inbox")).status_code == 200
    response = client.post(reverse("message_not_foi", args=[stray.pk]))
    assert response.status_code == 403
