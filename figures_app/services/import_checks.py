"""Checking a tidy file's rows against the campaign (forces by any name, periods, metrics,
categories, values, answer dates): each row that passes becomes a CheckedRow, each that does
not an error naming its line. services/imports.py plans and writes what this accepts.

Rows are streamed from the reader and checked one at a time; what is kept of each is a
CheckedRow, a tuple of plain values and shared objects (the campaign's forces, periods and
metrics, each category once), ~250 bytes, so 100,000 rows fit in tens of MB.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sized
from dataclasses import dataclass, field, replace
from datetime import date
from typing import NamedTuple

from django.utils import timezone

from figures_app.categories import (
    CategoryIndex,
    CategoryRef,
    dimension_name,
    refs_label,
)
from figures_app.models import FigureSource, Kind, Metric
from figures_app.ranges import Range
from figures_app.readers import OPTIONAL, REQUIRED, ImportFileError, Row
from figures_app.services.import_lines import read_date
from figures_app.values import Parsed, parse_figure
from requests_app.force_names import ForceNameError, ForceResolver
from requests_app.models import Campaign, FoiRequest, Force, Period
from requests_app.text import long_date

MAX_ERRORS = 200
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


def cell_text(value) -> str:
    """A cell as text: stripped, a whole float without its '.0', None as ''."""
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
    return len(cell_text(value)) > MAX_NAME


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
        # Names are read among bodies of the campaign's kinds (all police for a police
        # campaign, as before): a council's "Kent" cannot make a force's "Kent" ambiguous.
        kinds = {foi.force.kind for foi in self.requests.values()}
        self.resolver = ForceResolver(
            Force.objects.filter(kind__in=kinds).prefetch_related("aliases") if kinds else None
        )
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
        self.head_of: dict[tuple, tuple[FoiRequest, Period, Metric]] = {}
        self.ref_of: dict[tuple, CategoryRef | str] = {}
        self.value_of: dict[tuple, tuple | str] = {}
        self.refs_of: dict[tuple, tuple[CategoryRef, ...]] = {}
        self.shared: dict[tuple, tuple] = {}
        # ids of a row's CategoryRefs (kept alive by ref_of) -> (cats, refs_label)
        self.cats_of: dict[tuple, tuple[tuple, str | None]] = {}

    def check(self, row: Row) -> CheckedRow | list[str]:
        """The checked row, or its problems."""
        v = row.values
        if v.get("__extra__"):
            return [f"Line {row.line}: more values than columns."]
        for column in self.named:
            cell = v.get(column)
            # A CSV cell is text; the length test first saves a call a cell.
            if cell is not None and (cell.__class__ is not str or len(cell) > MAX_NAME):
                if _too_long(cell):
                    return [f"Line {row.line}: the {column} is longer than 200 characters."]
        errors: list[str] = []
        # Rows repeat their force, period and metric: found once per distinct three as written
        # (the lookups below give the errors, in column order, for a three not found).
        head = (v.get("force"), v.get("period"), v.get("metric"))
        found = self.head_of.get(head)
        if found is None:
            foi = self.force(cell_text(head[0]), row.line, errors)
            period = self.period(cell_text(head[1]), row.line, errors)
            metric = self.metric(cell_text(head[2]), row.line, errors)
            if not errors and len(self.head_of) < PARSE_CACHE:
                self.head_of[head] = (foi, period, metric)
        else:
            foi, period, metric = found
        refs = self.categories(metric, v, row.line, errors) if metric is not None else []
        reading = self.value(v, row.line, errors)
        row_source = self.source(v, row.line, errors)
        if self.has_answered and foi is not None:
            self.answer_date(foi, v.get("answered_on"), row.line, errors)
        if errors:
            return errors
        # The refs are the lookups' own objects, so their ids name the combination: its key
        # and label are worked out once, not once a row.
        ids = tuple(map(id, refs))
        named = self.cats_of.get(ids)
        if named is None:
            cats = tuple(sorted((r.dimension.id, r.value) for r in refs))
            cats = self.shared.setdefault(cats, cats)  # one tuple for all rows in these categories
            if cats not in self.refs_of:
                self.refs_of[cats] = tuple(refs)
            named = self.cats_of[ids] = (cats, refs_label(refs))
        cats, label = named
        return CheckedRow(
            row.line,
            foi,
            metric,
            period,
            cats,
            *reading,
            cell_text(v.get("note")) if self.has_note else None,
            row_source or None,
            label,
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
            if raw is None or not (raw.strip() if raw.__class__ is str else cell_text(raw)):
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
            if cell_text(v.get(col)):
                errors.append(
                    f"Line {line}: {metric.label} is not broken down by the column '{col}'; "
                    "leave it empty on this metric's rows."
                )
        return refs

    def value(self, v: dict, line: int, errors: list[str]) -> tuple | str:
        raw_value, status, as_given = v.get("value"), cell_text(v.get("status")), v.get("as_given")
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
        row_source = cell_text(v.get("source")).lower() if self.has_source else ""
        if row_source and row_source not in FigureSource.values:
            errors.append(
                f"Line {line}: unknown source '{cell_text(v.get('source'))}'; "
                f"sources are {', '.join(FigureSource.values)} (or leave it empty)."
            )
        return row_source

    def answer_date(self, foi: FoiRequest, raw, line: int, errors: list[str]) -> None:
        """The answered_on column: the day the force answered (its rows must agree), not before
        the request was sent and not in the future. Empty leaves it to the reply's date."""
        if raw is None or cell_text(raw) == "":
            return
        day = read_date(raw)
        problem = None
        if day is None:
            problem = f"the answer date '{cell_text(raw)}' is not a date (write it as 2017-03-20)."
        elif day > self.today:
            problem = f"the answer date {long_date(day)} is in the future."
        elif foi.sent_on and day < foi.sent_on:
            problem = (
                f"the answer date {long_date(day)} is before the request to {foi.force.name} was "
                f"sent ({long_date(foi.sent_on)})."
            )
        else:
            first = self.answered.setdefault(foi.id, (day, line))
            if first[0] != day:
                problem = (
                    f"the answer date {long_date(day)} differs from line {first[1]}'s "
                    f"({long_date(first[0])}) for {foi.force.name}: a force answers on one day."
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
    p = with_wording(parsed, as_given, bounds)
    return (p.kind, p.value, p.lower, p.upper, p.raw_text, p.exemption)


def with_wording(parsed: Parsed, as_given, bounds: tuple[int, int]) -> Parsed:
    """The export writes a count as a number in `value` and the force's wording ("1,234") in
    `as_given`: keep the wording when it says the same number, so a round trip changes nothing.
    The `value` column wins when the two disagree (someone edited the number)."""
    text = cell_text(as_given)
    if parsed.kind != Kind.REPORTED or not text or text == parsed.raw_text:
        return parsed
    try:
        wording = parse_figure(text, bounds=bounds)
    except ValueError:
        return parsed
    if wording is not None and wording.kind == Kind.REPORTED and wording.value == parsed.value:
        return replace(parsed, raw_text=wording.raw_text)
    return parsed
