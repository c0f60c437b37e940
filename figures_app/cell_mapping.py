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
from dataclasses import asdict, dataclass, field

from figures_app.categories import CategoryIndex, CategoryRef
from figures_app.cells import Sheet, a1, column_letter, parse_range
from figures_app.models import Metric, describe_figure
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
    block: str  # "B5:D9", as the person selected it: every cell of it is a figure or a label
    rows_are: str
    columns_are: str
    metric: Metric | None = None  # when neither axis is metrics
    period: Period | None = None  # when neither axis is periods
    # The person's choice: the block's own first row (column) holds the labels.
    first_row_labels: bool = False
    first_column_labels: bool = False


@dataclass
class ProposedCell:
    ref: str  # "Sheet!B5": what the figure cites (its source link opens the file there)
    raw: str
    metric: Metric
    period: Period
    categories: tuple[CategoryRef, ...]
    category_label: str  # "" for the total
    parsed: Parsed
    where: str = ""  # as a person finds it: the ref, or a PDF's page, table, row and column

    @property
    def location(self) -> str:
        return self.ref

    @property
    def value_text(self) -> str:
        """The value as it will be saved, in the words used everywhere: '1,234', '* (1-4)'."""
        return describe_figure(asdict(self.parsed))


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


_NUMBER = re.compile(r"[-+]?\d[\d,]*(\.\d+)?")
_CHOOSE = {
    "row": "tick 'The block's first row holds the column labels'",
    "column": "tick 'The block's first column holds the row labels'",
}


_NUMBER_REASON = "it is a number, and a number is a label only when you say so"


def is_number(label: str) -> bool:
    """A label that reads as a number ('37', '1,234', '13'): a figure as much as an age, so it
    is a label only where the person said the labels are."""
    return bool(_NUMBER.fullmatch(label.strip()))


class _Axis:
    """What one label on one axis stands for, or why it stands for nothing."""

    def __init__(self, kind, *, metrics, periods, index, metric):
        self.kind, self.metrics, self.periods = kind, metrics, periods
        self.index, self.metric = index, metric

    def target(self, label: str, *, chosen: bool = True):
        """(value, None) or (None, reason). A number is a label only when `chosen`."""
        if not label:
            return None, "it has no label"
        if not chosen and is_number(label):
            return None, _NUMBER_REASON
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


def _best_line(candidates, labels_at, axis: _Axis) -> int | None:
    """Of the candidate rows (or columns) outside the block that could hold an axis's labels,
    the one whose cells name the most targets in words; the nearest to the block wins a tie. A
    force's title rows, a merged "Financial year" band or a notes column sit between labels and
    figures often enough that the adjacent line cannot be assumed. Numbers never count: a row of
    last year's figures is not a row of ages."""
    best, best_hits = None, 0
    for line in candidates:
        hits = sum(
            1
            for label in labels_at(line)
            if label and axis.target(label, chosen=False)[0] is not None
        )
        if hits > best_hits:
            best, best_hits = line, hits
    return best


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


@dataclass
class _Frame:
    """Where a block's labels and figures are: 0-based, figures r1..r2 x c1..c2."""

    header: int
    label_col: int
    r1: int
    c1: int
    r2: int
    c2: int
    header_chosen: bool
    column_chosen: bool


def _label_line(first_is_labels, start, end, search, noun, what, block):
    """(line, chosen, error) for one axis: the block's own first line when the person said so,
    else the line before the block found by its labels in words."""
    if first_is_labels:
        if start == end:
            return None, True, f"Block: {block} has only its label {noun}; select the figures too."
        return start, True, None
    line = search()
    if line is None:
        before = "above" if noun == "row" else "left of"
        return (
            None,
            False,
            (
                f"Block: no {noun} {before} {block} names the campaign's {what} in words. If the "
                f"block's first {noun} holds them (numbers, such as ages, are labels only when you "
                f"say so), {_CHOOSE[noun]}."
            ),
        )
    return line, False, None


