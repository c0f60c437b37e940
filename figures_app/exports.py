"""The figures export: one row per figure in the tidy format the importer reads (so exporting
and re-importing changes nothing), and the workbook that adds each metric's totals. Rows only:
requests_app.tabular writes them (formula-safe) as CSV or XLSX.

Numbers are numbers: `value` holds a reported count as a number (1234, never the force's
"1,234", which a spreadsheet keeps as text and leaves out of a SUM); the force's own wording is
in `as_given`, and the importer keeps it when it says the same number. `review` gives each
figure's review state (approved / waiting for review / sent back); the importer ignores it.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from datetime import date

from django.conf import settings
from django.db import connection
from django.db.models import F
from django.urls import reverse

from figures_app.models import Category, Dimension, Figure, Kind, ReviewState
from figures_app.selectors.basis import APPROVED, basis_filter, basis_words
from figures_app.selectors.totals_cache import cached_metric_totals
from figures_app.totals_output import totals_sheet_rows
from figures_app.values import parse_figure
from requests_app.models import Campaign
from requests_app.selectors.quarantine import file_may_leave
from requests_app.tabular import (
    copy_csv,
    csv_text_sql,
    decimal_digits,
    iter_csv,
    sql_digit,
    sql_literal,
    whitespace,
    write_csv,
)


def _dimensions(campaign: Campaign) -> list[tuple[int, int, str]]:
    """(dimension id, metric id, slug) of every breakdown, in the export's column order."""
    return list(
        Dimension.objects.filter(metric__campaign=campaign)
        .order_by("metric__position", "metric_id", "position")
        .values_list("pk", "metric_id", "slug")
    )


# The export's columns: these, a column per breakdown dimension, then the figure's own. Rows
# (export_rows, and figures_copy_sql's cells) are filled in this order.
WHERE_COLUMNS = ("force", "period", "metric")
FIGURE_COLUMNS = (
    "value",
    "status",
    "as_given",
    "review",
    "source",
    "taken_from",
    "taken_from_url",
    "note",
)


# With breakdowns, the numbers a figure's numeric category covers (issue 26): 'ten and under'
# in the breakdown's column, 0 and 10 here; an empty high is open-ended ('16 and over'). The
# importer reads the breakdown's column and ignores these.
RANGE_COLUMNS = ("low", "high")


def _columns(dimensions: list[tuple[int, int, str]]) -> list[str]:
    dims = list(dict.fromkeys(slug for _, _, slug in dimensions))
    return [*WHERE_COLUMNS, *dims, *(RANGE_COLUMNS if dims else ()), *FIGURE_COLUMNS]


REVIEW_WORDS = {
    ReviewState.APPROVED: "approved",
    ReviewState.PENDING: "waiting for review",
    ReviewState.SENT_BACK: "sent back",
}


def _figure_values(campaign: Campaign, basis: str):
    """The export's figures as plain values, joins done in SQL, in the export's order (the
    figure's id last, so that the order is total and the COPY path can repeat it)."""
    return (
        Figure.objects.filter(request__campaign=campaign)
        .filter(basis_filter(basis))
        .order_by(*ORDER)
        .values_list(*VALUES)
    )


ORDER = (
    "request__force__name",
    "metric__position",
    "metric_id",
    "period__position",
    "period__start",
    "category_key",
    "pk",
)
VALUES = (
    "request__force__name",
    "period__label",
    "metric__slug",
    "category_key",
    "kind",
    "value",
    "raw_text",
    "note",
    "request__figure_review__state",
    "source",
    "attachment__original_name",
    "location",
    "attachment__file",
    "attachment__screening__quarantined",
    "pk",
    "category_label",
)

# A figure taken from a file that is quarantined, or whose bytes were deleted, names neither the
# file nor anything about it beyond the cell: the file never leaves the tracker (issue 13).
WITHHELD_FILE = "a withheld file"


def taken_from(name: str | None, location: str, stored: str | None, quarantined: bool) -> str:
    """Where a figure was read: 'kent-reply.xlsx, Summary!B7', the location alone, or ''."""
    if name is None:
        return location
    if not file_may_leave(quarantined=quarantined, stored=stored):
        name = WITHHELD_FILE
    return f"{name}, {location}" if location else name


