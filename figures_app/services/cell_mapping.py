"""Saving the figures taken from a force's file: entered and waiting for review, each citing its
cell, and the layout kept to read the force's next file."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction

from figures_app.categories import CategoryIndex
from figures_app.cell_mapping import BlockSpec, Proposal, template_from
from figures_app.models import CellTemplate
from figures_app.services.figures import ApplyResult, CellInput, figures_apply
from requests_app.models import FoiRequest, RequestAttachment
from requests_app.services.errors import ServiceError

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser


@transaction.atomic
def figures_from_cells(
    *,
    foi: FoiRequest,
    attachment: RequestAttachment,
    actor: AbstractBaseUser,
    spec: BlockSpec,
    proposal: Proposal,
    index: CategoryIndex,
    keep_layout: bool,
) -> ApplyResult:
    """Enter the proposal's figures (all or nothing), each with its file and cell; keep the layout
    as this force's template when asked."""
    if attachment.request_id != foi.pk:
        raise ServiceError("That file belongs to another request.", "attachment")
    if proposal.errors:
        raise ServiceError("Fix the problems listed before saving.")
    if not proposal.cells:
        raise ServiceError("The block holds no figures to save.")
    cells = [
        CellInput(
            request=foi,
            metric=cell.metric,
            period=cell.period,
            categories=cell.categories,
            parsed=cell.parsed,
            attachment_id=attachment.pk,
            location=cell.ref[:200],
            source="taken from a file",
        )
        for cell in proposal.cells
    ]
    result = figures_apply(
        campaign=foi.campaign,
        actor=actor,
        cells=cells,
        index=index,
        summary=f"Taken from {attachment.original_name[:80]}, {proposal.sheet} {proposal.block}.",
    )
    if keep_layout:
        slugs = ",".join(sorted({cell.metric.slug for cell in proposal.cells}))
        CellTemplate.objects.update_or_create(
            campaign=foi.campaign,
            force=foi.force,
            metric_slugs=slugs[:300],
            defaults={"layout": template_from(spec, proposal), "saved_by": actor},
        )
    return result
