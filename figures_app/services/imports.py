"""Importing a tidy file: every row checked against the campaign (forces by any name, periods,
metrics, categories, values), a plan of what would be created, changed or left (the preview),
and the write, all or nothing. The command line calls import_figures directly; web uploads are
batches (services/import_batches.py) whose worker runs the same plan_import and import_figures.

The rows are checked by services/import_checks.py (check_rows: one CheckedRow each). The write is
figures_import_bulk's (services/figures.py): the rows compared with the stored figures in Python
and written by executemany (services/figure_rows.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction

from figures_app.categories import (
    CategoryIndex,
    CategoryRef,
    category_key,
)
from figures_app.models import Figure, FigureSource, describe_figure
from figures_app.readers import ImportFileError, Row, read_rows
from figures_app.services.figure_rows import BulkFigure, figures_diff, stored_figures
from figures_app.services.figures import ApplyResult, CellInput, figures_import_bulk
from figures_app.services.import_checks import (
    CheckedFile,
    Progress,
    check_rows,
)
from figures_app.services.import_lines import plan_lines
from figures_app.services.sources import figures_mark_source_keys
from figures_app.values import Parsed
from requests_app.models import Campaign
from requests_app.roles import can_review
from requests_app.services.errors import ServiceError

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser

# Changed lines kept in a plan (the preview lists them; the counts cover every row).
MAX_CHANGED_LINES = 200
# Lines listed in a plan (line, force, period, metric, category, value, change), paged by the
# preview; the counts cover every row, and the page says when the list stops short.
MAX_PLAN_LINES = 20_000


@dataclass
class ImportPlan:
    campaign: Campaign
    rows: int = 0
    created: int = 0
    changed: int = 0
    unchanged: int = 0
    deleted: int = 0
    warnings: list[str] = field(default_factory=list)
    changed_lines: list[tuple[int, str, str, str]] = field(
        default_factory=list
    )  # line, cell, old, new
    # Each line as it became: line, force, period, metric, category, value, change ("new",
    # "unchanged", "changed from X"); the first MAX_PLAN_LINES.
    lines: list[tuple[int, str, str, str, str, str, str]] = field(default_factory=list)


def build_cells(
    *,
    campaign: Campaign,
    columns: list[str],
    rows: Iterable[Row],
    source: str,
    progress: Progress | None = None,
) -> tuple[list[CellInput], CategoryIndex]:
    """The checked rows as cells for figures_apply (the demo and the tests enter figures this
    way; imports take the bulk path)."""
    checked = check_rows(campaign=campaign, columns=columns, rows=rows, progress=progress)
    cells = []
    for row in checked.rows:
        cell = CellInput(
            request=row.request,
            metric=row.metric,
            period=row.period,
            categories=checked.refs[row.cats],
            parsed=Parsed(row.kind, row.value, row.lower, row.upper, row.raw_text, row.exemption),
            source=f"{source} line {row.line}",
            category_label=row.category_label,
        )
        if row.note is not None:
            cell.note = row.note
        cells.append(cell)
    return cells, checked.index


def bulk_rows(*, checked: CheckedFile) -> Iterator[BulkFigure]:
    """The checked rows with their cells' keys, as the bulk path writes them. A row naming a
    category not created yet has no key (None): a plan counts it as new."""
    index = checked.index
    keys: dict[tuple, tuple[str | None, int | None, str]] = {}
    prefixes: dict[tuple[int, int], str] = {}
    for row in checked.rows:
        found = keys.get(row.cats)
        if found is None:
            refs = checked.refs[row.cats]
            if any(ref.category is None and not _exists(index, ref) for ref in refs):
                found = (None, None, "")
            else:
                cats = [index.category_of(ref) for ref in refs]
                key = category_key(cats)
                # index.cell_name without the metric and period, which the prefix adds.
                suffix = " / ".join(f"{c.dimension.slug}={c.value}" for c in cats) or "total"
                found = (key, cats[0].pk if len(cats) == 1 else None, suffix)
            keys[row.cats] = found
        key, category_id, suffix = found
        prefix = prefixes.get((row.metric.id, row.period.id))
        if prefix is None:
            prefix = prefixes[(row.metric.id, row.period.id)] = (
                f"{row.metric.slug} / {row.period.label} / "
            )
        exemption = row.exemption
        if exemption and ":" not in exemption:
            exemption = f"{row.request.force.law}:{exemption}"
        yield BulkFigure(
            row.line,
            row.request.id,
            row.metric.id,
            row.period.id,
            key,
            category_id,
            prefix + suffix,
            row.kind,
            row.value,
            row.lower,
            row.upper,
            row.raw_text,
            exemption,
            row.note,
            row.category_label,
        )


def _exists(index: CategoryIndex, ref: CategoryRef) -> bool:
    return ref.value.lower() in index.by_value.get(ref.dimension.pk, {})


def plan_import(
    *, campaign: Campaign, data: bytes, filename: str, progress: Progress | None = None
) -> ImportPlan:
    """Read and check a file; say what importing it would create, change or leave. No writes."""
    columns, rows, warnings = read_rows(data, filename)
    if not rows:
        raise ImportFileError(["Line 2: the file has no rows."])
    checked = check_rows(campaign=campaign, columns=columns, rows=rows, progress=progress)
    plan = ImportPlan(campaign=campaign, rows=len(checked.rows), warnings=warnings)
    forces = {row.request.id: row.request.force.name for row in checked.rows}
    stored = stored_figures(request_ids=forces)
    rows = list(bulk_rows(checked=checked))
    changes: dict[int, str] = {}
    for fig, before, after in figures_diff(rows=rows, stored=stored):
        if before is None:
            plan.created += 1
            changes[fig.line] = "new"
            continue
        plan.changed += 1
        old, new = describe_figure(before), describe_figure(after)
        changes[fig.line] = f"changed from {old}" if old != new else "changed (note or details)"
        if len(plan.changed_lines) < MAX_CHANGED_LINES:
            if old == new:
                new += " (note changed)" if fig.note is not None else " (details changed)"
            plan.changed_lines.append((fig.line, f"{forces[fig.request_id]}: {fig.cell}", old, new))
    plan.lines = plan_lines(checked, rows[:MAX_PLAN_LINES], changes)
    plan.unchanged = plan.rows - plan.created - plan.changed
    return plan


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
    """Check the whole file, then write it in one transaction (nothing on any error). The
    number of queries does not grow with the rows (figures_import_bulk). `source` "published":
    the figures come from a release, not a force's answer (issue 14)."""
    columns, rows, _warnings = read_rows(data, filename)
    if not rows:
        raise ImportFileError(["Line 2: the file has no rows."])
    checked = check_rows(campaign=campaign, columns=columns, rows=rows)
    name = PurePath(filename).name
    try:
        with transaction.atomic():
            result = figures_import_bulk(
                campaign=campaign,
                actor=actor,
                index=checked.index,
                new_categories=checked.new_categories(),
                rows=lambda: bulk_rows(checked=checked),
                request_ids=checked.request_ids,
                approve=approve,
                summary=f"Imported from {name}.",
                source=f"import {name}",
                answered_on=checked.answered_on,
            )
            # Each row's own source where the file gives one (an export read back in keeps
            # what it says), else the one asked for.
            if _sources_to_mark(checked, source):
                for row_source, wanted in _source_keys(campaign, checked, f"import {name}", source):
                    figures_mark_source_keys(wanted=wanted, source=row_source, actor=actor)
        return result
    except ServiceError as exc:
        raise ImportFileError([str(exc)]) from None


