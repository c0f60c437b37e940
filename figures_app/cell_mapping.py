"""From a block of a force's sheet to the figures it holds: which cell is which metric, period
and category, read from the block's own row and column labels.

"Rows are victim ages, columns are periods" is the whole of what a person says; the labels
beside and above the block say the rest, matched against the campaign's periods, metrics and
categories. A label that matches nothing (a footnote, a blank, a subtotal the campaign did not
ask for) skips its row or column, and the preview says so. "Total" on a categories axis is the
metric's total. No writes: the service saves what this proposes.

A saved layout (a template) is the same description plus the labels it found, so next year's
file is read by finding those labels again wherever they moved to.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from figures_app.categories import CategoryIndex, CategoryRef
from figures_app.cells import Sheet, a1, column_letter, parse_range
from figures_app.models import Metric
from figures_app.values import Parsed, parse_figure
from requests_app.models import Period

PERIODS, CATEGORIES, METRICS = "periods", "categories", "metrics"
AXES = {
    PERIODS: "Periods",
    CATEGORIES: "Categories (of the metric's breakdown)",
    METRICS: "Metrics",
}
_TOTAL_WORDS = {"total", "totals", "all", "grand total", "overall", "all ages", "total recorded"}


def norm(label: str) -> str:
    return re.sub(r"\s+", " ", label.strip().lower())


def _period_key(label: str) -> str:
    """'2016/17', '2016-17', '2016/2017', 'FY 2016-17' -> '2016/17'; other labels as typed."""
    text = norm(label)
    match = re.search(r"(\d{4})\s*[-/–]\s*(\d{2,4})", text)
    if match:
        return f"{match.group(1)}/{match.group(2)[-2:]}"
    return text


def match_period(label: str, periods: list[Period]) -> Period | None:
    wanted = _period_key(label)
    for period in periods:
        if norm(period.label) == norm(label) or _period_key(period.label) == wanted:
            return period
    return None


def match_metric(label: str, metrics: list[Metric]) -> Metric | None:
    wanted = norm(label)
    for metric in metrics:
        if wanted in (norm(metric.label), norm(metric.slug)):
            return metric
    return None


@dataclass
class BlockSpec:
    sheet: str
    block: str  # "B5:D9"
    rows_are: str
    columns_are: str
    metric: Metric | None = None  # when neither axis is metrics
    period: Period | None = None  # when neither axis is periods
    # 0-based; None: found as the line whose cells name the most targets (_best_line).
    header_row: int | None = None
    label_column: int | None = None


@dataclass
class ProposedCell:
    ref: str
    raw: str
    metric: Metric
    period: Period
    categories: tuple[CategoryRef, ...]
    category_label: str  # "" for the total
    parsed: Parsed

    @property
    def location(self) -> str:
        return self.ref


@dataclass
class Proposal:
    sheet: str
    block: str
    cells: list[ProposedCell] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    row_labels: list[str] = field(default_factory=list)
    column_labels: list[str] = field(default_factory=list)
    layout_changes: list[str] = field(default_factory=list)


def _best_line(candidates, labels_at, axis: _Axis) -> int | None:
    """Of the candidate rows (or columns) that could hold an axis's labels, the one whose cells
    name the most targets; the nearest to the block wins a tie. A force's title rows, a merged
    "Financial year" band or a notes column sit between labels and figures often enough that the
    adjacent line cannot be assumed."""
    best, best_hits = None, 0
    for line in candidates:
        hits = sum(1 for label in labels_at(line) if label and axis.target(label)[0] is not None)
        if hits > best_hits:
            best, best_hits = line, hits
    return best


class _Axis:
    """What one label on one axis stands for, or why it stands for nothing."""

    def __init__(self, kind, *, metrics, periods, index, metric):
        self.kind, self.metrics, self.periods = kind, metrics, periods
        self.index, self.metric = index, metric

    def target(self, label: str):
        """(value, None) or (None, reason)."""
        if not label:
            return None, "it has no label"
        if self.kind == PERIODS:
            period = match_period(label, self.periods)
            return (period, None) if period else (None, "no period of the campaign has that name")
        if self.kind == METRICS:
            metric = match_metric(label, self.metrics)
            return (metric, None) if metric else (None, "no metric of the campaign has that name")
        if norm(label) in _TOTAL_WORDS:
            return ((), "total"), None
        dimension = self.index.dimensions.get(self.metric.pk, [None])[0]
        try:
            ref = self.index.resolve(dimension, label)
        except ValueError:
            return None, f"it is not a category of {self.metric.label}"
        return ((ref,), label), None


def check_spec(spec: BlockSpec, *, index: CategoryIndex) -> list[str]:
    """What is wrong with the description itself, each naming its field."""
    errors = []
    if spec.rows_are not in AXES or spec.columns_are not in AXES:
        errors.append("Rows are / Columns are: choose what each holds.")
    elif spec.rows_are == spec.columns_are:
        errors.append("Rows are / Columns are: rows and columns cannot hold the same thing.")
    axes = {spec.rows_are, spec.columns_are}
    if METRICS not in axes and spec.metric is None:
        errors.append("Metric: neither rows nor columns are metrics, so choose the metric.")
    if PERIODS not in axes and spec.period is None:
        errors.append("Period: neither rows nor columns are periods, so choose the period.")
    if CATEGORIES in axes:
        if spec.metric is None or METRICS in axes:
            errors.append("Metric: a block of categories is one metric's breakdown; choose it.")
        else:
            dims = index.dimensions.get(spec.metric.pk, [])
            if len(dims) != 1:
                errors.append(
                    f"Metric: {spec.metric.label} has {len(dims)} breakdowns; a block maps a metric "
                    "broken down one way. Type these figures into the grid."
                )
    return errors


def propose(
    sheet: Sheet,
    spec: BlockSpec,
    *,
    metrics: list[Metric],
    periods: list[Period],
    index: CategoryIndex,
    bounds: tuple[int, int],
) -> Proposal:
    """The figures the block holds. Errors name their cell; nothing is written."""
    proposal = Proposal(sheet=sheet.name, block=spec.block)
    try:
        r1, c1, r2, c2 = parse_range(spec.block)
    except ValueError as exc:
        proposal.errors.append(f"Block: {exc}")
        return proposal
    proposal.errors.extend(check_spec(spec, index=index))
    if proposal.errors:
        return proposal
    if r1 >= len(sheet.rows) or c1 >= sheet.width:
        proposal.errors.append(f"Block: {spec.block} is outside the sheet's cells.")
        return proposal
    r2, c2 = min(r2, len(sheet.rows) - 1), min(c2, sheet.width - 1)
    proposal.block = f"{a1(r1, c1)}:{a1(r2, c2)}"
    axis = dict(metrics=metrics, periods=periods, index=index, metric=spec.metric)
    rows_axis, cols_axis = _Axis(spec.rows_are, **axis), _Axis(spec.columns_are, **axis)

    def targets(positions, label_of, ax, noun):
        found = {}
        for pos in positions:
            label = label_of(pos)
            value, reason = ax.target(label)
            if value is None:
                where = f"Row {pos + 1}" if noun == "Row" else f"Column {column_letter(pos)}"
                shown = f" '{label[:40]}'" if label else ""
                proposal.skipped.append(f"{where}{shown} skipped: {reason}.")
            else:
                found[pos] = (value, label)
        return found

    # Where the labels are: the row above the block that names the most columns' targets (the
    # block's own first row too, when the person selected the header with the figures), and
    # likewise the column to its left.
    header = spec.header_row
    if header is None:
        header = _best_line(
            range(r1, -1, -1), lambda r: [sheet.cell(r, c) for c in range(c1, c2 + 1)], cols_axis
        )
    label_col = spec.label_column
    if label_col is None:
        label_col = _best_line(
            range(c1, -1, -1), lambda c: [sheet.cell(r, c) for r in range(r1, r2 + 1)], rows_axis
        )
    if header is not None and header >= r1:
        r1 = header + 1
    if label_col is not None and label_col >= c1:
        c1 = label_col + 1
    if r1 > r2 or c1 > c2 or header is None or label_col is None:
        missing = "column" if header is None else "row"
        proposal.errors.append(
            f"Block: no {missing} labels beside {proposal.block} name the campaign's "
            f"{AXES[spec.columns_are if header is None else spec.rows_are].lower()}."
        )
        return proposal
    proposal.block = f"{a1(r1, c1)}:{a1(r2, c2)}"
    row_targets = targets(range(r1, r2 + 1), lambda r: sheet.cell(r, label_col), rows_axis, "Row")
    col_targets = targets(range(c1, c2 + 1), lambda c: sheet.cell(header, c), cols_axis, "Column")
    proposal.row_labels = [label for _, label in row_targets.values()]
    proposal.column_labels = [label for _, label in col_targets.values()]
    seen: dict[tuple, str] = {}
    for r, (row_value, row_label) in row_targets.items():
        for c, (col_value, col_label) in col_targets.items():
            ref = a1(r, c)
            raw = sheet.cell(r, c)
            values = {spec.rows_are: row_value, spec.columns_are: col_value}
            metric = values.get(METRICS, spec.metric)
            period = values.get(PERIODS, spec.period)
            categories, category_label = values.get(CATEGORIES, ((), "total"))
            try:
                parsed = parse_figure(raw, bounds=bounds)
            except ValueError as exc:
                proposal.errors.append(f"{sheet.name}!{ref}: {exc}")
                continue
            if parsed is None:
                continue
            ident = (metric.pk, period.pk, tuple(c.value for c in categories))
            if ident in seen:
                proposal.errors.append(
                    f"{sheet.name}!{ref}: the same figure as {seen[ident]} "
                    f"({row_label} / {col_label}); leave one of them out of the block."
                )
                continue
            seen[ident] = f"{sheet.name}!{ref}"
            proposal.cells.append(
                ProposedCell(
                    ref=f"{sheet.name}!{ref}",
                    raw=raw,
                    metric=metric,
                    period=period,
                    categories=categories,
                    category_label="" if category_label == "total" else category_label,
                    parsed=parsed,
                )
            )
    if not proposal.cells and not proposal.errors:
        proposal.errors.append(
            f"Block: no figures found in {proposal.block} (every row or column was skipped, or "
            "its cells are empty)."
        )
    return proposal


# ----- templates: the same layout found again in another file ---------------------------------


def template_from(spec: BlockSpec, proposal: Proposal) -> dict:
    """What is kept of a mapping to find the layout again: names and labels, not positions."""
    return {
        "sheet": spec.sheet,
        "rows_are": spec.rows_are,
        "columns_are": spec.columns_are,
        "metric": spec.metric.slug if spec.metric else "",
        "period": spec.period.label if spec.period else "",
        "row_labels": proposal.row_labels,
        "column_labels": proposal.column_labels,
    }


def _expected(kind: str, stored: list[str], periods: list[Period]) -> list[str]:
    # A template made last year names last year's periods; this year's file has this year's.
    return [p.label for p in periods] if kind == PERIODS else stored


def _find(labels: list[str], lines: list[list[str]], key) -> tuple[int | None, dict[str, int]]:
    """The line (row or column) holding most of the labels, and where each is in it."""
    wanted = {key(label): label for label in labels}
    best, best_at = None, {}
    for i, line in enumerate(lines):
        at = {}
        for j, text in enumerate(line):
            k = key(text) if text else None
            if k in wanted and wanted[k] not in at:
                at[wanted[k]] = j
        if len(at) > len(best_at):
            best, best_at = i, at
    return best, best_at


def spec_from_template(
    template: dict,
    sheets: list[Sheet],
    *,
    metrics: list[Metric],
    periods: list[Period],
) -> tuple[BlockSpec | None, list[str]]:
    """The block the template's labels now occupy, and what changed in the layout (said, not
    hidden: a label not found again, a different sheet)."""
    changes = []
    sheet = next((s for s in sheets if s.name == template["sheet"]), None)
    if sheet is None:
        sheet = next((s for s in sheets if not s.hidden), sheets[0] if sheets else None)
        if sheet is None:
            return None, ["The file has no sheets."]
        changes.append(f"No sheet '{template['sheet']}'; looked in '{sheet.name}' instead.")

    def key_for(kind):
        return _period_key if kind == PERIODS else norm

    col_labels = _expected(template["columns_are"], template["column_labels"], periods)
    row_labels = _expected(template["rows_are"], template["row_labels"], periods)
    header_row, cols_at = _find(col_labels, sheet.rows, key_for(template["columns_are"]))
    columns = [[sheet.cell(r, c) for r in range(len(sheet.rows))] for c in range(sheet.width)]
    label_col, rows_at = _find(row_labels, columns, key_for(template["rows_are"]))
    if header_row is None or label_col is None or not cols_at or not rows_at:
        return None, changes + ["The labels the saved layout looks for are not in this file."]
    for label in col_labels:
        if label not in cols_at:
            changes.append(f"No column '{label}' in this file.")
    for label in row_labels:
        if label not in rows_at:
            changes.append(f"No row '{label}' in this file.")
    r1, r2 = min(rows_at.values()), max(rows_at.values())
    c1, c2 = min(cols_at.values()), max(cols_at.values())
    if r1 <= header_row or c1 <= label_col:
        return None, changes + ["The saved layout's labels are arranged differently here."]
    old_cols = template["column_labels"]
    if template["columns_are"] != PERIODS and [
        label for label, _ in sorted(cols_at.items(), key=lambda kv: kv[1])
    ] != [label for label in old_cols if label in cols_at]:
        changes.append("The columns are in a different order from last time.")
    spec = BlockSpec(
        sheet=sheet.name,
        block=f"{a1(r1, c1)}:{a1(r2, c2)}",
        rows_are=template["rows_are"],
        columns_are=template["columns_are"],
        metric=next((m for m in metrics if m.slug == template["metric"]), None),
        period=next((p for p in periods if p.label == template["period"]), None),
        header_row=header_row,
        label_column=label_col,
    )
    return spec, changes
