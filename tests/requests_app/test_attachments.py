"""Lifecycle actions return the event they wrote and store attachments linked to it; a rolled-back
action leaves no file in storage once the sweep has run, whether the action itself fails or an
outer transaction does, and the sweep never touches a file a row names or one too recent to
judge."""

import inspect
from datetime import date, timedelta
from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse

from requests_app.models import FoiRequest, RequestAttachment, RequestEvent
from requests_app.services.attachments import stored_files_sweep
from requests_app.services.errors import ServiceError
from requests_app.services.lifecycle import (
    ACTION_SERVICES,
    request_acknowledge,
    request_complain,
    request_mark_sent,
    request_record_decision,
    request_record_response,
    request_review_answered,
    request_review_requested,
)
from requests_app.workflow import Action
from tests.factories import FoiRequestFactory

D = date


@pytest.fixture
def storage_dir(settings, tmp_path):
    """An empty MEDIA_ROOT per test, so 'no file left' can be checked by listing it."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEDIA_ROOT.mkdir()
    return settings.MEDIA_ROOT


def stored_files(root) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def swept(root) -> list[str]:
    """What is left in storage once the sweep has taken every file no row names."""
    stored_files_sweep(older_than=timedelta(0))
    return stored_files(root)


def pdf(name="letter.pdf", content=b"%PDF-1.4 reply"):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def sent_request(actor) -> FoiRequest:
    foi = FoiRequestFactory()
    request_mark_sent(request_id=foi.pk, actor=actor, sent_on=D(2025, 1, 6))
    return foi


def respond(foi, actor, attachments):
    return request_record_response(
        request_id=foi.pk,
        actor=actor,
        outcome="full",
        answered_on=D(2025, 1, 20),
        attachments=attachments,
    )


def test_it_returns_the_event_each_action_wrote(db, staff):
    foi = FoiRequestFactory()
    steps = [
        (request_mark_sent, {"sent_on": D(2025, 1, 6)}),
        (request_acknowledge, {"acknowledged_on": D(2025, 1, 7)}),
        (request_record_response, {"outcome": "full", "answered_on": D(2025, 1, 20)}),
        (request_review_requested, {"requested_on": D(2025, 1, 21)}),
        (request_review_answered, {"answered_on": D(2025, 2, 3), "review_outcome": "upheld"}),
        (request_complain, {"complained_on": D(2025, 2, 4)}),
        (request_record_decision, {"decided_on": D(2025, 3, 3), "decision_outcome": "upheld"}),
    ]
    for service, kwargs in steps:
        event = service(request_id=foi.pk, actor=staff, **kwargs)
        assert isinstance(event, RequestEvent)
        assert event == foi.events.order_by("-pk").first()
        assert (event.actor, event.to_status) == (staff, FoiRequest.objects.get(pk=foi.pk).status)
    assert event.kind == Action.RECORD_DECISION


def test_it_links_the_attachments_to_the_event_it_returns(db, staff, storage_dir):
    foi = sent_request(staff)
    event = respond(foi, staff, [pdf(), pdf("table.csv", b"force,value\nKent,361\n")])
    attachments = list(event.attachments.order_by("pk"))
    assert [a.original_name for a in attachments] == ["letter.pdf", "table.csv"]
    assert {a.request_id for a in attachments} == {foi.pk}
    assert {a.uploaded_by for a in attachments} == {staff}
    assert len(stored_files(storage_dir)) == 2
    with attachments[0].file.open("rb") as handle:
        assert handle.read() == b"%PDF-1.4 reply"


@pytest.mark.django_db(transaction=True)
def test_it_keeps_the_files_of_a_committed_action(staff, storage_dir):
    foi = sent_request(staff)
    event = respond(foi, staff, [pdf()])
    attachment = RequestAttachment.objects.get()
    assert attachment.event == event
    assert swept(storage_dir) == [attachment.file.name]


@pytest.mark.django_db(transaction=True)
def test_it_leaves_no_file_when_the_action_fails(staff, storage_dir):
    foi = sent_request(staff)
    # The first file is stored before the second is refused inside the action's transaction.
    bad = SimpleUploadedFile("run.exe", b"MZ", content_type="application/octet-stream")
    with pytest.raises(ServiceError) as exc:
        respond(foi, staff, [pdf(), bad])
    assert exc.value.field == "attachments"
    assert swept(storage_dir) == []
    assert not RequestAttachment.objects.exists()
    foi.refresh_from_db()
    assert foi.status == "sent"


@pytest.mark.django_db(transaction=True)
def test_it_leaves_no_file_when_an_outer_transaction_rolls_back_after_the_action(
    staff, storage_dir
):
    foi = sent_request(staff)
    with pytest.raises(RuntimeError), transaction.atomic():
        respond(foi, staff, [pdf()])
        assert len(stored_files(storage_dir)) == 1  # written, not yet committed
        raise RuntimeError("something after the action fails")
    assert swept(storage_dir) == []
    assert not RequestAttachment.objects.exists()
    foi.refresh_from_db()
    assert foi.status == "sent"


@pytest.mark.django_db(transaction=True)
def test_it_keeps_the_files_when_an_outer_transaction_commits(staff, storage_dir):
    foi = sent_request(staff)
    with transaction.atomic():
        respond(foi, staff, [pdf()])
    assert len(swept(storage_dir)) == 1
    assert RequestAttachment.objects.count() == 1


def test_it_removes_the_file_when_a_savepoint_rolls_back(db, staff, storage_dir):
    foi = sent_request(staff)
    with pytest.raises(RuntimeError), transaction.atomic():
        respond(foi, staff, [pdf()])
        raise RuntimeError("rolled back to the savepoint")
    assert swept(storage_dir) == []


@pytest.mark.django_db(transaction=True)
def test_the_view_stores_the_file_with_the_event_and_nothing_when_refused(
    client, staff, storage_dir
):
    client.force_login(staff)
    foi = sent_request(staff)
    url = reverse("request_action", args=[foi.pk, "record_response"])
    # Refused by the service (before the date sent), after the form accepted it.
    response = client.post(
        url, {"outcome": "full", "answered_on": "2025-01-03", "attachments": [pdf()]}
    )
    assert response.status_code == 400
    assert "The date cannot be before the date sent" in response.content.decode()
    assert swept(storage_dir) == []
    response = client.post(
        url, {"outcome": "full", "answered_on": "2025-01-20", "attachments": [pdf()]}
    )
    assert response.status_code == 302
    attachment = RequestAttachment.objects.get()
    assert attachment.event == foi.events.get(kind=Action.RECORD_RESPONSE)
    assert swept(storage_dir) == [attachment.file.name]


@pytest.mark.django_db(transaction=True)
def test_the_sweep_leaves_a_recent_file_no_row_names_yet(staff, storage_dir):
    """A file written by a transaction still open has no committed row: the sweep waits."""
    foi = sent_request(staff)
    with pytest.raises(RuntimeError), transaction.atomic():
        respond(foi, staff, [pdf()])
        raise RuntimeError("rolled back")
    assert stored_files_sweep() == []
    assert len(stored_files(storage_dir)) == 1
    out = StringIO()
    call_command("sweep_files", "--older-than-hours", "0", stdout=out)
    assert stored_files(storage_dir) == []
    assert "Deleted 1 file(s)" in out.getvalue()


def test_every_action_takes_attachments_and_returns_its_event():
    for action, service in ACTION_SERVICES.items():
        parameters = inspect.signature(service).parameters
        assert parameters["attachments"].default == (), action
        assert all(p.kind is p.KEYWORD_ONLY for p in parameters.values()), action
        assert inspect.signature(service).return_annotation in ("RequestEvent", RequestEvent)
