"""Web uploads: staged once, checked by a task (progress stored), the preview read from the stored
result and never recomputed, confirm applied once by a task, every claim safe to repeat."""

import re
from datetime import timedelta
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from figures_app import tasks
from figures_app.models import Figure, FigureChange, FigureImport, ImportState, Metric
from figures_app.services import import_batches, import_checks, imports
from figures_app.services.import_batches import (
    figure_import_apply,
    figure_import_check,
    figure_import_confirm,
    figure_import_resume,
    figure_import_stage,
)
from requests_app.services.errors import ServiceError
from requests_app.services.needs_you_version import _raise_now

from .test_import import GOOD

pytestmark = pytest.mark.django_db

BAD = "force,period,metric,value\nKent,2015/16,offences,63\nKent,2016/17,offences,-3\nNowhere,2016/17,offences,1\n"


def stage(campaign, user, text=GOOD, name="figures.csv"):
    return figure_import_stage(campaign=campaign, actor=user, filename=name, data=text.encode())


def checked(campaign, user, text=GOOD):
    return figure_import_check(batch_id=stage(campaign, user, text).pk)


def preview_url(batch):
    return reverse("figures_import_preview", args=[batch.campaign.slug, batch.pk])


def confirm_url(batch):
    return reverse("figures_import_confirm", args=[batch.campaign.slug, batch.pk])


@pytest.fixture
def reads(monkeypatch):
    """Count how often a file is read (the reader the check uses)."""
    spy = mock.Mock(wraps=imports.read_rows)
    monkeypatch.setattr(imports, "read_rows", spy)
    return spy


def test_it_stages_an_upload_and_checks_it_once_after_commit(
    client, campaign, metric, staff, reads, django_capture_on_commit_callbacks
):
    client.force_login(staff)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(
            reverse("figures_import", args=[campaign.slug]),
            {"file": SimpleUploadedFile("figures.csv", GOOD.encode())},
        )
    assert len(callbacks) == 1  # the check is queued after the upload commits
    batch = FigureImport.objects.get()
    assert response.status_code == 302 and response["Location"] == preview_url(batch)
    assert (batch.state, batch.rows_checked, batch.rows_total) == ("checked", 7, 7)
    assert batch.result | {"warnings": [], "changed_lines": [], "lines": []} == {
        "rows": 7,
        "created": 7,
        "changed": 0,
        "unchanged": 0,
        "deleted": 0,
        "warnings": [],
        "changed_lines": [],
        "lines": [],
    }
    assert len(batch.result["lines"]) == 7
    assert reads.call_count == 1
    for _ in range(3):
        page = client.get(preview_url(batch))
        assert page.status_code == 200
        assert "Import 7 new or changed figures" in page.content.decode()
    assert reads.call_count == 1  # the preview reads the stored result, never the file
    assert Figure.objects.count() == 0


def test_the_preview_never_loads_the_file(client, campaign, metric, staff):
    batch = checked(campaign, staff)
    client.force_login(staff)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(preview_url(batch)).status_code == 200
    import_queries = [q["sql"] for q in ctx if "figures_app_figureimport" in q["sql"]]
    assert import_queries and not any('"data"' in q for q in import_queries)


def test_it_stores_progress_every_n_rows_not_every_row(campaign, metric, staff, monkeypatch):
    def progress_updates(batch):
        with CaptureQueriesContext(connection) as ctx:
            figure_import_check(batch_id=batch.pk)
        return [q["sql"] for q in ctx if 'SET "rows_checked"' in q["sql"]]

    assert len(progress_updates(stage(campaign, staff))) == 2  # 0 of 7, then 7 of 7
    monkeypatch.setattr(import_checks, "PROGRESS_EVERY", 2)
    assert len(progress_updates(stage(campaign, staff))) == 5  # 0, 2, 4, 6, 7
    assert FigureImport.objects.values_list("rows_checked", "rows_total").first() == (7, 7)


