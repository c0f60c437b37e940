"""Files screened on arrival and what follows (issue 13, section 1): findings stored on the
attachment and shown on its page, the request page and the morning digest; quarantine (only a
reviewer opens the file, after ticking, and each opening is recorded); never in an export; the
note to the force; deleting the bytes keeps an audit record; `screen_file`."""

from __future__ import annotations

import io
import json
from datetime import date

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from requests_app.models import (
    AttachmentDeletion,
    AttachmentScreening,
    FoiRequest,
    QuarantineOpening,
    RequestAttachment,
    RequestEvent,
)
from requests_app.selectors.quarantine import (
    DIGEST_SECTION,
    digest_quarantined,
    is_quarantined,
)
from requests_app.services.attachments import attachment_add
from requests_app.services.errors import ServiceError
from requests_app.services.mail_in import message_receive
from requests_app.services.screening import attachment_delete, attachment_open_quarantined
from tests.factories import UserFactory
from tests.requests_app import mail_corpus
from tests.requests_app import screening_corpus as corpus


@pytest.fixture
def kent(campaign) -> FoiRequest:
    foi = campaign.requests.select_related("force", "campaign").get(force__name="Kent Police")
    foi.force.foi_email = "foi@kent.police.example"
    foi.force.save(update_fields=["foi_email"])
    return foi


def store(foi, name: str, data: bytes, actor) -> RequestAttachment:
    return attachment_add(request_id=foi.pk, actor=actor, upload=SimpleUploadedFile(name, data))


@pytest.fixture
def leaked(kent, staff) -> RequestAttachment:
    """Kent's reply: a summary sheet and a hidden sheet of named people (the PSNI case)."""
    return store(kent, "kent-reply.xlsx", corpus.psni_like_xlsx(people=50), staff)


def test_it_screens_a_file_once_when_it_is_stored_and_quarantines_personal_data(leaked, kent):
    screening = AttachmentScreening.objects.get(attachment=leaked)
    assert screening.quarantined is True
    assert is_quarantined(RequestAttachment.objects.get(pk=leaked.pk))
    assert screening.findings == [
        {
            "kind": "hidden_sheet",
            "where": "sheet 'Staff' (A1:E51)",
            "count": 255,
            "personal_data_risk": True,
        }
    ]
    note = RequestEvent.objects.get(request=kent, data__screening="quarantined")
    assert note.actor is None
    assert "File quarantined: kent-reply.xlsx: Hidden sheet (255 cells)" in note.note