def _frame(sheet: Sheet, spec: BlockSpec, box, rows_axis, cols_axis, block) -> tuple:
    r1, c1, r2, c2 = box
    header, header_chosen, error_r = _label_line(
        spec.first_row_labels, r1, r2,
        lambda: _best_line(
            range(r1 - 1, -1, -1), lambda r: [sheet.cell(r, c) for c in range(c1, c2 + 1)],
            cols_axis,
        ),
        "row", AXES[spec.columns_are].lower(), block,
    )  # fmt: skip
    label_col, column_chosen, error_c = _label_line(
        spec.first_column_labels, c1, c2,
        lambda: _best_line(
            range(c1 - 1, -1, -1), lambda c: [sheet.cell(r, c) for r in range(r1, r2 + 1)],
            rows_axis,
        ),
        "column", AXES[spec.rows_are].lower(), block,
    )  # fmt: skip
    errors = [e for e in (error_r, error_c) if e]
    if errors:
        return None, errors
    fr1 = r1 + 1 if spec.first_row_labels else r1
    fc1 = c1 + 1 if spec.first_column_labels else c1
    return _Frame(header, label_col, fr1, fc1, r2, c2, header_chosen, column_chosen), []


def _line_targets(proposal, sheet, frame: _Frame, axis: _Axis, *, rows: bool) -> dict:
    """Each figure row's (or column's) target; a line that names nothing is an error naming its
    cells, unless its cells in the block are empty (a blank line, a footnote: nothing to lose)."""
    found = {}
    positions = range(frame.r1, frame.r2 + 1) if rows else range(frame.c1, frame.c2 + 1)
    for pos in positions:
        if rows:
            label = sheet.cell(pos, frame.label_col)
            cells = (pos, frame.c1, pos, frame.c2)
            name, chosen = f"row {pos + 1}", frame.column_chosen
        else:
            label = sheet.cell(frame.header, pos)
            cells = (frame.r1, pos, frame.r2, pos)
            name, chosen = f"column {_column_name(sheet, pos)}", frame.header_chosen
        value, reason = axis.target(label, chosen=chosen)
        if value is not None:
            found[pos] = (value, label)
            continue
        values = [sheet.cell(r, c) for r in range(cells[0], cells[2] + 1)
                  for c in range(cells[1], cells[3] + 1)]  # fmt: skip
        shown = f" '{label[:40]}'" if label else ""
        if not any(values):  # a blank line or a footnote: nothing of the block is left out
            proposal.skipped.append(f"{name.capitalize()}{shown} has no figures in the block.")
            continue
        fix = (
            f"If it is a label, select the block with its labels and {_CHOOSE['column' if rows else 'row']}."
            if reason == _NUMBER_REASON
            else f"Leave the {name.split()[0]} out of the block, or correct the labels."
        )
        proposal.errors.append(
            f"{sheet.span(*cells)}: the label of {name}{shown} cannot be used: {reason}. {fix}"
        )
    return found


def _column_name(sheet: Sheet, col: int) -> str:
    return str(col + 1) if sheet.page is not None else column_letter(col)


def _hint_labels_in_block(proposal, sheet, spec, frame, rows_axis, cols_axis) -> None:
    """A header selected with the figures reads as figures that are not numbers: say the choice
    that would make it labels, rather than guess."""
    if not proposal.errors:
        return
    if not spec.first_row_labels and frame.r1 < frame.r2:
        first = [sheet.cell(frame.r1, c) for c in range(frame.c1, frame.c2 + 1)]
        if any(label and cols_axis.target(label, chosen=False)[0] is not None for label in first):
            proposal.errors.append(
                f"Block: row {frame.r1 + 1} looks like column labels; if it is, {_CHOOSE['row']}."
            )
    if not spec.first_column_labels and frame.c1 < frame.c2:
        first = [sheet.cell(r, frame.c1) for r in range(frame.r1, frame.r2 + 1)]
        if any(label and rows_axis.target(label, chosen=False)[0] is not None for label in first):
            proposal.errors.append(
                f"Block: column {_column_name(sheet, frame.c1)} looks like row labels; if it "
                f"is, {_CHOOSE['column']}."
            )