def source_url_parts() -> tuple[str, str]:
    """A figure's `taken_from_url` is these two around its id: the site's address of
    figures_figure_source (which opens the file at the figure's cell, for those allowed)."""
    marker = "987654321"
    path = reverse("figures_figure_source", args=[int(marker)])
    before, after = path.split(marker)
    return settings.SITE_URL + before, after


def taken_from_url(
    parts: tuple[str, str], figure_id: int, name: str | None, stored: str | None, quarantined: bool
) -> str:
    """`parts` from source_url_parts() (worked out once per export, not per row)."""
    if name is None or not file_may_leave(quarantined=quarantined, stored=stored):
        return ""
    return f"{parts[0]}{figure_id}{parts[1]}"


def _category_columns(campaign: Campaign) -> dict[int, tuple[str, str, int | None, int | None]]:
    """Category id -> (its dimension's column, the category as written in files, low, high)."""
    return {
        pk: (slug, value, low, high)
        for pk, slug, value, low, high in Category.objects.filter(
            dimension__metric__campaign=campaign
        ).values_list("pk", "dimension__slug", "value", "low", "high")
    }


def _fill_categories(row: list, key: str, label: str | None, categories: dict, at: dict) -> None:
    """The breakdown columns of a figure's row: each category as written in files (the force's
    own words for a one-way breakdown, where they differ), then low and high of its first
    numeric category."""
    parts = key.split(".")
    covers = None
    for pk in parts:
        slug, category, low, high = categories[int(pk)]
        row[at[slug]] = label if label and len(parts) == 1 else category
        if covers is None and low is not None:
            covers = (low, "" if high is None else high)
    if covers is not None:
        row[at["low"]], row[at["high"]] = covers


def export_rows(campaign: Campaign, *, basis: str = "all") -> Iterator[list]:
    """Header, then one row per figure, in the format import_figures reads. Three queries
    however many figures; the figures are read in chunks, never all held at once."""
    columns = _columns(_dimensions(campaign))
    yield columns
    dims_at = {name: i for i, name in enumerate(columns)}
    categories = _category_columns(campaign)
    width = len(columns)
    url_parts = source_url_parts()
    for (
        name,
        period,
        metric,
        key,
        kind,
        number,
        raw_text,
        note,
        state,
        source,
        file_name,
        location,
        stored,
        quarantined,
        figure_id,
        label,
    ) in _figure_values(campaign, basis).iterator(chunk_size=2000):
        row = [""] * width
        row[0], row[1], row[2] = name, period, metric
        if key:
            _fill_categories(row, key, label, categories, dims_at)
        # A count as a number; the force's wording beside it (re-imported when it says the same
        # number, so that a round trip changes nothing).
        as_given = raw_text
        if kind == Kind.REPORTED:
            value = number
            # (Most wordings are the number as we write it: no need to parse those.)
            if raw_text != str(number) and not (raw_text and _same_number(raw_text, number)):
                as_given = ""
        elif kind == Kind.SUPPRESSED:
            value = raw_text or "*"
        else:
            value = raw_text if raw_text and not _NUMBER_LIKE.fullmatch(raw_text) else ""
        # No review yet: waiting, as the totals count it.
        review = REVIEW_WORDS.get(ReviewState.PENDING if state is None else state, state)
        row[-len(FIGURE_COLUMNS) :] = (
            value,
            kind,
            as_given,
            review,
            source,
            taken_from(file_name, location, stored, bool(quarantined)),
            taken_from_url(url_parts, figure_id, file_name, stored, bool(quarantined)),
            note,
        )
        yield row


# A refused / not held figure whose wording is only a number is written with no value (the
# status says it all), so that a re-import does not read it as a count.
_NUMBER_LIKE = re.compile(r"[-\d.,\s]+")


def _same_number(text: str, value: int) -> bool:
    try:
        return parse_figure(text, bounds=(1, 4), status=Kind.REPORTED).value == value
    except ValueError:
        return False


def export_csv_chunks(
    campaign: Campaign, *, basis: str = "all", use_copy: bool | None = None
) -> Iterator[bytes]:
    """The figures CSV (UTF-8) in pieces for a streamed response, memory flat in the number of
    rows. On PostgreSQL (or with `use_copy`) the rows come from COPY, formatted in SQL byte for
    byte as `write_csv(export_rows(...))` writes them; elsewhere from `export_rows`."""
    if use_copy is None:
        use_copy = connection.vendor == "postgresql"
    if not use_copy:
        for piece in iter_csv(export_rows(campaign, basis=basis)):
            yield piece.encode()
        return
    dimensions = _dimensions(campaign)
    yield write_csv([_columns(dimensions)]).encode()  # the header, neutralised like the rows
    yield from copy_csv(figures_copy_sql(campaign, basis=basis, dimensions=dimensions))


