"""Importing a tidy file: every row checked against the campaign (forces by any name, periods,
metrics, categories, values), a plan of what would be created, changed or left (the preview),
and the write, all or nothing. The command line calls import_figures directly; web uploads are
batches (services/import_batches.py) whose worker runs the same plan_import and import_figures.

Rows are streamed from the reader and checked one at a time; what is kept of each is a
CheckedRow, a tuple of plain values and shared objects (the campaign's forces, periods and
metrics, each category once), ~250 bytes, so 100,000 rows fit in tens of MB. The write is
figures_import_bulk's (services/figures.py): the rows compared with the stored figures in Python
and written by executemany (services/figure_rows.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sized
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import PurePath
from typing import TYPE_CHECKING, NamedTuple

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from figures_app.categories import (
    CategoryIndex,
    CategoryRef,
    category_key,
    dimension_name,
    refs_label,
)
from figures_app.models import FigureSource, Kind, Metric, describe_figure
from figures_app.ranges import Range
from figures_app.readers import OPTIONAL, REQUIRED, ImportFileError, Row, read_rows
from figures_app.services.figure_rows import BulkFigure, figures_diff, stored_figures
from figures_app.services.figures import ApplyResult, CellInput, figures_import_bulk
from figures_app.services.import_lines import plan_lines, read_date
from figures_app.services.sources import figures_mark_source_keys
from figures_app.values import Parsed, parse_figure
from requests_app.force_names import ForceNameError, ForceResolver
from requests_app.models import Campaign, FoiRequest, Period
from requests_app.roles import can_review
from requests_app.services.errors import ServiceError

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser

MAX_ERRORS = 200
# Changed lines kept in a plan (the preview lists them; the counts cover every row).
MAX_CHANGED_LINES = 200
# Lines listed in a plan (line, force, period, metric, category, value, change), paged by the
# preview; the counts cover every row, and the page says when the list stops short.
MAX_PLAN_LINES = 20_000
# check_rows reports progress every this many rows: often enough for a progress bar, rarely
# enough that the UPDATE it costs a batch is noise beside the check itself.
PROGRESS_EVERY = 5000
# Distinct (value, status, as_given) readings remembered while checking a file: most files
# repeat a few thousand values; the bound keeps a file of all-different values from growing it.
PARSE_CACHE = 50_000
MAX_NAME = 200

Progress = Callable[[int, int], None]  # (rows checked, rows in the file)


class CheckedRow(NamedTuple):
    """One row that passed every check. `cats` identifies its categories ((dimension id,
    value) pairs, shared between rows); `note` is None when the file has no note column."""

    line: int
    request: FoiRequest
    metric: Metric
    period: Period
    cats: tuple[tuple[int, str], ...]
    kind: str
    value: int | None
    lower: int | None
    upper: int | None
    raw_text: str
    exemption: str  # as written ("s12"); the force's law is added when written
    note: str | None
    source: str | None = None  # the row's own `source` (force / published), if the file says
    category_label: str | None = (
        None  # the categories as written, where they differ ('ten and under')
    )


@dataclass
class CheckedFile:
    rows: list[CheckedRow]
    index: CategoryIndex
    refs: dict[tuple, tuple[CategoryRef, ...]]  # CheckedRow.cats -> the categories named
    # request id -> the date its force answered, from the file's answered_on column
    answered_on: dict[int, date] = field(default_factory=dict)

    @property
    def request_ids(self) -> set[int]:
        return {row.request.id for row in self.rows}

    def new_categories(self) -> list[CategoryRef]:
        """Inferred categories the rows name that do not exist yet."""
        return [ref for refs in self.refs.values() for ref in refs if ref.category is None]


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


def _text(value) -> str:
    if value.__class__ is str:  # nearly every call: CSV cells are text
        return value.strip()
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _too_long(value) -> bool:
    if value is None or (isinstance(value, str) and len(value) <= MAX_NAME):
        return False
    return len(_text(value)) > MAX_NAME


def check_rows(
    *,
    campaign: Campaign,
    columns: list[str],
    rows: Iterable[Row],
    progress: Progress | None = None,
) -> CheckedFile:
    """Check every row; ImportFileError lists every problem with its line. `progress`, if
    given, hears (rows checked, rows in the file) at the start, every PROGRESS_EVERY rows and
    at the end. What the rows name (forces, periods, metrics, categories, values) is looked up
    once per distinct text, not once per row."""
    errors: list[str] = []
    total = len(rows) if isinstance(rows, Sized) else 0
    metrics = {m.slug: m for m in Metric.objects.filter(campaign=campaign)}
    index = CategoryIndex(campaign)
    dim_columns = sorted({d.slug for dims in index.dimensions.values() for d in dims})
    _check_columns(columns, dim_columns)
    checker = _RowChecker(campaign, columns, index, metrics, dim_columns)
    seen: dict[tuple, int] = {}
    ranges = _AnswerRanges()
    checked: list[CheckedRow] = []
    if progress:
        progress(0, total)
    for done, row in enumerate(rows):
        if len(errors) >= MAX_ERRORS:
            errors.append(f"Stopped after {MAX_ERRORS} errors.")
            break
        if progress and done and done % PROGRESS_EVERY == 0:
            progress(done, total)
        found = checker.check(row)
        if found.__class__ is list:
            errors.extend(found)
            continue
        # .id, not .pk: the property costs a call, ~10% of checking a row.
        ident = (found.request.id, found.metric.id, found.period.id, found.cats)
        if ident in seen:
            errors.append(
                f"Line {row.line}: duplicate of line {seen[ident]} (same force, period, metric and categories)."
            )
            continue
        seen[ident] = row.line
        overlap = ranges.check(found, checker.refs_of[found.cats])
        if overlap:
            errors.append(overlap)
            continue
        checked.append(found)
    if errors:
        raise ImportFileError(errors)
    if progress:
        progress(total, total)
    answered_on = {request_id: day for request_id, (day, _line) in checker.answered.items()}
    return CheckedFile(checked, index, checker.refs_of, answered_on)


class _AnswerRanges:
    """The numeric categories each force's answer (request, metric, period) has named so far,
    by line: a range overlapping an earlier one of the same answer is refused, both lines
    named ('Line 7: victim age 11-15 overlaps 0-12 on line 5')."""

    def __init__(self) -> None:
        self.seen: dict[tuple, list[tuple[int, Range, str]]] = {}
        self.ranged: dict[tuple, list[tuple[CategoryRef, tuple]]] = {}

    def check(self, row: CheckedRow, refs: tuple[CategoryRef, ...]) -> str | None:
        ranged = self.ranged.get(row.cats)
        if ranged is None:  # once per combination of categories, not once per row
            ranged = self.ranged[row.cats] = [
                (ref, tuple(r.value for r in refs if r is not ref))
                for ref in refs
                if ref.range is not None
            ]
        answer = (row.request.id, row.metric.id, row.period.id)
        for ref, others in ranged:
            group = self.seen.setdefault((*answer, ref.dimension.id, others), [])
            rng = ref.range
            for line, before, written in group:
                if before.value != rng.value and rng.overlaps(before):
                    return (
                        f"Line {row.line}: {dimension_name(ref.dimension)} "
                        f"{_as_written(row, rng)} overlaps {written} on line {line} (same force, "
                        "period and metric): a force's ranges may not overlap."
                    )
            group.append((row.line, rng, _as_written(row, rng)))
        return None


def _as_written(row: CheckedRow, rng: Range) -> str:
    if row.category_label and len(row.cats) == 1:
        return f"'{row.category_label}' ({rng.value})"
    return rng.value


def _check_columns(columns: list[str], dim_columns: list[str]) -> None:
    """The header: every required column, none unknown, none twice."""
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        raise ImportFileError(
            [
                f"Line 1: missing column{'s' if len(missing) > 1 else ''} {', '.join(repr(c) for c in missing)}."
            ]
        )
    unknown = [c for c in columns if c and c not in REQUIRED + OPTIONAL and c not in dim_columns]
    if unknown:
        allowed = ", ".join(list(REQUIRED) + list(OPTIONAL) + dim_columns)
        raise ImportFileError([f"Line 1: unknown column '{unknown[0]}'; columns are {allowed}."])
    duplicated = sorted({c for c in columns if c and columns.count(c) > 1})
    if duplicated:
        raise ImportFileError([f"Line 1: column '{duplicated[0]}' appears twice."])


class _RowChecker:
    """Checks one row at a time against the campaign. Each lookup remembers its answer by the
    text looked up, so a file's rows cost one lookup per distinct force, metric, category and
    value. The methods append a row's problems to `errors`, in the order the columns are
    checked (force, period, metric, categories, value, source)."""

    def __init__(
        self,
        campaign: Campaign,
        columns: list[str],
        index: CategoryIndex,
        metrics: dict[str, Metric],
        dim_columns: list[str],
    ) -> None:
        self.index = index
        self.metrics = metrics
        self.metrics_by_label = {m.label.lower(): m for m in metrics.values()}
        self.dim_columns = dim_columns
        campaign_periods = list(campaign.periods.all())
        self.periods = {}
        for p in campaign_periods:
            self.periods[p.label.lower()] = p
            self.periods[p.label.lower().replace("/", "-")] = p
        self.period_labels = ", ".join(p.label for p in campaign_periods)
        self.requests = {foi.force_id: foi for foi in campaign.requests.select_related("force")}
        self.resolver = ForceResolver()
        self.bounds = (campaign.suppressed_lower, campaign.suppressed_upper)
        self.has_note = "note" in columns
        self.has_source = "source" in columns
        self.has_answered = "answered_on" in columns
        self.answered: dict[int, tuple[date, int]] = {}  # request id -> (date, first line)
        self.today = timezone.localdate()
        self.named = ("force", "period", "metric", *dim_columns)
        self.force_of: dict[str, tuple[FoiRequest | None, str | None]] = {}
        self.metric_of: dict[str, Metric | None] = {}
        self.dims_of: dict[int, tuple[list, list[str]]] = {}  # metric -> dimensions, others
        self.ref_of: dict[tuple, CategoryRef | str] = {}
        self.value_of: dict[tuple, tuple | str] = {}
        self.refs_of: dict[tuple, tuple[CategoryRef, ...]] = {}
        self.shared: dict[tuple, tuple] = {}

    def check(self, row: Row) -> CheckedRow | list[str]:
        """The checked row, or its problems."""
        v = row.values
        if v.get("__extra__"):
            return [f"Line {row.line}: more values than columns."]
        too_long = [c for c in self.named if _too_long(v.get(c))]
        if too_long:
            return [f"Line {row.line}: the {too_long[0]} is longer than 200 characters."]
        errors: list[str] = []
        foi = self.force(_text(v.get("force")), row.line, errors)
        period = self.period(_text(v.get("period")), row.line, errors)
        metric = self.metric(_text(v.get("metric")), row.line, errors)
        refs = self.categories(metric, v, row.line, errors) if metric is not None else []
        reading = self.value(v, row.line, errors)
        row_source = self.source(v, row.line, errors)
        if self.has_answered and foi is not None:
            self.answer_date(foi, v.get("answered_on"), row.line, errors)
        if errors:
            return errors
        cats = tuple(sorted((r.dimension.id, r.value) for r in refs))
        cats = self.shared.setdefault(cats, cats)  # one tuple for every row in the same categories
        if cats not in self.refs_of:
            self.refs_of[cats] = tuple(refs)
        return CheckedRow(
            row.line,
            foi,
            metric,
            period,
            cats,
            *reading,
            _text(v.get("note")) if self.has_note else None,
            row_source or None,
            refs_label(refs),
        )

    def force(self, text: str, line: int, errors: list[str]) -> FoiRequest | None:
        found = self.force_of.get(text)
        if found is None:
            try:
                force = self.resolver.resolve(text)
                foi = self.requests.get(force.pk)
                found = (foi, None if foi else f"{force.name} was not asked in this campaign.")
            except ForceNameError as exc:
                found = (None, str(exc))
            self.force_of[text] = found
        foi, problem = found
        if problem:
            errors.append(f"Line {line}: {problem}")
        return foi

    def period(self, text: str, line: int, errors: list[str]) -> Period | None:
        period = self.periods.get(text.lower())
        if period is None:
            errors.append(
                f"Line {line}: unknown period '{text}'; periods are {self.period_labels}."
            )
        return period

    def metric(self, text: str, line: int, errors: list[str]) -> Metric | None:
        if text in self.metric_of:
            metric = self.metric_of[text]
        else:
            metric = self.metric_of[text] = (
                self.metrics.get(text)
                or self.metrics.get(text.lower())
                or self.metrics_by_label.get(text.lower())
            )
        if metric is None:
            errors.append(
                f"Line {line}: unknown metric '{text}'; metrics are {', '.join(self.metrics) or 'none defined'}."
            )
        return metric

    def categories(self, metric: Metric, v: dict, line: int, errors: list[str]) -> list:
        """The metric's categories the row names; a value in another metric's column is an
        error."""
        if metric.id not in self.dims_of:
            dims = self.index.dimensions.get(metric.id, [])
            own = {d.slug for d in dims}
            self.dims_of[metric.id] = (dims, [c for c in self.dim_columns if c not in own])
        dims, others = self.dims_of[metric.id]
        refs = []
        for dim in dims:
            raw = v.get(dim.slug)
            if not _text(raw):
                continue
            key = (dim.id, raw.__class__, raw)
            ref = self.ref_of.get(key)
            if ref is None:
                try:
                    ref = self.index.resolve(dim, raw)
                except ValueError as exc:
                    ref = str(exc)
                self.ref_of[key] = ref
            if isinstance(ref, str):
                errors.append(f"Line {line}: {ref}")
            else:
                refs.append(ref)
        for col in others:
            if _text(v.get(col)):
                errors.append(
                    f"Line {line}: {metric.label} is not broken down by the column '{col}'; "
                    "leave it empty on this metric's rows."
                )
        return refs

    def value(self, v: dict, line: int, errors: list[str]) -> tuple | str:
        raw_value, status, as_given = v.get("value"), _text(v.get("status")), v.get("as_given")
        key = (raw_value.__class__, raw_value, status, as_given.__class__, as_given)
        reading = self.value_of.get(key)
        if reading is None:
            reading = _read_value(raw_value, status, as_given, self.bounds)
            if len(self.value_of) < PARSE_CACHE:
                self.value_of[key] = reading
        if isinstance(reading, str):
            errors.append(f"Line {line}: {reading}")
        return reading

    def source(self, v: dict, line: int, errors: list[str]) -> str:
        row_source = _text(v.get("source")).lower() if self.has_source else ""
        if row_source and row_source not in FigureSource.values:
            errors.append(
                f"Line {line}: unknown source '{_text(v.get('source'))}'; "
                f"sources are {', '.join(FigureSource.values)} (or leave it empty)."
            )
        return row_source

    def answer_date(self, foi: FoiRequest, raw, line: int, errors: list[str]) -> None:
        """The answered_on column: the day the force answered (its rows must agree), not before
        the request was sent and not in the future. Empty leaves it to the reply's date."""
        if raw is None or _text(raw) == "":
            return
        day = read_date(raw)
        problem = None
        if day is None:
            problem = f"the answer date '{_text(raw)}' is not a date (write it as 2017-03-20)."
        elif day > self.today:
            problem = f"the answer date {day:%d %b %Y} is in the future."
        elif foi.sent_on and day < foi.sent_on:
            problem = (
                f"the answer date {day:%d %b %Y} is before the request to {foi.force.name} was "
                f"sent ({foi.sent_on:%d %b %Y})."
            )
        else:
            first = self.answered.setdefault(foi.id, (day, line))
            if first[0] != day:
                problem = (
                    f"the answer date {day:%d %b %Y} differs from line {first[1]}'s "
                    f"({first[0]:%d %b %Y}) for {foi.force.name}: a force answers on one day."
                )
        if problem:
            errors.append(f"Line {line}: {problem}")


def _read_value(raw, status: str, as_given, bounds: tuple[int, int]) -> tuple | str:
    """(kind, value, lower, upper, raw_text, exemption) of a value, or the error to show."""
    try:
        parsed = parse_figure(raw, bounds=bounds, status=status)
    except ValueError as exc:
        return str(exc)
    if parsed is None:
        return "the value is empty (give a figure or a status)."
    p = _with_wording(parsed, as_given, bounds)
    return (p.kind, p.value, p.lower, p.upper, p.raw_text, p.exemption)


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
            for row_source, wanted in _source_keys(campaign, checked, f"import {name}", source):
                figures_mark_source_keys(wanted=wanted, source=row_source, actor=actor)
        return result
    except ServiceError as exc:
        raise ImportFileError([str(exc)]) from None


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