def test_the_page_shows_the_progress_and_refreshes_itself_without_inline_script(
    client, campaign, metric, staff
):
    batch = stage(campaign, staff)
    FigureImport.objects.filter(pk=batch.pk).update(
        state=ImportState.CHECKING, rows_checked=20000, rows_total=380000
    )
    client.force_login(staff)
    page = client.get(preview_url(batch)).content.decode()
    assert re.search(r'<progress id="import-progress"[^>]* max="380000" value="20000"', page)
    assert "Checked 20,000 of 380,000 rows" in page
    assert '<meta http-equiv="refresh" content="2">' in page
    assert "figures_app/import_status.js" in page
    assert not re.search(r"<script(?![^>]*\ssrc=)", page)  # no inline script (CSP)
    assert not re.search(r"\son[a-z]+=", page)  # no inline handlers
    assert 'id="import-confirm"' not in page

    status = client.get(reverse("figures_import_status", args=[campaign.slug, batch.pk])).json()
    assert status == {
        "state": "checking",
        "working": True,
        "rows_checked": 20000,
        "rows_total": 380000,
        "progress_text": "Checked 20,000 of 380,000 rows…",
    }


def test_a_final_page_does_not_refresh(client, campaign, metric, staff):
    batch = checked(campaign, staff)
    client.force_login(staff)
    page = client.get(preview_url(batch)).content.decode()
    assert "refresh" not in page and "import_status.js" not in page


def test_a_claimed_check_is_not_run_again(campaign, metric, staff, reads):
    batch = stage(campaign, staff)
    assert figure_import_check(batch_id=batch.pk).state == ImportState.CHECKED
    assert figure_import_check(batch_id=batch.pk) is None  # redelivered: a no-op
    assert tasks.check_figure_import.delay(batch.pk).get() is None
    assert reads.call_count == 1

    other = stage(campaign, staff)
    FigureImport.objects.filter(pk=other.pk).update(state=ImportState.CHECKING, attempts=1)
    assert figure_import_check(batch_id=other.pk) is None  # another worker holds it
    assert reads.call_count == 1


def test_the_tasks_tolerate_a_deleted_batch(campaign, metric, staff):
    assert tasks.check_figure_import.delay(987654).get() is None
    assert tasks.apply_figure_import.delay(987654).get() is None
    assert figure_import_resume(batch_id=987654) is False


def test_errors_are_stored_and_shown_with_their_lines_and_no_confirm(
    client, campaign, metric, staff
):
    batch = checked(campaign, staff, BAD)
    assert batch.state == ImportState.FAILED
    assert [e.split(":")[0] for e in batch.errors] == ["Line 3", "Line 4"]
    client.force_login(staff)
    response = client.get(preview_url(batch))
    page = response.content.decode()
    assert response.status_code == 400
    assert "Nothing was written." in page and "Line 3: &#x27;-3&#x27; is negative" in page
    assert 'id="import-confirm"' not in page

    response = client.post(confirm_url(batch), follow=True)
    assert "has not passed its check" in response.content.decode()
    assert FigureImport.objects.get(pk=batch.pk).state == ImportState.FAILED
    assert Figure.objects.count() == 0
    with pytest.raises(ServiceError):
        figure_import_confirm(batch_id=batch.pk, actor=staff)


def test_an_unchecked_batch_cannot_be_confirmed(campaign, metric, staff):
    batch = stage(campaign, staff)
    with pytest.raises(ServiceError, match="has not passed its check"):
        figure_import_confirm(batch_id=batch.pk, actor=staff)


def test_confirm_applies_once(client, campaign, metric, staff, django_capture_on_commit_callbacks):
    batch = checked(campaign, staff)
    client.force_login(staff)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(confirm_url(batch))
    # One job queued (the apply); the figures written also raise the "Needs you" version after
    # the commit (requests_app/services/needs_you_version.py).
    assert len([c for c in callbacks if c is not _raise_now]) == 1
    assert response.status_code == 302 and response["Location"] == preview_url(batch)
    batch.refresh_from_db()
    assert (batch.state, batch.confirmed_by, batch.summary) == (
        ImportState.APPLIED,
        staff,
        "7 created, 0 changed, 0 unchanged",
    )
    assert batch.confirmed_at and batch.applied_at
    assert Figure.objects.count() == 7 and FigureChange.objects.count() == 7

    page = client.get(preview_url(batch)).content.decode()
    assert "Imported" in page and "7 created, 0 changed, 0 unchanged" in page
    assert reverse("campaign_detail", args=[campaign.slug]) in page

    response = client.post(confirm_url(batch), follow=True)
    assert "figures.csv was already imported." in response.content.decode()
    assert figure_import_apply(batch_id=batch.pk) is None  # a redelivered apply
    assert tasks.apply_figure_import.delay(batch.pk).get() is None
    assert FigureChange.objects.count() == 7


