"""Importing a tidy file: every row checked against the campaign (forces by any name, periods,
metrics, categories, values), a plan of what would be created, changed or left (the preview),
and the write, all or nothing. The command line calls import_figures directly; web uploads are
batches (services/import_batches.py) whose worker runs the same plan_import and import_figures.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sized
from dataclasses import dataclass, field, replace
from pathlib import PurePath
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction

from figures_app.categories import CategoryIndex, category_key
from figures_app.models import Figure, FigureSource, Kind, Metric, describe_figure
from figures_app.readers import OPTIONAL, REQUIRED, ImportFileError, Row, read_rows
from figures_app.services.figures import KEEP, ApplyResult, CellInput, figures_apply, plan_cells
from figures_app.services.sources import figures_mark_source
from figures_app.values import Parsed, parse_figure
from requests_app.force_names import ForceNameError, ForceResolver
from requests_app.models import Campaign
from requests_app.roles import can_review
from requests_app.services.errors import ServiceError

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser

MAX_ERRORS = 200
# Changed lines kept in a plan (the preview lists them; the counts cover every row).
MAX_CHANGED_LINES = 200
# build_cells reports progress every this many rows: often enough for a progress bar, rarely
# enough that the UPDATE it costs a batch is noise beside the check itself.
PROGRESS_EVERY = 5000

Progress = Callable[[int, int], None]  # (rows checked, rows in the file)


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
    campaign: Campaign,
    columns: list[str],
    rows: Iterable[Row],
    *,
    source: str,
    progress: Progress | None = None,
) -> tuple[list[CellInput], CategoryIndex]:
    """Check every row; ImportFileError lists every problem with its line. `progress`, if
    given, hears (rows checked, rows in the file) at the start, every PROGRESS_EVERY rows and
    at the end."""
    errors: list[str] = []
    total = len(rows) if isinstance(rows, Sized) else 0
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
    if progress:
        progress(0, total)
    period_labels = ", ".join(p.label for p in campaign.periods.all())
    for done, row in enumerate(rows):
        if len(errors) >= MAX_ERRORS:
            errors.append(f"Stopped after {MAX_ERRORS} errors.")
            break
        if progress and done and done % PROGRESS_EVERY == 0:
            progress(done, total)
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
                f"{where}: unknown period '{period_text}'; periods are {period_labels}."
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
            continue
        parsed = _with_wording(parsed, v.get("as_given"), bounds)
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
    if progress:
        progress(total, total)
    return cells, index


def _with_wording(parsed: Parsed, as_given, bounds: tuple[int, int]) -> Parsed:
    """The export writes a count as a number in `value` and the force's wording ("1,234") in
    `as_given`: keep the wording when it says the same number, so a round trip changes nothing.
    The `value` column wins when the two disagree (someone edited the number)."""
    text = _text(as_given)
    if parsed.kind != Kind.REPORTED or not text or text == parsed.raw_text:
        return parsed
    try:
        wording = parse_figure(text, bounds=bounds)
    except ValueError:
        return parsed
    if wording is not None and wording.kind == Kind.REPORTED and wording.value == parsed.value:
        return replace(parsed, raw_text=wording.raw_text)
    return parsed


def plan_import(
    campaign: Campaign, data: bytes, filename: str, *, progress: Progress | None = None
) -> ImportPlan:
    """Read and check a file; say what importing it would create, change or leave. No writes."""
    columns, rows, warnings = read_rows(data, filename)
    if not rows:
        raise ImportFileError(["Line 2: the file has no rows."])
    cells, index = build_cells(
        campaign, columns, rows, source=f"import {PurePath(filename).name}", progress=progress
    )
    plan = plan_cells(cells, index)
    result = ImportPlan(campaign=campaign, cells=cells, index=index, warnings=warnings)
    result.created, result.changed, result.unchanged, result.deleted = (
        len(plan["created"]),
        len(plan["changed"]),
        len(plan["unchanged"]),
        len(plan["deleted"]),
    )
    result.changed_lines = _changed_lines(plan["changed"][:MAX_CHANGED_LINES], index)
    return result


def _changed_lines(cells: list[CellInput], index: CategoryIndex) -> list[tuple[int, str, str, str]]:
    """(line, cell, old, new) for the preview, in one query for the cells' current figures."""
    if not cells:
        return []
    keys = {
        (
            c.request.pk,
            c.metric.pk,
            c.period.pk,
            category_key([index.category_of(r) for r in c.categories]),
        ): c
        for c in cells
    }
    old = {
        (f.request_id, f.metric_id, f.period_id, f.category_key): f
        for f in Figure.objects.filter(
            request_id__in={k[0] for k in keys},
            metric_id__in={k[1] for k in keys},
            period_id__in={k[2] for k in keys},
        )
    }
    lines = []
    for key, cell in keys.items():
        figure = old.get(key)
        before = describe_figure(figure.state()) if figure else ""
        after = describe_figure(_parsed_state(cell))
        if before == after:
            after += " (note changed)" if cell.note is not KEEP else " (details changed)"
        name = f"{cell.request.force.name}: {index.cell_name(cell.metric, cell.period, key[3])}"
        lines.append((int(cell.source.rsplit(" line ", 1)[-1]), name, before, after))
    return sorted(lines)


def _parsed_state(cell: CellInput) -> dict:
    p = cell.parsed
    exemption = p.exemption
    if exemption and ":" not in exemption:
        exemption = f"{cell.request.force.law}:{exemption}"
    return {
        "kind": p.kind,
        "value": p.value,
        "lower": p.lower,
        "upper": p.upper,
        "raw_text": p.raw_text,
        "exemption": exemption,
    }


@transaction.atomic
def import_figures(
    *,
    campaign: Campaign,
    actor: AbstractBaseUser | None,
    data: bytes,
    filename: str,
    approve: bool = False,
    source: str = FigureSource.FORCE,
) -> ApplyResult:
    """Check the whole file, then write it in one transaction (nothing on any error).
    `source` "published": the figures come from a release, not a force's answer (issue 14)."""
    plan = plan_import(campaign, data, filename)
    try:
        result = figures_apply(
            campaign=campaign,
            actor=actor,
            cells=plan.cells,
            index=plan.index,
            approve=approve,
            summary=f"Imported from {PurePath(filename).name}.",
        )
        figures_mark_source(cells=plan.cells, index=plan.index, source=source, actor=actor)
        return result
    except ServiceError as exc:
        raise ImportFileError([str(exc)]) from None


def may_approve_on_import(user: AbstractBaseUser) -> bool:
    """The importer is the maker: approving in the same step is the checker's job, so on the web
    it is offered only to reviewers on teams that allow self-approval (one-person teams)."""
    return can_review(user) and settings.FIGURES_ALLOW_SELF_APPROVAL
