"""Web uploads as batches: staged once, checked by a worker (the page shows its progress), the
check's plan stored on the batch (the preview only reads it), applied by a worker on confirm.

Every move is a claim: a conditional UPDATE (or, for the apply, a row lock taken with SKIP
LOCKED) that only one worker can win, so two workers, a redelivered task or a re-queue never
do the same work twice, and a task for a deleted batch does nothing.

Stalled work: a batch still staged, checking or applying after FIGURE_IMPORT_STALE_MINUTES
without a sign of life (its message was lost, or its worker died: the check reports every
PROGRESS_EVERY rows, the apply holds a row lock while it runs) is re-queued by
figure_import_resume, which the preview page and its status endpoint call while a batch is
working. A step that has been started MAX_ATTEMPTS times fails instead (a file that kills every
worker that reads it must not loop forever).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from pathlib import PurePath
from typing import TYPE_CHECKING

from celery import current_app
from django.conf import settings
from django.db import OperationalError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from figures_app.models import IMPORT_TRANSITIONS, IMPORT_WORKING, FigureImport, ImportState
from figures_app.readers import ImportFileError
from figures_app.services.imports import (
    ImportPlan,
    import_figures,
    may_approve_on_import,
    plan_import,
)
from requests_app.models import Campaign
from requests_app.roles import can_edit
from requests_app.services.errors import ServiceError

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser

logger = logging.getLogger(__name__)

# Task names (figures_app/tasks.py): looked up in Celery's registry so that services do not
# import the task module that imports them.
CHECK_TASK = "figures_app.check_figure_import"
APPLY_TASK = "figures_app.apply_figure_import"
MAX_ATTEMPTS = 3
UNEXPECTED = "The file could not be {} because of an unexpected error; nothing was written. Try again, or ask an administrator to look at the logs."


def _enqueue(task_name: str, batch_id: int) -> None:
    # robust: a broker that is down must not turn a committed upload into a 500; the batch
    # stays working and figure_import_resume sends it again once it is stale.
    transaction.on_commit(lambda: current_app.tasks[task_name].delay(batch_id), robust=True)


def _move(batch_id: int, source: str, target: str, *, where: Q | None = None, **fields) -> bool:
    """Claim a move of the TRANSITIONS table: True for the one caller whose UPDATE matched."""
    if target not in IMPORT_TRANSITIONS.get(source, ()):
        raise ServiceError(f"An import cannot go from {source} to {target}.")
    batches = FigureImport.objects.filter(where or Q(), pk=batch_id, state=source)
    return batches.update(state=target, **fields) == 1


@transaction.atomic
def figure_import_stage(
    *, campaign: Campaign, actor: AbstractBaseUser, filename: str, data: bytes
) -> FigureImport:
    """Keep an uploaded file and queue its check (after commit)."""
    if not can_edit(actor):
        raise ServiceError("You need the staff role to import figures.")
    batch = FigureImport.objects.create(
        campaign=campaign,
        filename=PurePath(filename).name[:255],
        data=data,
        uploaded_by=actor,
        progress_at=timezone.now(),
    )
    _enqueue(CHECK_TASK, batch.pk)
    return batch


def plan_result(*, plan: ImportPlan) -> dict:
    """What the preview shows, as JSON."""
    return {
        "rows": plan.rows,
        "created": plan.created,
        "changed": plan.changed,
        "unchanged": plan.unchanged,
        "deleted": plan.deleted,
        "warnings": plan.warnings,
        "changed_lines": [
            {"line": line, "cell": cell, "old": old, "new": new}
            for line, cell, old, new in plan.changed_lines
        ],
        # Lists, not objects: a large file's plan keeps one short list per line.
        "lines": [list(line) for line in plan.lines],
    }


def figure_import_check(*, batch_id: int) -> FigureImport | None:
    """The worker's check: claim a staged batch, read its file once, plan it (progress stored
    every PROGRESS_EVERY rows), store the plan or the errors. None if there was nothing to do
    (deleted, or claimed by someone else).

    No enclosing transaction on purpose: progress must be seen by the page while the check runs,
    and the check writes nothing but its own batch row."""
    batch = (
        FigureImport.objects.select_related("campaign").defer("data").filter(pk=batch_id).first()
    )
    if batch is None or batch.state != ImportState.STAGED:
        return None
    attempt = batch.attempts + 1
    now = timezone.now()
    claimed = _move(
        batch_id,
        ImportState.STAGED,
        ImportState.CHECKING,
        where=Q(attempts=batch.attempts),
        attempts=attempt,
        rows_checked=0,
        rows_total=None,
        checked_at=None,
        progress_at=now,
    )
    if not claimed:
        return None
    # The claim's attempt number is its token: a re-queued check bumps it, and from then on
    # every write of this (stalled) run matches nothing.
    mine = Q(attempts=attempt)

    def progress(done: int, total: int) -> None:
        FigureImport.objects.filter(mine, pk=batch_id, state=ImportState.CHECKING).update(
            rows_checked=done, rows_total=total, progress_at=timezone.now()
        )

    try:
        # Read once, after the claim: a duplicate task never loads the file.
        data = FigureImport.objects.values_list("data", flat=True).get(pk=batch_id)
        plan = plan_import(
            campaign=batch.campaign, data=bytes(data), filename=batch.filename, progress=progress
        )
    except ImportFileError as exc:
        outcome = {"state": ImportState.FAILED, "errors": exc.errors}
    except Exception:  # a bug or a file no reader expected: fail the batch, keep the trace
        logger.exception("Checking figure import %s failed", batch_id)
        outcome = {"state": ImportState.FAILED, "errors": [UNEXPECTED.format("checked")]}
    else:
        outcome = {"state": ImportState.CHECKED, "result": plan_result(plan=plan), "errors": []}
    now = timezone.now()
    target = outcome.pop("state")
    _move(
        batch_id,
        ImportState.CHECKING,
        target,
        where=mine,
        checked_at=now,
        progress_at=now,
        **outcome,
    )
    return FigureImport.objects.filter(pk=batch_id).first()


@transaction.atomic
def figure_import_confirm(
    *, batch_id: int, actor: AbstractBaseUser, approve: bool = False
) -> FigureImport:
    """Accept a checked batch's plan and queue its apply (after commit). ServiceError if it is
    not checked, has errors, or was already confirmed."""
    # SKIP LOCKED: a running apply holds the row for as long as it writes; a second confirm
    # (a double click) must answer at once, not wait for it.
    batch = (
        FigureImport.objects.select_for_update(skip_locked=True)
        .defer("data")
        .filter(pk=batch_id)
        .first()
    )
    if batch is None:
        FigureImport.objects.defer("data").get(pk=batch_id)  # DoesNotExist if it is gone
        raise ServiceError("This file is being imported already.")
    if batch.state in (ImportState.APPLYING, ImportState.APPLIED):
        raise ServiceError(f"{batch.filename} was already imported.")
    if not can_edit(actor):
        raise ServiceError("You need the staff role to import figures.")
    if batch.state != ImportState.CHECKED or batch.errors:
        raise ServiceError(f"{batch.filename} has not passed its check; nothing was imported.")
    if approve and not may_approve_on_import(user=actor):
        raise ServiceError(
            "The person who imports figures cannot also approve them: ask another reviewer."
        )
    now = timezone.now()
    _move(
        batch_id,
        ImportState.CHECKED,
        ImportState.APPLYING,
        confirmed_by=actor,
        confirmed_at=now,
        approve=approve,
        attempts=1,
        progress_at=now,
    )
    _enqueue(APPLY_TASK, batch_id)
    batch.refresh_from_db(fields=["state", "confirmed_by", "confirmed_at", "approve"])
    return batch


def figure_import_apply(*, batch_id: int) -> FigureImport | None:
    """The worker's apply: re-check the file against the figures as they are now and write it,
    all or nothing, in one transaction that holds the batch's row lock (a second worker skips
    the locked row). On any error the batch fails with the errors and nothing is written."""
    try:
        with transaction.atomic():
            batch = (
                FigureImport.objects.select_for_update(skip_locked=True)
                .filter(pk=batch_id, state=ImportState.APPLYING)
                .first()
            )
            if batch is None:
                return None
            actor = batch.confirmed_by
            if actor is None:
                raise ServiceError("The person who confirmed this import no longer has an account.")
            if batch.approve and not may_approve_on_import(user=actor):
                raise ServiceError(
                    "The person who imports figures cannot also approve them: ask another reviewer."
                )
            result = import_figures(
                campaign=batch.campaign,
                actor=actor,
                data=bytes(batch.data),
                filename=batch.filename,
                approve=batch.approve,
            )
            now = timezone.now()
            batch.state = ImportState.APPLIED
            batch.applied_at = batch.progress_at = now
            batch.summary = (
                f"{result.created} created, {result.changed} changed, "
                f"{result.unchanged} unchanged" + (", approved" if batch.approve else "")
            )
            batch.save(update_fields=["state", "applied_at", "progress_at", "summary"])
            return batch
    except ImportFileError as exc:
        errors = exc.errors
    except ServiceError as exc:
        errors = [str(exc)]
    except Exception:
        logger.exception("Applying figure import %s failed", batch_id)
        errors = [UNEXPECTED.format("imported")]
    now = timezone.now()
    _move(batch_id, ImportState.APPLYING, ImportState.FAILED, errors=errors, progress_at=now)
    return None


def figure_import_resume(*, batch_id: int, now: datetime | None = None) -> bool:
    """Re-queue a working batch silent for FIGURE_IMPORT_STALE_MINUTES (lost message, dead
    worker), or fail it after MAX_ATTEMPTS starts. Cheap and safe on every page load: True only
    when it changed something. A running apply holds its row lock, so SKIP LOCKED passes it by
    (SQLite has no row locks: there, only the timeout tells a slow apply from a dead one)."""
    now = now or timezone.now()
    cutoff = now - timedelta(minutes=settings.FIGURE_IMPORT_STALE_MINUTES)
    stale = FigureImport.objects.filter(
        Q(progress_at__lt=cutoff) | Q(progress_at=None), pk=batch_id, state__in=IMPORT_WORKING
    )
    # A plain read first: polling pages call this every few seconds, and on SQLite any
    # transaction waits for the write lock a running apply holds.
    if not stale.exists():
        return False
    try:
        return _resume(stale, batch_id, now)
    except OperationalError:  # SQLite: a long apply holds the database's one write lock
        logger.info("Figure import %s looks stale but the database is busy", batch_id)
        return False


def _resume(stale: QuerySet[FigureImport], batch_id: int, now: datetime) -> bool:
    with transaction.atomic():
        batch = stale.select_for_update(skip_locked=True).defer("data").first()
        if batch is None:
            return False
        task = APPLY_TASK if batch.state == ImportState.APPLYING else CHECK_TASK
        if batch.state != ImportState.STAGED and batch.attempts >= MAX_ATTEMPTS:
            step = "check" if batch.state == ImportState.CHECKING else "import"
            batch.state = ImportState.FAILED
            batch.errors = [
                f"The {step} stopped {batch.attempts} times without finishing (the file may be "
                "too large to handle); nothing was written."
            ]
            task = None
        elif batch.state == ImportState.CHECKING:
            batch.state = ImportState.STAGED
        elif batch.state == ImportState.APPLYING:
            batch.attempts += 1
        batch.progress_at = now
        batch.save(update_fields=["state", "errors", "attempts", "progress_at"])
        logger.warning("Figure import %s was stale; %s", batch_id, task or "failed")
        if task:
            _enqueue(task, batch_id)
    return True