def test_the_applying_page_says_so(client, campaign, metric, staff):
    batch = checked(campaign, staff)
    figure_import_confirm(batch_id=batch.pk, actor=staff)  # on_commit not run: still applying
    client.force_login(staff)
    page = client.get(preview_url(batch)).content.decode()
    assert "Importing 7 rows" in page and 'id="import-confirm"' not in page
    assert Figure.objects.count() == 0


def test_the_apply_rechecks_and_writes_nothing_when_the_file_no_longer_fits(
    campaign, metric, staff
):
    batch = checked(campaign, staff)
    figure_import_confirm(batch_id=batch.pk, actor=staff)
    Metric.objects.filter(pk=metric.pk).update(slug="renamed")
    assert figure_import_apply(batch_id=batch.pk) is None
    batch.refresh_from_db()
    assert batch.state == ImportState.FAILED
    assert batch.errors[0].startswith("Line 2: unknown metric 'offences'")
    assert Figure.objects.count() == 0 and FigureChange.objects.count() == 0


def test_the_preview_lists_the_changed_lines(client, campaign, metric, staff, reviewer):
    imports.import_figures(campaign=campaign, actor=staff, data=GOOD.encode(), filename="a.csv")
    batch = checked(campaign, staff, GOOD.replace(",361,", ",362,"))
    assert (batch.result["created"], batch.result["changed"], batch.result["unchanged"]) == (
        0,
        1,
        6,
    )
    assert batch.result["changed_lines"] == [
        {"line": 3, "cell": "Kent Police: offences / 2016/17 / total", "old": "361", "new": "362"}
    ]
    client.force_login(staff)
    page = client.get(preview_url(batch)).content.decode()
    assert "Kent Police: offences / 2016/17 / total" in page and "362" in page


def test_the_preview_uses_constant_queries(client, campaign, metric, staff):
    few, many = checked(campaign, staff), checked(campaign, staff)
    line = {"line": 2, "cell": "Kent Police: offences / 2016/17 / total", "old": "1", "new": "2"}
    FigureImport.objects.filter(pk=many.pk).update(
        result=many.result | {"changed": 200, "changed_lines": [line] * 200}
    )
    client.force_login(staff)
    counts = []
    for batch in (few, many):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(preview_url(batch)).status_code == 200
        counts.append(len(ctx))
    assert counts[0] == counts[1] <= 12


def test_the_state_is_constrained_in_the_database(campaign, staff):
    batch = stage(campaign, staff)
    with pytest.raises(IntegrityError), transaction.atomic():
        FigureImport.objects.filter(pk=batch.pk).update(state="done-ish")


def test_a_stalled_check_is_requeued_and_fails_after_three_starts(
    client, campaign, metric, staff, django_capture_on_commit_callbacks
):
    batch = stage(campaign, staff)
    long_ago = timezone.now() - timedelta(minutes=11)
    FigureImport.objects.filter(pk=batch.pk).update(
        state=ImportState.CHECKING, attempts=1, progress_at=timezone.now()
    )
    assert figure_import_resume(batch_id=batch.pk) is False  # alive: leave it
    FigureImport.objects.filter(pk=batch.pk).update(progress_at=long_ago)
    client.force_login(staff)
    with django_capture_on_commit_callbacks(execute=True):
        client.get(preview_url(batch))  # the page notices, the check runs again
    batch.refresh_from_db()
    assert (batch.state, batch.attempts) == (ImportState.CHECKED, 2)

    FigureImport.objects.filter(pk=batch.pk).update(
        state=ImportState.CHECKING, attempts=3, progress_at=long_ago
    )
    assert figure_import_resume(batch_id=batch.pk) is True
    batch.refresh_from_db()
    assert batch.state == ImportState.FAILED
    assert batch.errors == [
        "The check stopped 3 times without finishing (the file may be too large to handle); "
        "nothing was written."
    ]


def test_a_stalled_run_cannot_overwrite_its_successor(campaign, metric, staff, monkeypatch):
    batch = stage(campaign, staff)
    stalled = []

    def plan_and_stall(*args, progress, **kwargs):
        progress(0, 7)
        # the worker "dies" here: the page re-queues it and a second worker finishes it
        FigureImport.objects.filter(pk=batch.pk).update(
            progress_at=timezone.now() - timedelta(hours=1)
        )
        monkeypatch.setattr(import_batches, "plan_import", real)
        figure_import_resume(batch_id=batch.pk)
        stalled.append(figure_import_check(batch_id=batch.pk))
        progress(3, 7)  # the first worker wakes up: its writes match nothing
        raise imports.ImportFileError(["Line 2: stale"])

    real = import_batches.plan_import
    monkeypatch.setattr(import_batches, "plan_import", plan_and_stall)
    figure_import_check(batch_id=batch.pk)
    batch.refresh_from_db()
    assert stalled[0].state == ImportState.CHECKED
    assert (batch.state, batch.attempts, batch.rows_checked, batch.errors) == (
        ImportState.CHECKED,
        2,
        7,
        [],
    )