def test_a_file_without_personal_data_findings_is_not_quarantined(kent, staff, client):
    stored = store(kent, "reply.xlsx", corpus.comments_xlsx(), staff)
    screening = stored.screening
    assert [f["kind"] for f in screening.findings] == ["comments"]
    assert screening.quarantined is False
    assert not is_quarantined(stored)
    assert not RequestEvent.objects.filter(request=kent, data__screening="quarantined").exists()
    client.force_login(staff)
    response = client.get(reverse("attachment_download", args=[stored.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == stored.file.open("rb").read()


def test_a_hostile_file_is_stored_with_a_finding_not_refused(kent, staff):
    stored = store(kent, "reply.xlsx", corpus.zip_bomb_xlsx(megabytes=30), staff)
    assert [f["kind"] for f in stored.screening.findings] == ["unreadable"]
    assert stored.screening.quarantined is False


def test_a_reply_by_mail_has_its_attachments_screened(kent):
    raw = mail_corpus.token_reply(
        kent,
        attachments=[("answer.xlsx", mail_corpus.XLSX, corpus.pivot_xlsx(records=40))],
    )
    received = message_receive(raw=raw, source="stdin")
    assert received.message.request_id == kent.pk
    attachment = kent.attachments.get(original_name="answer.xlsx")
    assert attachment.screening.quarantined is True
    assert attachment.screening.findings[0]["kind"] == "pivot_cache"
    assert attachment.screening.findings[0]["count"] == 40


def test_staff_who_are_not_reviewers_get_a_clear_403(client, staff, leaked):
    client.force_login(staff)
    response = client.get(reverse("attachment_download", args=[leaked.pk]))
    assert response.status_code == 403
    page = response.content.decode()
    assert "This file is quarantined" in page
    assert "Hidden sheet: sheet &#x27;Staff&#x27; (A1:E51) (255 cells)" in page
    assert "Only a reviewer can open it" in page
    opened = client.post(reverse("attachment_open", args=[leaked.pk]), {"understood": "on"})
    assert opened.status_code == 403
    assert not QuarantineOpening.objects.exists()


def test_a_reviewer_opens_it_only_after_ticking_and_the_opening_is_recorded(
    client, reviewer, leaked
):
    client.force_login(reviewer)
    download = client.get(reverse("attachment_download", args=[leaked.pk]))
    assert download.status_code == 302
    assert download["Location"] == reverse("attachment_detail", args=[leaked.pk])

    page = client.get(download["Location"])
    assert page.status_code == 200
    assert 'id="open-quarantined"' in page.content.decode()

    url = reverse("attachment_open", args=[leaked.pk])
    refused = client.post(url, {})
    assert refused.status_code == 400
    assert "Tick that you understand" in refused.content.decode()
    assert not QuarantineOpening.objects.exists()

    opened = client.post(url, {"understood": "on"})
    assert opened.status_code == 200
    assert b"".join(opened.streaming_content) == leaked.file.open("rb").read()
    (opening,) = QuarantineOpening.objects.all()
    assert (opening.attachment, opening.opened_by) == (leaked, reviewer)
    assert "riley" in client.get(reverse("attachment_detail", args=[leaked.pk])).content.decode()


def test_the_service_refuses_without_the_tick_or_the_role(leaked, staff, reviewer):
    with pytest.raises(ServiceError, match="Tick"):
        attachment_open_quarantined(attachment_id=leaked.pk, actor=reviewer, understood=False)
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        attachment_open_quarantined(attachment_id=leaked.pk, actor=staff, understood=True)


def test_the_page_shows_the_findings_and_a_note_ready_for_the_force(client, staff, leaked, kent):
    client.force_login(staff)
    page = client.get(reverse("attachment_detail", args=[leaked.pk])).content.decode()
    assert "Quarantined" in page
    assert "can hold personal data" in page
    assert "hidden_sheet" in page
    assert "foi@kent.police.example" in page
    assert f"{kent.reference}: a file you sent us holds hidden data" in page
    assert "- Hidden sheet: sheet &#x27;Staff&#x27; (A1:E51) (255 cells)" in page
    assert "within 72 hours" in page
    assert leaked.sha256 in page
    assert 'href="mailto:foi%40kent.police.example?subject=' in page
    # Staff may record that the force was told; it leaves the digest and goes on the timeline.
    response = client.post(reverse("attachment_force_told", args=[leaked.pk]))
    assert response.status_code == 302
    leaked.screening.refresh_from_db()
    assert leaked.screening.force_told_by == staff
    assert RequestEvent.objects.filter(request=kent, data__screening="force_told").count() == 1
    client.post(reverse("attachment_force_told", args=[leaked.pk]))
    assert RequestEvent.objects.filter(request=kent, data__screening="force_told").count() == 1


def test_the_note_goes_by_the_trackers_mail_in_the_requests_thread_once(
    client, staff, leaked, kent
):
    """The tracker's mail has landed, so the page sends the note itself: from the tracker's
    address, a reply in the request's thread, on the timeline with the .eml; never twice."""
    FoiRequest.objects.filter(pk=kent.pk).update(sent_message_id="<req-1@foi.example>")
    mail.outbox.clear()
    client.force_login(staff)
    page = client.get(reverse("attachment_detail", args=[leaked.pk])).content.decode()
    assert 'id="note-send"' in page
    response = client.post(reverse("attachment_email_force", args=[leaked.pk]), follow=True)
    assert "Sent to foi@kent.police.example" in response.content.decode()
    (sent,) = mail.outbox
    assert sent.to == ["foi@kent.police.example"]
    assert sent.subject == f"{kent.reference}: a file you sent us holds hidden data"
    assert "Hidden sheet: sheet 'Staff' (A1:E51) (255 cells)" in sent.body
    assert sent.extra_headers["In-Reply-To"] == "<req-1@foi.example>"
    kent.refresh_from_db()
    assert sent.reply_to == [kent.reply_to]
    leaked.screening.refresh_from_db()
    assert leaked.screening.force_told_by == staff
    event = RequestEvent.objects.get(request=kent, data__screening="force_told")
    assert event.data["message_id"] == sent.extra_headers["Message-ID"]
    (eml,) = event.attachments.all()
    assert eml.original_name.endswith("-note-to-force.eml")
    assert b"holds hidden data" in eml.file.open("rb").read()
    # Never twice: the button is gone, and a second POST (a double click) sends nothing.
    page = client.get(reverse("attachment_detail", args=[leaked.pk])).content.decode()
    assert 'id="note-send"' not in page
    response = client.post(reverse("attachment_email_force", args=[leaked.pk]), follow=True)
    assert "already told" in response.content.decode()
    assert len(mail.outbox) == 1


def test_a_note_that_cannot_be_sent_records_nothing(client, staff, leaked, kent, settings):
    settings.EMAIL_BACKEND = "tests.requests_app.test_screening_quarantine.FailingBackend"
    client.force_login(staff)
    response = client.post(reverse("attachment_email_force", args=[leaked.pk]), follow=True)
    assert "could not be sent" in response.content.decode()
    leaked.screening.refresh_from_db()
    assert leaked.screening.force_told_at is None
    assert not RequestEvent.objects.filter(request=kent, data__screening="force_told").exists()
    # With no address on record the page says so and nothing is claimed.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    kent.force.foi_email = ""
    kent.force.save(update_fields=["foi_email"])
    with pytest.raises(ServiceError, match="no FOI address"):
        from requests_app.services.quarantine_mail import attachment_email_force_note

        attachment_email_force_note(attachment_id=leaked.pk, actor=staff)
    leaked.screening.refresh_from_db()
    assert leaked.screening.force_told_at is None


class FailingBackend:
    """An email backend whose server refuses every message."""

    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("SMTP server down")


def test_the_request_page_flags_each_file_in_constant_queries(client, staff, kent, leaked):
    client.force_login(staff)
    url = kent.get_absolute_url()
    with CaptureQueriesContext(connection) as one:
        page = client.get(url).content.decode()
    assert "quarantined</span>" in page
    assert reverse("attachment_detail", args=[leaked.pk]) in page
    assert "File quarantined: kent-reply.xlsx" in page  # the timeline note
    store(kent, "more.xlsx", corpus.comments_xlsx(), staff)
    store(kent, "again.xlsx", corpus.very_hidden_xlsx(), staff)
    with CaptureQueriesContext(connection) as three:
        page = client.get(url).content.decode()
    assert "1 finding</span>" in page
    assert len(three) == len(one)


def test_deleting_keeps_an_audit_record_but_not_the_bytes(
    client, reviewer, staff, leaked, kent, django_capture_on_commit_callbacks
):
    storage, name = leaked.file.storage, leaked.file.name
    url = reverse("attachment_delete", args=[leaked.pk])
    client.force_login(staff)
    assert client.post(url, {"reason": "personal data"}).status_code == 403
    client.force_login(reviewer)
    assert client.post(url, {"reason": "  "}).status_code == 400
    assert storage.exists(name)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"reason": "Hidden sheet of officers' names; force told."})
    assert response.status_code == 302
    deletion = AttachmentDeletion.objects.get(attachment=leaked)
    assert (deletion.deleted_by, deletion.sha256, deletion.original_name) == (
        reviewer,
        leaked.sha256,
        "kent-reply.xlsx",
    )
    assert deletion.reason == "Hidden sheet of officers' names; force told."
    assert not storage.exists(name)
    leaked.refresh_from_db()
    assert leaked.file.name == ""
    event = RequestEvent.objects.get(request=kent, data__screening="deleted")
    assert event.actor == reviewer and leaked.sha256 in event.note
    gone = client.get(reverse("attachment_download", args=[leaked.pk]))
    assert gone.status_code == 410
    assert "The bytes are gone" in gone.content.decode()
    with pytest.raises(ServiceError, match="already deleted"):
        attachment_delete(attachment_id=leaked.pk, actor=reviewer, reason="again")


def test_a_deletion_rolled_back_leaves_the_file(
    leaked, reviewer, django_capture_on_commit_callbacks
):
    from django.db import transaction

    storage, name = leaked.file.storage, leaked.file.name
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError):
            with transaction.atomic():
                attachment_delete(attachment_id=leaked.pk, actor=reviewer, reason="mistake")
                raise RuntimeError("rolled back")
    assert storage.exists(name)
    assert not AttachmentDeletion.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_backup_after_a_deletion_is_complete(
    tmp_path, leaked, reviewer, django_capture_on_commit_callbacks
):
    from requests_app.backups import backup

    with django_capture_on_commit_callbacks(execute=True):
        attachment_delete(attachment_id=leaked.pk, actor=reviewer, reason="personal data")
    result = backup(tmp_path / "backup")
    assert result.counts["requests_app.attachmentdeletion"] == 1


