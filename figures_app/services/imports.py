"""Importing a tidy file: every row checked against the campaign (forces by any name, periods,
metrics, categories, values), a plan of what would be created, changed or left (the preview),
and the write, all or nothing. Uploads from the web are staged first and applied on confirm.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from figures_app.categories import CategoryIndex
from figures_app.models import FigureImport, Metric
from figures_app.readers import OPTIONAL, REQUIRED, ImportFileError, Row, read_rows
from figures_app.services.figures import ApplyResult, CellInput, figures_apply, plan_cells
from figures_app.values import parse_figure
from requests_app.force_names import ForceNameError, ForceResolver
from requests_app.models import Campaign
from requests_app.roles import can_edit, can_review
from requests_app.services.errors import ServiceError

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser

MAX_ERRORS = 200


@dataclass
class ImportPlan:
    campaign: Campaign
    cells: list[CellInput]
    index: CategoryIndex
    created: int = 0
    changed: int = 0
    unchanged: int = 0
    deleted: int = 0
    warnings: list[str] = field(default_factory=list)
    changed_lines: list[tuple[int, str, str, str]] = field(
        default_factory=list
    )  # line, cell, old, new

    @property
    def rows(self) -> int:
        return len(self.cells)


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def build_cells(
    campaign: Campaign, columns: list[str], rows: Iterable[Row], *, source: str
) -> tuple[list[CellInput], CategoryIndex]:
    """Check every row; ImportFileError lists every problem with its line."""
    errors: list[str] = []
    metrics = {m.slug: m for m in Metric.objects.filter(campaign=campaign)}
    metrics_by_label = {m.label.lower(): m for m in metrics.values()}
    index = CategoryIndex(campaign)
    dim_columns = {d.slug for dims in index.dimensions.values() for d in dims}
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        raise ImportFileError(
            [
                f"Line 1: missing column{'s' if len(missing) > 1 else ''} {', '.join(repr(c) for c in missing)}."
            ]
        )
    unknown = [c for c in columns if c and c not in REQUIRED + OPTIONAL and c not in dim_columns]
    if unknown:
        allowed = ", ".join(list(REQUIRED) + list(OPTIONAL) + sorted(dim_columns))
        raise ImportFileError([f"Line 1: unknown column '{unknown[0]}'; columns are {allowed}."])
    duplicated = sorted({c for c in columns if c and columns.count(c) > 1})
    if duplicated:
        raise ImportFileError([f"Line 1: column '{duplicated[0]}' appears twice."])
    periods = {}
    for p in campaign.periods.all():
        periods[p.label.lower()] = p
        periods[p.label.lower().replace("/", "-")] = p
    requests = {foi.force_id: foi for foi in campaign.requests.select_related("force")}
    resolver = ForceResolver()
    bounds = (campaign.suppressed_lower, campaign.suppressed_upper)
    seen: dict[tuple, int] = {}
    cells: list[CellInput] = []
    for row in rows:
        v = row.values
        where = f"Line {row.line}"
        if v.get("__extra__"):
            errors.append(f"{where}: more values than columns.")
            continue
        row_errors = []
        too_long = [
            c for c in ("force", "period", "metric", *dim_columns) if len(_text(v.get(c))) > 200
        ]
        if too_long:
            errors.append(f"{where}: the {too_long[0]} is longer than 200 characters.")
            continue
        try:
            force = resolver.resolve(_text(v.get("force")))
            foi = requests.get(force.pk)
            if foi is None:
                row_errors.append(f"{where}: {force.name} was not asked in this campaign.")
        except ForceNameError as exc:
            foi = None
            row_errors.append(f"{where}: {exc}")
        period_text = _text(v.get("period"))
        period = periods.get(period_text.lower())
        if period is None:
            row_errors.append(
                f"{where}: unknown period '{period_text}'; periods are "
                f"{', '.join(p.label for p in campaign.periods.all())}."
            )
        metric_text = _text(v.get("metric"))
        metric = (
            metrics.get(metric_text)
            or metrics.get(metric_text.lower())
            or metrics_by_label.get(metric_text.lower())
        )
        if metric is None:
            row_errors.append(
                f"{where}: unknown metric '{metric_text}'; metrics are {', '.join(metrics) or 'none defined'}."
            )
        refs = []
        if metric is not None:
            dims = index.dimensions.get(metric.pk, [])
            for dim in dims:
                text = _text(v.get(dim.slug))
                if text:
                    try:
                        refs.append(index.resolve(dim, v.get(dim.slug)))
                    except ValueError as exc:
                        row_errors.append(f"{where}: {exc}")
            for col in dim_columns - {d.slug for d in dims}:
                if _text(v.get(col)):
                    row_errors.append(f"{where}: metric '{metric.slug}' has no dimension '{col}'.")
        try:
            parsed = parse_figure(v.get("value"), bounds=bounds, status=_text(v.get("status")))
            if parsed is None:
                row_errors.append(f"{where}: the value is empty (give a figure or a status).")
        except ValueError as exc:
            parsed = None
            row_errors.append(f"{where}: {exc}")
        if row_errors:
            errors.extend(row_errors)
            if len(errors) >= MAX_ERRORS:
                errors.append(f"Stopped after {MAX_ERRORS} errors.")
                break
            continue
        ident = (
            foi.pk,
            metric.pk,
            period.pk,
            tuple(sorted((r.dimension.pk, r.value) for r in refs)),
        )
        if ident in seen:
            errors.append(
                f"{where}: duplicate of line {seen[ident]} (same force, period, metric and categories)."
            )
            continue
        seen[ident] = row.line
        cell = CellInput(
            request=foi,
            metric=metric,
            period=period,
            categories=tuple(refs),
            parsed=parsed,
            source=f"{source} line {row.line}",
        )
        if "note" in columns:
            cell.note = _text(v.get("note"))
        cells.append(cell)
    if errors:
        raise ImportFileError(errors)
    return cells, index


def plan_import(campaign: Campaign, data: bytes, filename: str) -> ImportPlan:
    """Read and check a file; say what importing it would create, change or leave. No writes."""
    columns, rows, warnings = read_rows(data, filename)
    if not rows:
        raise ImportFileError(["Line 2: the file has no rows."])
    cells, index = build_cells(campaign, columns, rows, source=f"import {PurePath(filename).name}")
    plan = plan_cells(cells, index)
    result = ImportPlan(campaign=campaign, cells=cells, index=index, warnings=warnings)
    result.created, result.changed, result.unchanged = (
        len(plan["created"]),
        len(plan["changed"]),
        len(plan["unchanged"]),
    )
    return result


@transaction.atomic
def import_figures(
    *,
    campaign: Campaign,
    actor: AbstractBaseUser | None,
    data: bytes,
    filename: str,
    approve: bool = False,
) -> ApplyResult:
    """Check the whole file, then write it in one transaction (nothing on any error)."""
    plan = plan_import(campaign, data, filename)
    try:
        return figures_apply(
            campaign=campaign,
            actor=actor,
            cells=plan.cells,
            index=plan.index,
            approve=approve,
            summary=f"Imported from {PurePath(filename).name}.",
        )
    except ServiceError as exc:
        raise ImportFileError([str(exc)]) from None


def may_approve_on_import(user: AbstractBaseUser) -> bool:
    """The importer is the maker: approving in the same step is the checker's job, so on the web
    it is offered only to reviewers on teams that allow self-approval (one-person teams)."""
    return can_review(user) and settings.FIGURES_ALLOW_SELF_APPROVAL


def figure_import_stage(
    *, campaign: Campaign, actor: AbstractBaseUser, filename: str, data: bytes
) -> FigureImport:
    """Keep an uploaded file between its preview and the confirm that applies it."""
    if not can_edit(actor):
        raise ServiceError("You need the staff role to import figures.")
    return FigureImport.objects.create(
        campaign=campaign, filename=PurePath(filename).name[:255], data=data, uploaded_by=actor
    )


@transaction.atomic
def figure_import_apply(
    *, batch_id: int, actor: AbstractBaseUser, approve: bool = False
) -> FigureImport:
    """Apply a staged upload (the web confirm): re-check the whole file, write it, and record on
    the batch when and with what result. A batch is applied once; ImportFileError on any error,
    with nothing written."""
    batch = FigureImport.objects.select_for_update().select_related("campaign").get(pk=batch_id)
    if batch.applied_at:
        raise ServiceError(f"{batch.filename} was already imported.")
    if approve and not may_approve_on_import(actor):
        raise ServiceError(
            "The person who imports figures cannot also approve them: ask another reviewer."
        )
    result = import_figures(
        campaign=batch.campaign,
        actor=actor,
        data=bytes(batch.data),
        filename=batch.filename,
        approve=approve,
    )
    batch.applied_at = timezone.now()
    batch.summary = (
        f"{result.created} created, {result.changed} changed, "
        f"{result.unchanged} unchanged" + (", approved" if approve else "")
    )
    batch.save(update_fields=["applied_at", "summary"])
    return batch
