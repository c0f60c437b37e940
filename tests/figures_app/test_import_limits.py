"""Bad files (issue 8): every value bounded by its column with a message naming the line and the
column, nothing cut silently, nothing half-written, and XLSX files that would unpack past the
limits refused before they are read. Exports neutralise formulas and round-trip."""

import csv
import io
import zipfile

import pytest
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from figures_app.exports import export_rows
from figures_app.models import Figure, FigureChange
from figures_app.readers import ImportFileError
from figures_app.services.imports import import_figures
from requests_app.tabular import write_csv, write_xlsx

from .conftest import enter

pytestmark = pytest.mark.django_db

HEADER = "force,period,metric,victim_age,value,status,note\n"


def run(campaign, user, text: str | bytes, name="figures.csv"):
    data = text.encode() if isinstance(text, str) else text
    return import_figures(campaign=campaign, actor=user, data=data, filename=name)


def _errors(campaign, user, text, name="figures.csv") -> list[str]:
    with pytest.raises(ImportFileError) as exc:
        run(campaign, user, text, name)
    assert Figure.objects.count() == 0 and FigureChange.objects.count() == 0
    return exc.value.errors


@pytest.mark.parametrize(
    "row, message",
    [
        ("Kent,2016/17,offences,,1" + "0" * 30 + ",,", "Line 2: '10000000000000000000000000000"),
        ("Kent,2016/17,offences,,2147483648,,", "larger than the largest count kept"),
        ("Kent,2016/17,offences,," + "9" * 12 + ",,", "larger than the largest count kept"),
        ("Kent,2016/17,offences,1" + "0" * 20 + ",5,,", "Line 2: The victim age '1000"),
        ("Kent,2016/17,offences,,<99999999999,,", "the bound is larger"),
        (
            "Kent,2016/17,offences,,s.1234567890123456789012345678901,refused,",
            "Line 2: the exemption 's12345678901234567890123",
        ),
        ("Kent,2016/17,offences,,s." + "1" * 40 + ",,", "longer than 24 characters"),
        ("Kent,2016/17,offences,," + "x" * 250 + ",,", "Line 2: the value is 250 characters"),
        ("K" * 300 + ",2016/17,offences,,5,,", "Line 2: the force is longer than 200"),
        ("Kent,2016/17,offences," + "a" * 70 + ",5,,", "longer than 60 characters"),
    ],
)
def test_values_past_their_column_are_refused_with_line_and_column(
    campaign, metric, staff, row, message
):
    errors = _errors(campaign, staff, HEADER + row + "\n")
    assert len(errors) == 1
    assert message in errors[0]
    assert len(errors[0]) < 300  # a huge cell is never echoed back whole


def test_a_nul_byte_is_refused_with_its_line(campaign, metric, staff):
    errors = _errors(campaign, staff, HEADER + "Kent,2016/17,offences,,5,,a\x00b\n")
    assert errors == ["Line 2: the file contains a NUL character (not text)."]


def test_a_200_kb_field_is_refused_not_crashed(campaign, metric, staff):
    errors = _errors(campaign, staff, HEADER + "Kent,2016/17,offences,,5,," + "n" * 200_000 + "\n")
    assert errors[0].startswith("Line 2: field larger than field limit")


def test_a_long_exemption_on_an_existing_cell_is_refused_not_cut(campaign, metric, staff):
    run(campaign, staff, HEADER + "Kent,2016/17,offences,,s.12,refused,\n")
    with pytest.raises(ImportFileError, match="longer than 24"):
        run(campaign, staff, HEADER + "Kent,2016/17,offences,,s." + "4" * 30 + ",refused,\n")
    fig = Figure.objects.get()
    assert fig.exemption == "foia:s12"
    again = run(campaign, staff, HEADER + "Kent,2016/17,offences,,s.12,refused,\n")
    assert (again.changed, again.unchanged) == (0, 1)