def _cells(proposal, sheet, spec, row_targets, col_targets, bounds) -> None:
    """Every cell where a mapped row meets a mapped column: a figure, or an error naming it."""
    seen: dict[tuple, str] = {}
    for r, (row_value, row_label) in row_targets.items():
        for c, (col_value, col_label) in col_targets.items():
            where, raw = sheet.place(r, c), sheet.cell(r, c)
            values = {spec.rows_are: row_value, spec.columns_are: col_value}
            metric = values.get(METRICS, spec.metric)
            period = values.get(PERIODS, spec.period)
            categories, category_label = values.get(CATEGORIES, ((), "total"))
            try:
                parsed = parse_figure(raw, bounds=bounds)
            except ValueError as exc:
                proposal.errors.append(f"{where}: {exc}")
                continue
            if parsed is None:
                proposal.errors.append(
                    f"{where} ({row_label} / {col_label}) is empty: a blank is not a figure. "
                    "Leave it out of the block, or type what the force meant into the grid."
                )
                continue
            ident = (metric.pk, period.pk, tuple(c.value for c in categories))
            if ident in seen:
                proposal.errors.append(
                    f"{where}: the same figure as {seen[ident]} "
                    f"({row_label} / {col_label}); leave one of them out of the block."
                )
                continue
            seen[ident] = where
            proposal.cells.append(
                ProposedCell(
                    ref=f"{sheet.name}!{a1(r, c)}",
                    raw=raw,
                    metric=metric,
                    period=period,
                    categories=categories,
                    category_label="" if category_label == "total" else category_label,
                    parsed=parsed,
                    where=where,
                )
            )


def _box(proposal: Proposal, sheet: Sheet, block: str):
    """The selected block as (r1, c1, r2, c2) within the sheet's cells, or None (error said)."""
    try:
        r1, c1, r2, c2 = parse_range(block)
    except ValueError as exc:
        proposal.errors.append(f"Block: {exc}")
        return None
    if r1 >= len(sheet.rows) or c1 >= sheet.width:
        proposal.errors.append(f"Block: {block} is outside the sheet's cells.")
        return None
    if sheet.cut and (r2 >= len(sheet.rows) or c2 >= sheet.width):
        proposal.errors.append(
            f"Block: {block} goes beyond the rows and columns shown here; type those figures "
            "into the grid."
        )
        return None
    # Past the sheet's last row or column there is nothing: no figures to lose.
    return r1, c1, min(r2, len(sheet.rows) - 1), min(c2, sheet.width - 1)


def propose(
    sheet: Sheet,
    spec: BlockSpec,
    *,
    metrics: list[Metric],
    periods: list[Period],
    index: CategoryIndex,
    bounds: tuple[int, int],
) -> Proposal:
    """The figures the block holds: every cell of it, or errors naming the cells that cannot be
    mapped and why (a caller saves nothing then). Nothing is written."""
    proposal = Proposal(sheet=sheet.name, block=spec.block)
    proposal.errors.extend(check_spec(spec, index=index))
    box = _box(proposal, sheet, spec.block)
    if box is None or proposal.errors:
        return proposal
    proposal.block = f"{a1(box[0], box[1])}:{a1(box[2], box[3])}"
    axis = dict(metrics=metrics, periods=periods, index=index, metric=spec.metric)
    rows_axis, cols_axis = _Axis(spec.rows_are, **axis), _Axis(spec.columns_are, **axis)
    frame, errors = _frame(sheet, spec, box, rows_axis, cols_axis, proposal.block)
    if frame is None:
        proposal.errors.extend(errors)
        return proposal
    row_targets = _line_targets(proposal, sheet, frame, rows_axis, rows=True)
    col_targets = _line_targets(proposal, sheet, frame, cols_axis, rows=False)
    proposal.row_labels = [label for _, label in row_targets.values()]
    proposal.column_labels = [label for _, label in col_targets.values()]
    _cells(proposal, sheet, spec, row_targets, col_targets, bounds)
    _hint_labels_in_block(proposal, sheet, spec, frame, rows_axis, cols_axis)
    if not proposal.cells and not proposal.errors:
        proposal.errors.append(f"Block: no figures in {proposal.block}: its cells are empty.")
    if proposal.errors:
        proposal.cells = []  # all or nothing: a preview never offers part of a block
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
        block="",
        rows_are=template["rows_are"],
        columns_are=template["columns_are"],
        metric=next((m for m in metrics if m.slug == template["metric"]), None),
        period=next((p for p in periods if p.label == template["period"]), None),
    )
    _place_block(spec, (r1, c1, r2, c2), header_row, label_col)
    return spec, changes


def _place_block(spec: BlockSpec, figures, header_row: int, label_col: int) -> None:
    """The block as the form states it, so what the layout proposes is what Save saves: a label
    row (column) right beside the figures is taken into the block as its first row (column),
    ticked, the person's own choice kept; one further off is found again by its words."""
    r1, c1, r2, c2 = figures
    spec.first_row_labels = header_row == r1 - 1
    spec.first_column_labels = label_col == c1 - 1
    top = header_row if spec.first_row_labels else r1
    left = label_col if spec.first_column_labels else c1
    spec.block = f"{a1(top, left)}:{a1(r2, c2)}"
