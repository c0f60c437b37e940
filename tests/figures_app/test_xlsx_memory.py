"""Hostile workbooks (issue 24): shared-string indexes outside the table refused with the cell
named, and files built to use up memory refused, or read, within a bounded address space, on
every path that reads an XLSX: the tidy import, the cells page and screening.

The memory tests read the file in a child process whose address space is limited to what it
holds after starting Python and Django plus READING_BUDGET: the old readers (openpyxl, and
ElementTree's iterparse) ran out of memory on both files (900 MB and 500 MB)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from figures_app.cells import CellsUnavailable, read_sheets
from figures_app.readers import ImportFileError, read_rows
from requests_app.screening import screen_bytes
from tests.figures_app import hostile_xlsx

PROJECT_ROOT = Path(__file__).resolve().parents[2]
# Address space a reading may add to the process (the bound in docs/operations.md: with Python
# and Django's ~80 MB, under 300 MB).
READING_BUDGET = 200 * 1024 * 1024

CHILD = textwrap.dedent(
    """
    import os, resource, sys
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "foi_tracker.test_settings")
    import django
    django.setup()
    import openpyxl.styles.numbers, openpyxl.utils.datetime  # imported by a reading, if needed
    from figures_app.readers import ImportFileError, read_rows

    data = open(sys.argv[1], "rb").read()
    with open("/proc/self/status") as status:
        size = next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmSize:"))
    limit = size + int(sys.argv[2])
    resource.setrlimit(resource.RLIMIT_AS, (limit, resource.getrlimit(resource.RLIMIT_AS)[1]))
    try:
        columns, rows, warnings = read_rows(data, "returned.xlsx")
        print("read", sum(1 for _ in rows), "rows")
    except ImportFileError as exc:
        print("refused:", exc.errors[0])
    except MemoryError:
        print("out of memory")
    """
)


def read_in_child(path: Path, **environ: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", CHILD, str(path), str(READING_BUDGET)],
        cwd=PROJECT_ROOT,
        env={**os.environ, **environ},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout.strip()


def test_it_refuses_the_whitespace_bomb_within_the_budget(tmp_path):
    path = tmp_path / "bomb.xlsx"
    hostile_xlsx.whitespace_bomb(390, path=path)
    assert path.stat().st_size < 500_000
    assert read_in_child(path) == (
        "refused: Sheet 'Sheet1' holds more than 1,048,576 characters of text in one place: "
        "the file is damaged, or made to use up memory, and was not read."
    )


def test_it_refuses_too_many_rows_of_inline_strings_within_the_budget(tmp_path):
    # 100,000 rows with a 2,600-character note each: a reader that keeps the rows needs 260 MB
    # before it can count past the limit; this one keeps one row.
    path = tmp_path / "rows.xlsx"
    hostile_xlsx.inline_rows(100_001, note=2600, path=path)
    assert read_in_child(path, IMPORT_MAX_ROWS="100000") == (
        "refused: Line 100002: more than 100,000 rows; split the file "
        "(IMPORT_MAX_ROWS sets the limit)."
    )


@pytest.mark.parametrize("index", [-3, -2, -1, 3, 999])
def test_a_shared_string_index_outside_the_table_is_refused_with_its_cell(index):
    data = hostile_xlsx.pointing_at({"A2": 0, "B2": 1, "C2": index})
    message = (
        f"Sheet1!C2 points at shared string {index}, which does not exist: the workbook is "
        "damaged and was not read."
    )
    with pytest.raises(ImportFileError) as exc:
        read_rows(data, "returned.xlsx")
    assert exc.value.errors == [message]
    with pytest.raises(CellsUnavailable, match=message.replace(".", r"\.")):
        read_sheets("returned.xlsx", data)


def test_shared_strings_inside_the_table_are_read():
    data = hostile_xlsx.pointing_at({"A2": 0, "B2": 1, "C2": 2})
    columns, rows, _warnings = read_rows(data, "returned.xlsx")
    assert columns == list(hostile_xlsx.HEADER)
    (row,) = list(rows)
    assert (row.line, row.values["force"], row.values["metric"]) == (2, "Kent", "offences")


def test_the_cells_page_and_screening_refuse_the_bomb_quickly():
    data = hostile_xlsx.whitespace_bomb(100)  # under the cells page's 120 MB
    with pytest.raises(CellsUnavailable, match="more than 1,048,576 characters of text"):
        read_sheets("returned.xlsx", data)
    # Screening refuses it from the zip directory (it packs 1000:1); with that check off, the
    # stream refuses it too.
    from requests_app.screening import Limits

    (found,) = screen_bytes("returned.xlsx", data, Limits(max_ratio=10_000))
    assert found.kind == "unreadable"
    assert found.where.startswith("xl/worksheets/sheet1.xml holds more than 1,048,576")


def test_a_tag_too_long_to_hold_is_refused():
    attribute = b'<row r="2"><c r="A2" t="inlineStr" x="' + b" " * (2 << 20) + b'"/></row>'
    data = hostile_xlsx.workbook([hostile_xlsx.header_row(), attribute])
    with pytest.raises(ImportFileError, match="a tag or comment longer than 1,024 KB"):
        read_rows(data, "returned.xlsx")


def test_a_bad_cell_reference_is_refused_with_the_sheet_named():
    row = b'<row r="2"><c r="2A" t="inlineStr"><is><t>x</t></is></c></row>'
    data = hostile_xlsx.workbook([hostile_xlsx.header_row(), row])
    with pytest.raises(ImportFileError) as exc:
        read_rows(data, "returned.xlsx")
    assert exc.value.errors == [
        "Sheet 'Sheet1' has a cell '2A', which is not a cell reference: the workbook is damaged."
    ]