def test_a_long_raw_text_on_an_existing_cell_is_refused_not_cut(campaign, metric, staff):
    run(campaign, staff, HEADER + "Kent,2016/17,offences,,5,,\n")
    with pytest.raises(ImportFileError, match="characters long"):
        run(campaign, staff, HEADER + "Kent,2016/17,offences,," + "5" * 201 + ",,\n")
    assert Figure.objects.get().raw_text == "5"


def test_too_many_rows_are_refused(campaign, metric, staff, settings):
    settings.IMPORT_MAX_ROWS = 3
    rows = "".join(f"Kent,2016/17,offences,{age},1,,\n" for age in range(10, 15))
    errors = _errors(campaign, staff, HEADER + rows)
    assert errors[0].startswith("Line 5: more than 3 rows")


def test_too_many_columns_are_refused(campaign, metric, staff, settings):
    settings.IMPORT_MAX_COLUMNS = 5
    errors = _errors(campaign, staff, HEADER + "Kent,2016/17,offences,,5,,\n")
    assert errors == ["Line 1: 7 columns; a figures file has at most 5."]


def _xlsx(rows) -> bytes:
    wb = Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _repack(data: bytes, change) -> bytes:
    """The workbook `data` with each part passed through change(name, bytes) -> bytes | None
    (None drops it); change(None, None) may return {name: bytes} of parts to add."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            part = change(info.filename, source.read(info.filename))
            if part is not None:
                target.writestr(info.filename, part)
        for name, part in (change(None, None) or {}).items():
            target.writestr(name, part)
    return out.getvalue()


def _bomb(unpacked_mb: int) -> bytes:
    """A real workbook whose sheet is padded with `unpacked_mb` MB of spaces (compresses to
    kilobytes, as zip bombs do)."""
    padding = b" " * (unpacked_mb << 20)

    def pad(name, part):
        if name == "xl/worksheets/sheet1.xml":
            return part.replace(b"<sheetData>", b"<sheetData>" + padding)
        return part

    return _repack(_xlsx([["force", "period", "metric", "value"]]), pad)


def test_a_zip_bomb_is_refused_before_it_is_read(campaign, metric, staff, settings, monkeypatch):
    settings.IMPORT_XLSX_MAX_UNPACKED_MB = 20
    data = _bomb(30)
    assert len(data) < 200_000
    import openpyxl

    def never(*args, **kwargs):
        raise AssertionError("openpyxl must not open a refused workbook")

    monkeypatch.setattr(openpyxl, "load_workbook", never)
    errors = _errors(campaign, staff, data, "bomb.xlsx")
    assert errors[0].startswith("The workbook unpacks to 30 MB, more than the 20 MB limit")


def test_shared_strings_past_their_limit_are_refused(campaign, metric, staff, settings):
    settings.IMPORT_XLSX_MAX_STRINGS_MB = 1
    strings = b"<sst>" + b"<si><t>text</t></si>" * 100_000 + b"</sst>"

    def add_strings(name, part):
        return {"xl/sharedStrings.xml": strings} if name is None else part

    data = _repack(_xlsx([["force", "period", "metric", "value"]]), add_strings)
    errors = _errors(campaign, staff, data, "strings.xlsx")
    assert "text takes 2 MB" in errors[0]


def test_a_damaged_workbook_is_an_error_not_a_crash(campaign, metric, staff):
    data = _xlsx([["force", "period", "metric", "value"], ["Kent", "2016/17", "offences", 5]])
    kent = b'<c r="A2" t="inlineStr"><is><t>Kent</t></is></c>'

    def damage(name, part):
        # A shared-string index past the end of the (absent) shared strings.
        if name == "xl/worksheets/sheet1.xml":
            return part.replace(kent, b'<c r="A2" t="s"><v>999</v></c>')
        return part

    damaged = _repack(data, damage)
    assert b"<v>999</v>" in zipfile.ZipFile(io.BytesIO(damaged)).read("xl/worksheets/sheet1.xml")
    errors = _errors(campaign, staff, damaged, "damaged.xlsx")
    assert errors == [
        "Sheet!A2 points at shared string 999, which does not exist: the workbook is damaged "
        "and was not read."
    ]


def test_a_bad_file_on_the_web_is_a_page_not_a_500(
    campaign, metric, staff, client, settings, django_capture_on_commit_callbacks
):
    settings.IMPORT_XLSX_MAX_UNPACKED_MB = 5
    client.force_login(staff)
    upload = io.BytesIO(_bomb(8))
    upload.name = "bomb.xlsx"
    with django_capture_on_commit_callbacks(execute=True):  # the check task, queued on commit
        response = client.post(reverse("figures_import", args=[campaign.slug]), {"file": upload})
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert page.status_code in (200, 400)
    assert "more than the 5 MB limit" in page.content.decode()


# --- exports neutralise formulas and round-trip -----------------------------------------------


FORMULAS = ['=HYPERLINK("http://x")', "+1+2", "-2+3", "@SUM(A1)", "=cmd|' /C calc'!A0"]


def test_exports_never_write_a_formula_and_round_trip(campaign, metric, staff):
    rows = [
        {"force": force, "period": "2016/17", "value": "5", "note": note}
        for force, note in zip(
            ["Kent", "Essex", "Surrey", "Dorset", "Norfolk"], FORMULAS, strict=True
        )
    ]
    enter(campaign, staff, rows)
    text = write_csv(export_rows(campaign))
    notes = [row[-1] for row in csv.reader(io.StringIO(text))][1:]
    assert sorted(notes) == sorted("'" + note for note in FORMULAS)
    book = load_workbook(io.BytesIO(write_xlsx({"figures": export_rows(campaign)})))
    cells = [c for row in book["figures"].iter_rows() for c in row]
    assert not [c for c in cells if c.data_type == "f"]
    assert {c.value for c in cells} >= set(FORMULAS)
    for data, name in (
        (text.encode(), "e.csv"),
        (write_xlsx({"figures": export_rows(campaign)}), "e.xlsx"),
    ):
        result = run(campaign, staff, data, name)
        assert (result.created, result.changed, result.unchanged) == (0, 0, 5), name
    assert sorted(Figure.objects.values_list("note", flat=True)) == sorted(FORMULAS)


@pytest.mark.parametrize(
    "url", ["figures_export_csv", "figures_totals_csv", "campaign_requests_csv"]
)
def test_every_csv_export_neutralises_formulas(campaign, metric, staff, client, url):
    enter(campaign, staff, [{"force": "Kent", "period": "2016/17", "value": "5", "note": "=1+1"}])
    foi = campaign.requests.get(force__name="Kent Police")
    foi.force_reference = "=cmd|' /C calc'!A0"
    foi.save(update_fields=["force_reference"])
    client.force_login(staff)
    text = client.get(reverse(url, args=[campaign.slug]) + "?basis=all").getvalue().decode()
    for line in text.splitlines():
        for cell in line.split(","):
            assert not cell.strip('"').startswith(("=", "+", "@")), (url, line)


def test_the_figures_workbook_writes_counts_as_numbers(campaign, metric, staff, client):
    enter(campaign, staff, [("Kent", "2016/17", 361), ("Essex", "2016/17", "<5")])
    client.force_login(staff)
    response = client.get(reverse("figures_export_xlsx", args=[campaign.slug]))
    sheet = load_workbook(io.BytesIO(response.content))["figures"]
    rows = list(sheet.iter_rows(values_only=True))
    at = rows[0].index("value")  # after the breakdowns' columns and low, high
    values = {row[0]: row[at] for row in rows[1:]}
    assert values == {"Kent Police": 361, "Essex Police": "<5"}


def test_errors_stop_at_two_hundred_whatever_their_kind(campaign, metric, staff):
    rows = "".join("K" * 300 + ",2016/17,offences,,5,,\n" for _ in range(150))
    rows += "".join("Kent,2016/17,offences,,5,,extra,\n" for _ in range(150))
    errors = _errors(campaign, staff, HEADER + rows)
    assert len(errors) == 201
    assert errors[-1] == "Stopped after 200 errors."
