"""Celery tasks: thin wrappers that take a batch id and call a service.

Both are safe to repeat and to run on two workers at once: each service claims its batch first
(services/import_batches.py) and does nothing for a batch that is gone or already claimed.
"""

from __future__ import annotations

from celery import shared_task

from figures_app.services.import_batches import figure_import_apply, figure_import_check


@shared_task(name="figures_app.check_figure_import", acks_late=True, reject_on_worker_lost=True)
def check_figure_import(batch_id: int) -> str | None:
    """Check a staged web upload and store its plan (or its errors) on the batch."""
    batch = figure_import_check(batch_id=batch_id)
    return batch.state if batch else None


@shared_task(name="figures_app.apply_figure_import", acks_late=True, reject_on_worker_lost=True)
def apply_figure_import(batch_id: int) -> str | None:
    """Write a confirmed web upload, all or nothing."""
    batch = figure_import_apply(batch_id=batch_id)
    return batch.state if batch else None