def _sources_to_mark(checked: CheckedFile, default: str) -> bool:
    """Whether any imported figure may need its source set. Most files name one source, which
    every figure of their requests already has (new figures are the force's answer): then one
    query says so, and the keys of 100,000 rows are never worked out."""
    sources = {row.source or default for row in checked.rows}
    if len(sources) > 1:
        return True
    return (
        Figure.objects.filter(request_id__in=checked.request_ids)
        .exclude(source=sources.pop())
        .exists()
    )


def _source_keys(
    campaign: Campaign, checked: CheckedFile, came_from: str, default: str
) -> list[tuple[str, dict]]:
    """Per source, the imported figures' keys -> (cell name, where from), read after the import
    wrote them (a fresh index: the categories the import created are known to it now)."""
    index = CategoryIndex(campaign)
    by_source: dict[str, dict] = {}
    for row in checked.rows:
        key = category_key([index.category_of(ref) for ref in checked.refs[row.cats]])
        by_source.setdefault(row.source or default, {})[
            (row.request.id, row.metric.id, row.period.id, key)
        ] = (index.cell_name(row.metric, row.period, key), came_from)
    return sorted(by_source.items())


def may_approve_on_import(*, user: AbstractBaseUser) -> bool:
    """The importer is the maker: approving in the same step is the checker's job, so on the web
    it is offered only to reviewers on teams that allow self-approval (one-person teams)."""
    return can_review(user) and settings.FIGURES_ALLOW_SELF_APPROVAL