def test_a_quarantined_file_never_enters_an_export(client, staff, kent, leaked, campaign):
    store(kent, "letter.pdf", corpus.pdf_file(), staff)
    client.force_login(staff)
    exports = [
        reverse("campaign_requests_csv", args=[campaign.slug]),
        reverse("campaign_requests_xlsx", args=[campaign.slug]),
        reverse("figures_export_csv", args=[campaign.slug]),
        reverse("figures_export_xlsx", args=[campaign.slug]),
        reverse("api_campaign_requests", args=[campaign.slug]),
    ]
    secret = corpus.NAMES[0].split()[1]  # a surname only the hidden sheet holds
    leaked_bytes = leaked.file.open("rb").read()
    for url in exports:
        response = client.get(url)
        assert response.status_code == 200, url
        body = b"".join(response.streaming_content) if response.streaming else response.content
        # An XLSX export is a zip: read what it holds (two workbooks written in the same
        # second share their first bytes, so comparing raw prefixes says nothing).
        text, members = _export_contents(body)
        assert secret not in text, url
        assert "kent-reply.xlsx" not in text, url
        assert leaked_bytes not in members, url


def _export_contents(body: bytes) -> tuple[str, list[bytes]]:
    """The text a download shows, and (for a zip) each member's bytes."""
    if not body.startswith(b"PK"):
        return body.decode("utf-8"), [body]
    import zipfile

    import openpyxl

    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        members = [archive.read(name) for name in archive.namelist()]
    workbook = openpyxl.load_workbook(io.BytesIO(body), read_only=True)
    cells = [
        str(value)
        for sheet in workbook.worksheets
        for row in sheet.iter_rows(values_only=True)
        for value in row
        if value is not None
    ]
    return "\n".join(cells), members