# --- the same rows formatted in SQL, for COPY (PostgreSQL) --------------------------------------


def figures_copy_sql(
    campaign: Campaign, *, basis: str, dimensions: list[tuple[int, int, str]]
) -> str:
    """One SELECT whose rows, written by COPY (FORMAT csv), are byte for byte the rows of
    `export_rows` as `write_csv` writes them (its header apart)."""
    ops = connection.ops
    inner = (
        Figure.objects.filter(request__campaign=campaign)
        .filter(basis_filter(basis))
        .order_by()
        .values(
            **{f"c{i}": F(path) for i, path in enumerate(VALUES)},
            **{f"o{i}": F(path) for i, path in enumerate(ORDER)},
        )
    )
    inner_sql = ops.compose_sql(*inner.query.sql_with_params())
    (name, period, metric, key, kind, number, raw, note, state, source) = (
        f"f.c{i}" for i in range(10)
    )
    file_name, location, stored, quarantined, figure_id = (f"f.c{i}" for i in range(10, 15))
    label = "f.c15"
    # Category i of the key ("12.40": ids in dimension order), joined by id.
    parts = max(Counter(metric_id for _, metric_id, _ in dimensions).values(), default=0)
    category_table = ops.quote_name(Category._meta.db_table)
    joins = "".join(
        f" LEFT JOIN {category_table} k{i} ON k{i}.id = "
        f"NULLIF(split_part({key}, '.', {i}), '')::bigint"
        for i in range(1, parts + 1)
    )
    dim_ids: dict[str, list[int]] = {}
    for pk, _, slug in dimensions:
        dim_ids.setdefault(slug, []).append(pk)
    # As export_rows fills the row, a later category of the key wins a shared column.
    # The force's own words for a one-way breakdown (a key with no '.'), as _fill_categories.
    own = f"CASE WHEN {label} <> '' AND strpos({key}, '.') = 0 THEN {label} ELSE k{{i}}.value END"
    dim_cells = [
        "CASE "
        + " ".join(
            f"WHEN k{i}.dimension_id IN ({', '.join(map(str, ids))}) THEN {own.format(i=i)}"
            for i in range(parts, 0, -1)
        )
        + " END"
        if parts
        else "NULL"
        for ids in dim_ids.values()
    ]
    if dim_ids:  # low and high of the key's first numeric category
        dim_cells += [
            "CASE "
            + " ".join(
                f"WHEN k{i}.low IS NOT NULL THEN k{i}.{end}::text" for i in range(1, parts + 1)
            )
            + " END"
            if parts
            else "NULL"
            for end in ("low", "high")
        ]
    reported, suppressed = sql_literal(Kind.REPORTED), sql_literal(Kind.SUPPRESSED)
    ws = sql_literal(whitespace())
    stripped = f"btrim({raw}, {ws})"
    digits = decimal_digits()
    ascii_digits = "".join(str(int(c)) for c in digits)
    # _same_number: the wording, stripped, is a whole number (_INT) that says the value.
    d = sql_digit()
    same_number = (
        f"CASE WHEN {stripped} ~ {sql_literal(f'^({d}{{1,3}}(,{d}{{3}})+|{d}+)$')} THEN "
        f"translate(replace({stripped}, ',', ''), {sql_literal(digits)}, "
        f"{sql_literal(ascii_digits)})::numeric = {number} END"
    )
    number_like = sql_literal(f"^[-.,{digits}{whitespace()}]+$")  # _NUMBER_LIKE
    value = (
        f"CASE {kind} WHEN {reported} THEN {number}::text "
        f"WHEN {suppressed} THEN COALESCE(NULLIF({raw}, ''), '*') "
        f"ELSE CASE WHEN {raw} ~ {number_like} THEN NULL ELSE {raw} END END"
    )
    as_given = (
        f"CASE WHEN {kind} <> {reported} THEN {raw} WHEN {raw} = {number}::text THEN {raw} "
        f"WHEN {raw} <> '' AND ({same_number}) THEN {raw} END"
    )
    review = (
        f"CASE COALESCE({state}, {sql_literal(ReviewState.PENDING)}) "
        + " ".join(
            f"WHEN {sql_literal(state_)} THEN {sql_literal(words)}"
            for state_, words in REVIEW_WORDS.items()
        )
        + f" ELSE {state} END"
    )
    # taken_from(): the file's name (or WITHHELD_FILE), then ", " and the cell when there is one.
    shown_name = (
        f"CASE WHEN COALESCE({quarantined}, FALSE) OR COALESCE({stored}, '') = '' "
        f"THEN {sql_literal(WITHHELD_FILE)} ELSE {file_name} END"
    )
    where = (
        f"CASE WHEN {file_name} IS NULL THEN {location} "
        f"WHEN {location} = '' THEN {shown_name} ELSE {shown_name} || ', ' || {location} END"
    )
    before, after = source_url_parts()
    url = (
        f"CASE WHEN {file_name} IS NULL OR COALESCE({quarantined}, FALSE) "
        f"OR COALESCE({stored}, '') = '' THEN NULL "
        f"ELSE {sql_literal(before)} || {figure_id}::text || {sql_literal(after)} END"
    )
    cells = [
        *(name, period, metric, *dim_cells, value, kind, as_given, review),
        *(source, where, url, note),
    ]
    order = ", ".join(f"f.o{i}" for i in range(len(ORDER)))
    # OFFSET 0 keeps the planner from folding each cell's expression into the three places the
    # neutralising repeats it; the outer SELECT only formats, in the inner one's order.
    formatted = ", ".join(csv_text_sql(f"r.t{i}") for i in range(len(cells)))
    return (
        f"SELECT {formatted} FROM (SELECT "
        + ", ".join(f"{cell} AS t{i}" for i, cell in enumerate(cells))
        + f" FROM ({inner_sql}) f{joins} ORDER BY {order} OFFSET 0) r"
    )


