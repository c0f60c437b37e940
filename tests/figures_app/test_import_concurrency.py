"""A running apply on PostgreSQL: it holds its batch's row lock, so a second worker, the page's
re-queue and a second confirm pass it by at once, neither repeating nor waiting for it (SQLite
has no row locks, so it cannot show this)."""

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone

from figures_app.models import Figure, FigureImport, ImportState
from figures_app.services import import_batches
from figures_app.services.import_batches import (
    figure_import_apply,
    figure_import_check,
    figure_import_confirm,
    figure_import_resume,
    figure_import_stage,
)
from requests_app.services.errors import ServiceError

from .test_import import GOOD

pytestmark = pytest.mark.postgres


@pytest.fixture
def postgres_only(transactional_db):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL=postgres://...)")


def test_a_running_apply_is_passed_by_not_repeated_or_waited_for(
    postgres_only, campaign, metric, staff, monkeypatch
):
    queued = []
    monkeypatch.setattr(import_batches, "_enqueue", lambda name, pk: queued.append(name))
    batch = figure_import_stage(
        campaign=campaign, actor=staff, filename="f.csv", data=GOOD.encode()
    )
    figure_import_check(batch_id=batch.pk)
    figure_import_confirm(batch_id=batch.pk, actor=staff)
    FigureImport.objects.filter(pk=batch.pk).update(progress_at=timezone.now() - timedelta(hours=1))
    locked, release = threading.Event(), threading.Event()

    def running_apply():
        try:
            with transaction.atomic():
                FigureImport.objects.select_for_update().get(pk=batch.pk)
                locked.set()
                release.wait(20)
        finally:
            connections.close_all()

    thread = threading.Thread(target=running_apply)
    thread.start()
    try:
        assert locked.wait(20)
        started = time.monotonic()
        assert figure_import_apply(batch_id=batch.pk) is None
        assert figure_import_resume(batch_id=batch.pk) is False
        with pytest.raises(ServiceError, match="being imported already"):
            figure_import_confirm(batch_id=batch.pk, actor=staff)
        assert time.monotonic() - started < 5
    finally:
        release.set()
        thread.join(30)
    assert Figure.objects.count() == 0
    assert queued == ["figures_app.check_figure_import", "figures_app.apply_figure_import"]
    assert figure_import_apply(batch_id=batch.pk).state == ImportState.APPLIED
    assert Figure.objects.count() == 7