def test_the_digest_lists_quarantined_files_for_reviewers_and_the_campaign_owner(
    leaked, staff, reviewer, outsider
):
    today = date(2026, 4, 7)
    (item,) = digest_quarantined(reviewer, today)
    assert item["label"] == "Kent Police: kent-reply.xlsx"
    assert item["url"] == reverse("attachment_detail", args=[leaked.pk])
    assert item["detail"].startswith("Hidden sheet (255 cells).")
    assert len(digest_quarantined(staff, today)) == 1  # sam owns the campaign
    assert digest_quarantined(UserFactory(username="stan", roles=["staff"]), today) == []
    assert digest_quarantined(outsider, today) == []
    AttachmentScreening.objects.filter(attachment=leaked).update(force_told_at="2026-04-06T10:00Z")
    assert digest_quarantined(reviewer, today) == []


def test_the_morning_digest_email_has_a_files_quarantined_section(
    leaked, reviewer, settings, time_machine
):
    from requests_app.services.reminders import reminders_send_daily

    settings.SITE_URL = "https://foi.example.org"
    reviewer.email = "riley@charity.example.org"
    reviewer.save(update_fields=["email"])
    time_machine.move_to("2026-04-07 07:00:00+01:00")
    reminders_send_daily(today=date(2026, 4, 7))
    (digest,) = [
        m
        for m in mail.outbox
        if m.extra_headers.get("X-FOI-Tracker-Kind") == "digest" and m.to == [reviewer.email]
    ]
    assert f"{DIGEST_SECTION} (1)\n- Kent Police: kent-reply.xlsx" in digest.body
    assert f"https://foi.example.org/attachments/{leaked.pk}/details/" in digest.body


