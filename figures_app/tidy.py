"""The tidy format, one row per figure: force, period, metric, one column per dimension, value,
status?, note?. Reading (CSV or XLSX) checks every row and reports every error with its line;
nothing is written unless the whole file is clean. Writing gives the same format back.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import PurePath

from django.db import transaction

from figures_app.models import Category, Dimension, Figure, Kind, Metric
from figures_app.services import (
    ApplyResult,
    CategoryIndex,
    CellInput,
    figures_apply,
    plan_cells,
)
from figures_app.values import parse_figure
from requests_app.force_names import ForceNameError, ForceResolver
from requests_app.models import Campaign
from requests_app.services.errors import ServiceError

REQUIRED = ("force", "period", "metric", "value")
OPTIONAL = ("status", "note")
MAX_ERRORS = 200


class ImportFileError(ValueError):
    """Errors found in a file, each naming its line. Nothing has been written."""

    def __init__(self, errors: list[str]) -> None:
        self.errors = errors
        super().__init__(
            "; ".join(errors[:5]) + (f" (and {len(errors) - 5} more)" if len(errors) > 5 else "")
        )


@dataclass
class Row:
    line: int
    values: dict[str, object]


def _norm_header(name) -> str:
    return re.sub(r"\s+", "_", str(name or "").strip().lower())


def read_rows(data: bytes, filename: str) -> tuple[list[str], list[Row], list[str]]:
    """(columns, rows, warnings) of a CSV or XLSX file. Line numbers are those a spreadsheet shows."""
    suffix = PurePath(filename).suffix.lower()
    if suffix == ".xlsx":
        return _read_xlsx(data)
    if suffix in (".csv", ".txt", ""):
        return _read_csv(data)
    raise ImportFileError([f"{filename}: use a .csv or .xlsx file."])


def _read_csv(data: bytes) -> tuple[list[str], list[Row], list[str]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            raise ImportFileError(["Line 1: the file is not UTF-8 text."]) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise ImportFileError(["Line 1: the file is empty."]) from None
    columns = [_norm_header(h) for h in header]
    rows = []
    for values in reader:
        line = reader.line_num
        if not any(v.strip() for v in values):
            continue
        rows.append(
            Row(
                line,
                dict(zip(columns, values, strict=False)) | {"__extra__": values[len(columns) :]},
            )
        )
    return columns, rows, []


def _read_xlsx(data: bytes) -> tuple[list[str], list[Row], list[str]]:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many types for a bad file
        raise ImportFileError(["The file is not a readable .xlsx workbook."]) from None
    warnings = []
    visible = [ws for ws in wb.worksheets if ws.sheet_state == "visible"]
    hidden = [ws.title for ws in wb.worksheets if ws.sheet_state != "visible"]
    if hidden:
        # Returned spreadsheets sometimes hide sheets with personal data (DOMAIN.md section 4).
        warnings.append(
            f"Hidden sheets ignored: {', '.join(hidden)}. Check them for personal data."
        )
    ws = (
        wb[wb.active.title]
        if wb.active is not None and wb.active.sheet_state == "visible"
        else (visible[0] if visible else None)
    )
    if ws is None:
        raise ImportFileError(["Line 1: the workbook has no visible sheet."])
    if len(visible) > 1:
        warnings.append(f"Only the sheet '{ws.title}' was read.")
    it = ws.iter_rows(values_only=True)
    try:
        header = next(it)
    except StopIteration:
        raise ImportFileError(["Line 1: the sheet is empty."]) from None
    columns = [_norm_header(h) for h in header]
    while columns and columns[-1] == "":
        columns.pop()
    rows = []
    for line, values in enumerate(it, start=2):
        if not any(v is not None and str(v).strip() for v in values):
            continue
        cells = ["" if v is None else v for v in values]
        rows.append(
            Row(
                line,
                dict(zip(columns, cells, strict=False))
                | {"__extra__": [c for c in cells[len(columns) :] if c != ""]},
            )
        )
    wb.close()
    return columns, rows, warnings


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
                errors.append("Stopped after 200 errors.")
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
    *, campaign: Campaign, actor, data: bytes, filename: str, approve: bool = False
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


# --- export -------------------------------------------------------------------------------


def export_columns(campaign: Campaign) -> list[str]:
    dims: list[str] = []
    for dim_slug in (
        Dimension.objects.filter(metric__campaign=campaign)
        .order_by("metric__position", "metric_id", "position")
        .values_list("slug", flat=True)
    ):
        if dim_slug not in dims:
            dims.append(dim_slug)
    return ["force", "period", "metric", *dims, "value", "status", "note"]


def export_rows(campaign: Campaign, *, basis: str = "all") -> Iterator[list[str]]:
    """Header, then one row per figure, in the format import_figures reads."""
    from figures_app.selectors import basis_filter

    columns = export_columns(campaign)
    yield columns
    dims_at = {name: i for i, name in enumerate(columns)}
    categories = {
        c.pk: c
        for c in Category.objects.filter(dimension__metric__campaign=campaign).select_related(
            "dimension"
        )
    }
    figures = (
        Figure.objects.filter(request__campaign=campaign)
        .filter(basis_filter(basis))
        .select_related("request__force", "metric", "period")
        .order_by(
            "request__force__name",
            "metric__position",
            "metric_id",
            "period__position",
            "period__start",
            "category_key",
        )
    )
    for fig in figures.iterator(chunk_size=2000):
        row = [""] * len(columns)
        row[0], row[1], row[2] = fig.request.force.name, fig.period.label, fig.metric.slug
        for pk in filter(None, fig.category_key.split(".")):
            cat = categories[int(pk)]
            row[dims_at[cat.dimension.slug]] = cat.value
        # The value as the force wrote it, so that re-importing the export changes nothing.
        if fig.kind == Kind.REPORTED:
            value = (
                fig.raw_text
                if fig.raw_text and _same_number(fig.raw_text, fig.value)
                else str(fig.value)
            )
        elif fig.kind == Kind.SUPPRESSED:
            value = fig.raw_text or "*"
        else:
            value = (
                fig.raw_text
                if fig.raw_text and not re.fullmatch(r"[-\d.,\s]+", fig.raw_text)
                else ""
            )
        row[-3], row[-2], row[-1] = value, fig.kind, fig.note
        yield row


def _same_number(text: str, value: int) -> bool:
    try:
        return parse_figure(text, bounds=(1, 4), status=Kind.REPORTED).value == value
    except ValueError:
        return False


def rows_to_csv(rows: Iterable[list]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
    return out.getvalue()


def rows_to_xlsx(sheets: dict[str, Iterable[list]]) -> bytes:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    for title, rows in sheets.items():
        ws = wb.create_sheet(title=title[:31])
        for row in rows:
            ws.append([_xlsx_value(v) for v in row])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _xlsx_value(v):
    # Whole numbers as numbers, so the spreadsheet can add them up.
    if isinstance(v, str) and re.fullmatch(r"[1-9]\d{0,14}|0", v):
        return int(v)
    # Keep '<5', '*' and codes as text; never let a spreadsheet read a formula.
    if (
        isinstance(v, str)
        and v[:1] in ("=", "+", "-", "@")
        and not re.fullmatch(r"-?\d+(\.\d+)?", v)
    ):
        return "'" + v
    return v


def totals_rows(totals) -> Iterator[list]:
    """The totals as a flat table (for CSV / the XLSX 'totals' sheet). Unrounded."""
    yield [
        "section",
        "period",
        "force",
        "force_code",
        "dimension",
        "category",
        "total",
        "total_upper",
        "suppressed_cells",
        "forces_reporting",
        "forces_asked",
        "per_day",
        "change_pct",
        "like_for_like_forces",
        "like_for_like_from",
        "like_for_like_to",
        "like_for_like_change_pct",
    ]
    for t in totals.period_totals:
        yield [
            "period",
            t.period.label,
            "",
            "",
            "",
            "",
            t.total,
            t.total_upper,
            t.suppressed_cells,
            t.forces_reporting,
            totals.forces_asked,
            t.per_day,
            "",
            "",
            "",
            "",
            "",
        ]
    for c in totals.changes:
        lfl = c.like_for_like
        yield [
            "change",
            f"{c.from_period.period.label} to {c.to_period.period.label}",
            "",
            "",
            "",
            "",
            c.to_period.total,
            "",
            "",
            "",
            "",
            "",
            c.change_pct,
            lfl.forces,
            lfl.from_total,
            lfl.to_total,
            lfl.change_pct,
        ]
    for row in totals.forces:
        for p in totals.periods:
            yield [
                "force",
                p.label,
                row.foi.force.name,
                row.foi.force.ons_code,
                "",
                "",
                row.value(p),
                "",
                "",
                "",
                "",
                "",
                row.change_pct if p == totals.periods[-1] else "",
                "",
                "",
                "",
                "",
            ]
    for b in totals.breakdown:
        yield [
            "breakdown",
            b.period.label,
            "",
            "",
            b.dimension.slug,
            b.category.value,
            b.total,
            b.total_upper,
            b.suppressed_cells,
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
        ]