def figures_workbook_sheets(campaign: Campaign, *, basis: str, today: date) -> dict[str, object]:
    """Sheets of the XLSX export: the figures (on `basis`), then each metric's approved totals
    and headlines, then 'about', saying which figures the file holds."""
    sheets: dict[str, object] = {"figures": export_rows(campaign, basis=basis)}
    for metric in campaign.metrics.all():
        totals = cached_metric_totals(metric=metric, basis=APPROVED, today=today)
        sheets[f"totals {metric.slug}"[:31]] = totals_sheet_rows(totals)
    sheets["about"] = [
        ["campaign", campaign.title],
        ["figures sheet", basis_words(basis)],
        ["totals sheets", basis_words(APPROVED)],
        ["exported on", today],
    ]
    return sheets


# The import template: the tidy import's columns, a row for every cell the campaign asks -----

TEMPLATE_FIGURE_COLUMNS = ("value", "status", "note", "answered_on")


def import_template_rows(campaign: Campaign) -> Iterator[list]:
    """A header and one empty row per force asked, period, metric, and total or category (each
    category of each of the metric's breakdowns), ready to fill in and import. Five queries
    however many forces and categories."""
    dimensions = list(
        Dimension.objects.filter(metric__campaign=campaign)
        .order_by("metric__position", "metric_id", "position")
        .prefetch_related("categories")
    )
    dims = list(dict.fromkeys(d.slug for d in dimensions))
    header = [*WHERE_COLUMNS, *dims, *TEMPLATE_FIGURE_COLUMNS]
    yield header
    metrics = list(campaign.metrics.order_by("position", "pk"))
    cells: list[tuple[str, str, str]] = []  # metric slug, dimension slug, category value
    for metric in metrics:
        cells.append((metric.slug, "", ""))
        for dim in (d for d in dimensions if d.metric_id == metric.pk):
            cells.extend((metric.slug, dim.slug, c.value) for c in dim.categories.all())
    periods = [p.label for p in campaign.periods.all()]
    forces = campaign.requests.order_by("force__name").values_list("force__name", flat=True)
    for force in forces:
        for period in periods:
            for metric_slug, dim_slug, value in cells:
                row = dict.fromkeys(header, "")
                row.update(force=force, period=period, metric=metric_slug)
                if dim_slug:
                    row[dim_slug] = value
                yield list(row.values())