def test_screen_file_prints_one_json_object_per_finding(tmp_path):
    path = tmp_path / "reply.xlsx"
    path.write_bytes(corpus.psni_like_xlsx(people=3))
    out = io.StringIO()
    call_command("screen_file", str(path), stdout=out)
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert lines == [
        {
            "kind": "hidden_sheet",
            "where": "sheet 'Staff' (A1:E4)",
            "count": 20,
            "personal_data_risk": True,
        }
    ]
    clean = tmp_path / "clean.xlsx"
    clean.write_bytes(corpus.clean_xlsx())
    out = io.StringIO()
    call_command("screen_file", str(clean), stdout=out)
    assert out.getvalue() == ""
    hostile = tmp_path / "bomb.xlsx"
    hostile.write_bytes(corpus.billion_laughs_xlsx())
    out = io.StringIO()
    call_command("screen_file", str(hostile), stdout=out)
    assert json.loads(out.getvalue())["kind"] == "unreadable"
    with pytest.raises(CommandError, match="missing.xlsx"):
        call_command("screen_file", str(tmp_path / "missing.xlsx"))


def test_the_dashboard_lists_quarantined_files_under_needs_you(client, reviewer, leaked):
    client.force_login(reviewer)
    page = client.get(reverse("dashboard")).content.decode()
    assert DIGEST_SECTION in page
    assert "Kent Police: kent-reply.xlsx" in page
    assert reverse("attachment_detail", args=[leaked.pk]) in page


def test_files_stored_before_screening_are_screened_once_by_the_nightly_job(kent, staff, leaked):
    """A file with no screening (stored before it existed, or restored from an old backup) is
    screened by `screen_attachments` and the beat task, quarantined as on arrival, and a second
    run screens nothing again."""
    from django_celery_beat.models import PeriodicTask

    from requests_app.tasks import screen_unscreened_attachments

    clean = store(kent, "letter.pdf", corpus.pdf_file(), staff)
    AttachmentScreening.objects.all().delete()
    RequestEvent.objects.filter(data__screening="quarantined").delete()
    out = io.StringIO()
    call_command("screen_attachments", "--limit", "1", stdout=out)
    assert out.getvalue().startswith("Screened 1 file(s): 1 quarantined")
    assert is_quarantined(RequestAttachment.objects.get(pk=leaked.pk))
    assert screen_unscreened_attachments.delay().get()["screened"] == 1
    assert not is_quarantined(RequestAttachment.objects.get(pk=clean.pk))
    assert screen_unscreened_attachments() == {
        "screened": 0,
        "quarantined": 0,
        "missing": 0,
        "skipped": 0,
        "moved_to_quarantine": 0,
    }
    assert AttachmentScreening.objects.count() == 2
    assert RequestEvent.objects.filter(data__screening="quarantined").count() == 1
    task = PeriodicTask.objects.get(name="Screen unscreened files")
    assert task.task == "requests_app.screen_unscreened_attachments" and task.enabled


def test_a_file_whose_bytes_are_missing_is_counted_not_screened(kent, staff):
    gone = store(kent, "letter.pdf", corpus.pdf_file(), staff)
    AttachmentScreening.objects.all().delete()
    gone.file.storage.delete(gone.file.name)
    out = io.StringIO()
    call_command("screen_attachments", stdout=out)
    assert "Screened 0 file(s): 0 quarantined; 1 with missing bytes" in out.getvalue()
    assert not AttachmentScreening.objects.exists()