def test_a_stalled_apply_is_requeued(campaign, metric, staff, django_capture_on_commit_callbacks):
    batch = checked(campaign, staff)
    figure_import_confirm(batch_id=batch.pk, actor=staff)  # its task "lost"
    FigureImport.objects.filter(pk=batch.pk).update(
        progress_at=timezone.now() - timedelta(minutes=11)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert figure_import_resume(batch_id=batch.pk) is True
    batch.refresh_from_db()
    assert (batch.state, batch.attempts) == (ImportState.APPLIED, 2)
    assert Figure.objects.count() == 7


def test_a_legacy_unchecked_batch_is_checked_when_opened(
    client, campaign, metric, staff, django_capture_on_commit_callbacks
):
    batch = FigureImport.objects.create(campaign=campaign, filename="old.csv", data=GOOD.encode())
    client.force_login(staff)
    with django_capture_on_commit_callbacks(execute=True):
        client.get(preview_url(batch))
    assert FigureImport.objects.get(pk=batch.pk).state == ImportState.CHECKED


def test_the_command_line_needs_no_worker_or_batch(campaign, metric, tmp_path):
    from django.core.management import call_command

    path = tmp_path / "figures.csv"
    path.write_text(GOOD)
    call_command("import_figures", campaign.slug, str(path))
    assert Figure.objects.count() == 7 and FigureImport.objects.count() == 0


def test_the_admin_shows_batches_without_loading_their_files(client, admin_user, campaign, staff):
    batch = stage(campaign, staff)
    client.force_login(admin_user)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(reverse("admin:figures_app_figureimport_changelist")).status_code == 200
        url = reverse("admin:figures_app_figureimport_change", args=[batch.pk])
        assert client.get(url).status_code == 200
    assert not any('"figures_app_figureimport"."data"' in q["sql"] for q in ctx)


def test_the_preview_lists_each_line_as_it_became(client, campaign, metric, staff):
    """Issue 26: not counts only, but which force, period, category and value each line became,
    and what changes against what is stored."""
    imports.import_figures(campaign=campaign, actor=staff, data=GOOD.encode(), filename="a.csv")
    batch = checked(
        campaign, staff, GOOD.replace(",361,", ",362,") + "Essex,2016/17,offences,,7,,\n"
    )
    lines = {line[0]: line[1:] for line in batch.result["lines"]}
    assert lines[3] == [
        "Kent Police",
        "2016/17",
        metric.label,
        "Total",
        "362",
        "changed from 361",
    ]
    assert lines[4][1:] == ["2016/17", metric.label, "Victim age: 13", "40", "unchanged"]
    assert lines[5][0] == "Devon and Cornwall Police" and lines[5][4] == "<5 (1–4)"
    assert lines[9] == ["Essex Police", "2016/17", metric.label, "Total", "7", "new"]
    client.force_login(staff)
    page = client.get(preview_url(batch)).content.decode()
    assert 'id="import-lines"' in page and "changed from 361" in page and "Essex Police" in page


def test_the_preview_pages_the_lines_in_constant_queries(client, campaign, metric, staff):
    few, many = checked(campaign, staff), checked(campaign, staff)
    line = [2, "Kent Police", "2016/17", "Offences", "Total", "1", "new"]
    FigureImport.objects.filter(pk=many.pk).update(
        result=many.result | {"rows": 5000, "lines": [[n, *line[1:]] for n in range(2, 5002)]}
    )
    client.force_login(staff)
    counts = []
    for batch, page_number in ((few, 1), (many, 37)):
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(preview_url(batch), {"page": page_number})
        assert response.status_code == 200
        counts.append(len(ctx))
    assert counts[0] == counts[1]
    page = response.content.decode()
    assert "Lines 1,801–1,850 of 5,000" in page and "Page 37 of 100" in page
    assert '<td class="num">1802</td>' in page and '<td class="num">1852</td>' not in page
