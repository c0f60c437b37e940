"""Every view that serves or reads a stored file checks who is asking before it opens the
storage (issue 29: downloads are streamed through the site behind the same checks, whichever
host or bucket holds the file). The storages here are InMemoryStorage that record each file
opened, so a view that read the bytes and only then refused would fail these tests.

The views: the download (attachment_download), a reviewer's opening of a quarantined file
(attachment_open), the cells page (figures_cells) and the Inbox API, which reads an unplaced
message's raw email to list its attachments (api_inbox)."""

from __future__ import annotations

import hashlib

import pytest
from django.core.files.storage import InMemoryStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from requests_app.models import QuarantineOpening
from requests_app.models.mail import MessageStatus
from requests_app.services.attachments import attachment_add
from requests_app.services.mail_in import message_receive
from tests.requests_app import mail_corpus
from tests.requests_app import screening_corpus as corpus

OPENED: list[str] = []


class RecordingStorage(InMemoryStorage):
    """InMemoryStorage that notes the name of every file opened."""

    def _open(self, name, mode="rb"):
        OPENED.append(name)
        return super()._open(name, mode)


RECORDING = {"BACKEND": f"{__name__}.RecordingStorage"}


@pytest.fixture(autouse=True)
def recording(settings):
    settings.STORAGES = {
        "default": RECORDING,
        "quarantine": RECORDING,
        "backups": RECORDING,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    OPENED.clear()
    yield OPENED
    OPENED.clear()


@pytest.fixture
def foi(campaign):
    return campaign.requests.get(force__name="Kent Police")


@pytest.fixture
def clean(foi, staff, recording):
    attachment = attachment_add(
        request_id=foi.pk, actor=staff, upload=SimpleUploadedFile("kent.xlsx", corpus.clean_xlsx())
    )
    recording.clear()  # what screening read when it was stored
    return attachment


@pytest.fixture
def leaked(foi, staff, recording):
    data = corpus.psni_like_xlsx(people=20)
    attachment = attachment_add(
        request_id=foi.pk, actor=staff, upload=SimpleUploadedFile("kent-reply.xlsx", data)
    )
    assert attachment.screening.quarantined
    recording.clear()
    return attachment


def sha256(response) -> str:
    return hashlib.sha256(b"".join(response.streaming_content)).hexdigest()


def as_user(client, user):
    if user is not None:
        client.force_login(user)
    return client


@pytest.mark.parametrize("view", ["attachment_download", "figures_cells"])
@pytest.mark.parametrize("who", ["anonymous", "outsider"])
def test_a_clean_file_is_not_opened_for_someone_who_may_not_see_it(
    client, clean, outsider, recording, view, who
):
    response = as_user(client, outsider if who == "outsider" else None).get(
        reverse(view, args=[clean.pk])
    )
    if who == "anonymous":
        assert response.status_code == 302 and "login" in response["Location"]
    else:
        assert response.status_code == 403
    assert recording == []


def test_staff_download_a_clean_file_and_see_its_cells(client, clean, staff, recording):
    client.force_login(staff)
    download = client.get(reverse("attachment_download", args=[clean.pk]))
    assert download.status_code == 200
    assert sha256(download) == clean.sha256
    assert recording == [clean.file.name]
    recording.clear()
    assert client.get(reverse("figures_cells", args=[clean.pk])).status_code == 200
    assert recording == [clean.file.name]


@pytest.mark.parametrize("who", ["anonymous", "outsider", "staff", "reviewer"])
def test_a_quarantined_file_is_not_opened_by_its_download_or_cells_page(
    client, leaked, outsider, staff, reviewer, recording, who
):
    user = {"anonymous": None, "outsider": outsider, "staff": staff, "reviewer": reviewer}[who]
    client = as_user(client, user)
    download = client.get(reverse("attachment_download", args=[leaked.pk]))
    cells = client.get(reverse("figures_cells", args=[leaked.pk]))
    expected = {"anonymous": 302, "outsider": 403, "staff": 403, "reviewer": 302}[who]
    assert download.status_code == expected
    if who == "reviewer":  # to its page, to open it after ticking
        assert download["Location"] == reverse("attachment_detail", args=[leaked.pk])
    assert cells.status_code in (302, 403)
    assert recording == []


@pytest.mark.parametrize("who", ["anonymous", "outsider", "staff", "reviewer unticked"])
def test_a_quarantined_file_is_opened_only_by_a_reviewer_who_ticked(
    client, leaked, outsider, staff, reviewer, recording, who
):
    user = {"anonymous": None, "outsider": outsider, "staff": staff}.get(who, reviewer)
    response = as_user(client, user).post(reverse("attachment_open", args=[leaked.pk]), {})
    expected = {"anonymous": 302, "outsider": 403, "staff": 403, "reviewer unticked": 400}[who]
    assert response.status_code == expected
    assert recording == []
    assert not QuarantineOpening.objects.exists()


def test_a_reviewer_who_ticked_opens_it_and_the_opening_is_recorded(
    client, leaked, reviewer, recording
):
    client.force_login(reviewer)
    response = client.post(reverse("attachment_open", args=[leaked.pk]), {"understood": "on"})
    assert response.status_code == 200
    assert sha256(response) == leaked.sha256
    assert recording == [leaked.file.name.removeprefix("quarantine/")]
    assert QuarantineOpening.objects.filter(attachment=leaked, opened_by=reviewer).exists()


@pytest.mark.parametrize("who", ["anonymous", "outsider", "staff"])
def test_the_inbox_api_reads_a_raw_email_only_for_staff(
    client, db, outsider, staff, recording, who
):
    raw = mail_corpus.reply(
        sender="press@somewhere.example",
        to="foi@charity.example.org",
        subject="Nothing to do with a request",
        attachments=[("notes.txt", "text/plain", b"hello")],
    )
    message = message_receive(raw=raw, source="stdin").message
    assert message.status == MessageStatus.INBOX and message.raw
    recording.clear()
    user = {"anonymous": None, "outsider": outsider, "staff": staff}[who]
    response = as_user(client, user).get(reverse("api_inbox"))
    if who == "staff":
        assert response.status_code == 200
        [listed] = response.json()["results"]
        assert [a["name"] for a in listed["attachments"]] == ["notes.txt"]
        assert recording == [message.raw.name]
    else:
        assert response.status_code == {"anonymous": 401, "outsider": 403}[who]
        assert recording == []
