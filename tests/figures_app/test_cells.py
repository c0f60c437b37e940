"""Taking figures from the cells of a force's own file (issue 13, section 2): the file shown as
cells, a block mapped by its labels, the figures saved for review citing their cells, and the
layout kept and found again in next year's file."""

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from figures_app.categories import CategoryIndex
from figures_app.cell_mapping import (
    CATEGORIES,
    METRICS,
    PERIODS,
    BlockSpec,
    match_period,
    propose,
    spec_from_template,
    template_from,
)
from figures_app.cells import CellsUnavailable, a1, parse_a1, parse_range, read_sheets
from figures_app.models import CellTemplate, Figure, FigureReview, Kind
from figures_app.services.metrics import DimensionSpec, MetricSpec, metric_save
from requests_app.models import Period
from requests_app.roles import REVIEWER
from requests_app.services.attachments import attachment_add
from tests.factories import UserFactory

AGES = ("Under 10", "10 to 15", "16 to 17")


def kent_workbook(columns=("2015/16", "2016/17"), *, extra_column_first=False) -> bytes:
    """A force's real-looking answer: title rows, a merged header over the years, a label
    column, a totals row, a footnote, '*' for 1-4, and a hidden (empty) sheet."""
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "FOI 2017-361"
    ws["A1"] = "Kent Police: Freedom of Information request 2017/361"
    ws["A2"] = "Online child sex offences by age of victim"
    header = list(columns)
    if extra_column_first:
        header = ["Notes", *header]
    ws.cell(row=4, column=2, value="Financial year")
    ws.merge_cells(start_row=4, start_column=2, end_row=4, end_column=1 + len(header))
    ws.cell(row=5, column=1, value="Age of victim")
    for i, label in enumerate(header):
        ws.cell(row=5, column=2 + i, value=label)
    values = {
        "2015/16": [12, "*", 30, 45],
        "2016/17": [20, 7, "not held", 61],
        "2017/18": [25, 9, 40, 74],
    }
    for r, label in enumerate((*AGES, "Total"), start=6):
        ws.cell(row=r, column=1, value=label)
        for i, column in enumerate(header):
            if column in values:
                ws.cell(row=r, column=2 + i, value=values[column][r - 6])
            else:
                ws.cell(row=r, column=2 + i, value="see note")
    ws["A11"] = "* 1 to 4 offences, withheld to protect victims."
    # Hidden but empty: a hidden sheet with data would quarantine the file (screening).
    book.create_sheet("Workings").sheet_state = "hidden"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.fixture
def aged(campaign, staff):
    return metric_save(
        campaign=campaign,
        spec=MetricSpec(
            "offences",
            "Online-flagged child sex offences",
            "offences",
            "",
            (DimensionSpec("victim_age", "Victim age", AGES),),
        ),
    )


@pytest.fixture
def kent(campaign):
    return campaign.requests.select_related("force", "campaign").get(force__name="Kent Police")


def attach(foi, staff, data, name="kent.xlsx"):
    return attachment_add(request_id=foi.pk, actor=staff, upload=SimpleUploadedFile(name, data))


def test_a1_references_round_trip():
    assert a1(0, 0) == "A1" and a1(4, 27) == "AB5"
    assert parse_a1("AB5") == (4, 27) and parse_a1("$B$5") == (4, 1)
    assert parse_range("D9:B5") == (4, 1, 8, 3)
    with pytest.raises(ValueError, match="B5"):
        parse_a1("5B")


def test_a_workbook_reads_as_sheets_with_hidden_ones_marked_and_merged_headers_spread():
    sheets = read_sheets("kent.xlsx", kent_workbook())
    assert [(s.name, s.hidden) for s in sheets] == [("FOI 2017-361", False), ("Workings", True)]
    first = sheets[0]
    assert first.cell(3, 1) == first.cell(3, 2) == "Financial year"  # merged across
    assert (first.cell(5, 1), first.cell(6, 1), first.cell(7, 2)) == ("12", "*", "not held")


def test_csv_and_word_tables_read_and_other_files_say_why_not():
    sheets = read_sheets("a.csv", b"Age,2015/16\nUnder 10,12\n")
    assert sheets[0].rows == [["Age", "2015/16"], ["Under 10", "12"]]
    with pytest.raises(CellsUnavailable, match=r"\.ods into the grid"):
        read_sheets("answer.ods", b"PK")
    with pytest.raises(CellsUnavailable, match="damaged"):
        read_sheets("broken.xlsx", b"not a zip at all")


def test_periods_match_however_the_force_writes_them():
    periods = [Period(label="2015/16"), Period(label="2016/17")]
    assert match_period("2016-17", periods).label == "2016/17"
    assert match_period("2016/2017", periods).label == "2016/17"
    assert match_period("FY 2015 - 16", periods).label == "2015/16"
    assert match_period("2017/18", periods) is None


def test_a_block_of_ages_by_years_is_read_by_its_labels(campaign, aged):
    sheet = read_sheets("kent.xlsx", kent_workbook())[0]
    spec = BlockSpec(
        "FOI 2017-361", "B6:C10", rows_are=CATEGORIES, columns_are=PERIODS, metric=aged
    )
    proposal = propose(
        sheet,
        spec,
        metrics=[aged],
        periods=list(campaign.periods.all()),
        index=CategoryIndex(campaign),
        bounds=(1, 4),
    )
    assert proposal.errors == []
    got = {(c.ref, c.category_label or "Total", c.period.label): c.parsed for c in proposal.cells}
    assert len(got) == 8
    assert got[("FOI 2017-361!B6", "Under 10", "2015/16")].value == 12
    assert got[("FOI 2017-361!B7", "10 to 15", "2015/16")].kind == Kind.SUPPRESSED
    assert got[("FOI 2017-361!C8", "16 to 17", "2016/17")].kind == Kind.NOT_HELD
    assert got[("FOI 2017-361!C9", "Total", "2016/17")].value == 61  # the metric's total


def test_blank_and_footnote_rows_of_the_block_hold_nothing_and_are_said(campaign, aged):
    sheet = read_sheets("kent.xlsx", kent_workbook())[0]
    spec = BlockSpec(
        "FOI 2017-361", "B6:C11", rows_are=CATEGORIES, columns_are=PERIODS, metric=aged
    )
    proposal = propose(
        sheet, spec, metrics=[aged], periods=list(campaign.periods.all()),
        index=CategoryIndex(campaign), bounds=(1, 4),
    )  # fmt: skip
    assert proposal.errors == []
    assert len(proposal.cells) == 8
    assert proposal.block == "B6:C11"  # the block as selected
    assert "Row 10 has no figures in the block." in proposal.skipped
    assert any(s.startswith("Row 11 '* 1 to 4 offences") for s in proposal.skipped)


def test_a_description_that_cannot_work_names_its_field(campaign, aged):
    sheet = read_sheets("kent.xlsx", kent_workbook())[0]
    index = CategoryIndex(campaign)
    periods = list(campaign.periods.all())
    for spec, field in [
        (BlockSpec("s", "B6:C9", CATEGORIES, CATEGORIES, metric=aged), "Rows are / Columns are"),
        (BlockSpec("s", "B6:C9", CATEGORIES, PERIODS), "Metric"),
        (BlockSpec("s", "B6:C9", CATEGORIES, METRICS, metric=aged), "Metric"),
        (BlockSpec("s", "B6:B9", CATEGORIES, METRICS, metric=aged, period=None), "Metric"),
        (BlockSpec("s", "ZZ1:ZZ3", CATEGORIES, PERIODS, metric=aged), "Block"),
    ]:
        proposal = propose(sheet, spec, metrics=[aged], periods=periods, index=index, bounds=(1, 4))
        assert any(e.startswith(field) for e in proposal.errors), (spec, proposal.errors)


def test_a_value_that_is_not_a_figure_names_its_cell(campaign, aged):
    book = openpyxl.load_workbook(io.BytesIO(kent_workbook()))
    book.active["C6"] = "twenty"
    out = io.BytesIO()
    book.save(out)
    sheet = read_sheets("kent.xlsx", out.getvalue())[0]
    spec = BlockSpec(sheet.name, "B6:C9", CATEGORIES, PERIODS, metric=aged)
    proposal = propose(
        sheet, spec, metrics=[aged], periods=list(campaign.periods.all()),
        index=CategoryIndex(campaign), bounds=(1, 4),
    )  # fmt: skip
    assert any(e.startswith("FOI 2017-361!C6:") for e in proposal.errors)


def test_the_layout_is_found_again_in_next_years_file_with_a_column_moved(campaign, aged):
    periods = list(campaign.periods.all())
    sheet = read_sheets("kent.xlsx", kent_workbook())[0]
    spec = BlockSpec(sheet.name, "B6:C9", CATEGORIES, PERIODS, metric=aged)
    first = propose(
        sheet, spec, metrics=[aged], periods=periods, index=CategoryIndex(campaign), bounds=(1, 4)
    )
    template = template_from(spec, first)
    # Next year's file: a Notes column now comes first, so every year moved one column right.
    moved = read_sheets("kent.xlsx", kent_workbook(extra_column_first=True))
    again, changes = spec_from_template(template, moved, metrics=[aged], periods=periods)
    # The header row beside the figures is taken into the block, ticked; the label column, two
    # to the left now, is found again by its words.
    assert (again.block, again.first_row_labels, again.first_column_labels) == (
        "C5:D9",
        True,
        False,
    )
    assert changes == []
    proposal = propose(
        moved[0], again, metrics=[aged], periods=periods, index=CategoryIndex(campaign),
        bounds=(1, 4),
    )  # fmt: skip
    assert proposal.errors == []
    assert {(c.category_label or "Total", c.period.label, c.raw) for c in proposal.cells} == {
        (c.category_label or "Total", c.period.label, c.raw) for c in first.cells
    }


def test_a_changed_layout_is_said(campaign, aged):
    periods = list(campaign.periods.all())
    sheet = read_sheets("kent.xlsx", kent_workbook())[0]
    spec = BlockSpec(sheet.name, "B6:C9", CATEGORIES, PERIODS, metric=aged)
    template = template_from(
        spec,
        propose(sheet, spec, metrics=[aged], periods=periods, index=CategoryIndex(campaign),
                bounds=(1, 4)),
    )  # fmt: skip
    other = read_sheets("kent.xlsx", kent_workbook(columns=("2016/17",)))
    again, changes = spec_from_template(template, other, metrics=[aged], periods=periods)
    assert again is not None
    assert "No column '2015/16' in this file." in changes


@pytest.fixture
def kent_file(kent, staff, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return attach(kent, staff, kent_workbook())


def test_the_cells_page_shows_the_file_and_saves_a_block_for_review(
    client, staff, campaign, aged, kent, kent_file
):
    client.force_login(staff)
    url = reverse("figures_cells", args=[kent_file.pk])
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-ref="B6"' in html and "hidden</span>" in html
    form = {
        "sheet": "FOI 2017-361",
        "block": "b6:c9",
        "rows_are": CATEGORIES,
        "columns_are": PERIODS,
        "metric": aged.pk,
        "keep_layout": "on",
    }
    preview = client.post(url, {**form, "preview": "1"})
    assert preview.status_code == 200
    assert "Save 8 figures" in preview.content.decode()
    assert not Figure.objects.exists()
    saved = client.post(url, {**form, "save": "1"})
    assert saved.status_code == 302
    figures = Figure.objects.filter(request=kent)
    assert figures.count() == 8
    total = figures.get(period__label="2016/17", category_key="")
    assert (total.value, total.attachment_id, total.location) == (
        61,
        kent_file.pk,
        "FOI 2017-361!C9",
    )
    assert FigureReview.objects.get(request=kent).state == "pending"
    assert CellTemplate.objects.get(force=kent.force).layout["rows_are"] == CATEGORIES
    # The figure's source links back to its cell.
    section = client.get(reverse("figures_request", args=[kent.pk])).content.decode()
    assert f"{url}?cell=FOI%202017-361%21C9" in section


def test_a_block_with_errors_saves_nothing(client, staff, campaign, aged, kent, kent_file):
    client.force_login(staff)
    response = client.post(
        reverse("figures_cells", args=[kent_file.pk]),
        {"sheet": "FOI 2017-361", "block": "B6:C9", "rows_are": CATEGORIES,
         "columns_are": CATEGORIES, "metric": aged.pk, "save": "1"},
    )  # fmt: skip
    assert response.status_code == 400
    assert "Rows are / Columns are" in response.content.decode()
    assert not Figure.objects.exists()


def test_the_kept_layout_proposes_the_next_file_straight_away(
    client, staff, campaign, aged, kent, kent_file
):
    client.force_login(staff)
    CellTemplate.objects.create(
        campaign=campaign,
        force=kent.force,
        metric_slugs="offences",
        layout={
            "sheet": "FOI 2017-361",
            "rows_are": CATEGORIES,
            "columns_are": PERIODS,
            "metric": "offences",
            "period": "",
            "row_labels": [*AGES, "Total"],
            "column_labels": ["2015/16", "2016/17"],
        },
    )
    html = client.get(reverse("figures_cells", args=[kent_file.pk])).content.decode()
    assert 'id="layout-used"' in html
    assert "Save 8 figures" in html


def test_a_reviewer_sees_the_cells_but_cannot_save(client, aged, kent, kent_file):
    client.force_login(UserFactory(username="rev", roles=[REVIEWER]))
    url = reverse("figures_cells", args=[kent_file.pk])
    assert client.get(url).status_code == 200
    assert 'id="cells-form"' not in client.get(url).content.decode()
    response = client.post(url, {"sheet": "FOI 2017-361", "block": "B6:C9", "save": "1"})
    assert response.status_code == 403
    assert not Figure.objects.exists()


def test_a_scan_says_it_cannot_be_read_as_cells(client, staff, aged, kent, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    pdf = attach(kent, staff, table_pdf([]), name="answer.pdf")
    client.force_login(staff)
    html = client.get(reverse("figures_cells", args=[pdf.pk])).content.decode()
    assert 'id="cells-unavailable"' in html


def test_the_tables_of_a_word_file_read_as_grids():
    import zipfile

    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"

    def row(*cells):
        return (
            "<w:tr>"
            + "".join(f"<w:tc><w:p><w:r><w:t>{c}</w:t></w:r></w:p></w:tc>" for c in cells)
            + "</w:tr>"
        )

    body = f'<w:document xmlns:w="{w}"><w:body><w:p><w:r><w:t>Dear requester</w:t></w:r></w:p>'
    body += (
        "<w:tbl>"
        + row("Age", "2016/17")
        + row("Under 10", "1,234")
        + "</w:tbl></w:body></w:document>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as package:
        package.writestr("word/document.xml", body)
    sheets = read_sheets("answer.docx", out.getvalue())
    assert [(s.name, s.rows) for s in sheets] == [
        ("Table 1", [["Age", "2016/17"], ["Under 10", "1,234"]])
    ]


def test_a_zip_bomb_is_refused_not_opened():
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as package:
        package.writestr("xl/worksheets/sheet1.xml", b"0" * (130 * 1024 * 1024))
    with pytest.raises(CellsUnavailable, match="unpacks to more"):
        read_sheets("bomb.xlsx", out.getvalue())


def table_pdf(
    rows, *, x0=72, y0=700, col_w=(120, 80, 80), row_h=20, title="Kent Police FOI 2017/361"
):
    """A one-page PDF with a ruled table, as a force's PDF answer looks (Helvetica, lines)."""
    ops = [f"BT /F1 12 Tf {x0} {y0 + 30} Td ({title}) Tj ET"]
    n_rows, width = len(rows), sum(col_w)
    for i in range(n_rows + 1):
        y = y0 - i * row_h
        ops.append(f"{x0} {y} m {x0 + width} {y} l S")
    x = x0
    for w in (0, *col_w):
        x += w
        ops.append(f"{x} {y0} m {x} {y0 - n_rows * row_h} l S")
    for i, row in enumerate(rows):
        x = x0
        for w, text in zip(col_w, row, strict=False):
            safe = str(text).replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
            ops.append(f"BT /F1 10 Tf {x + 4} {y0 - (i + 1) * row_h + 6} Td ({safe}) Tj ET")
            x += w
    stream = "\n".join(ops).encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for n, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def test_the_ruled_tables_of_a_pdf_read_as_grids_named_by_page():
    rows = [
        ["Age of victim", "2015/16", "2016/17"],
        ["Under 10", "12", "20"],
        ["Total", "1,234", "61"],
    ]
    sheets = read_sheets("answer.pdf", table_pdf(rows))
    assert [(s.name, s.rows) for s in sheets] == [("Page 1 table 1", rows)]


def test_a_pdf_without_tables_or_damaged_says_so():
    with pytest.raises(CellsUnavailable, match="No ruled tables"):
        read_sheets("letter.pdf", table_pdf([]))
    with pytest.raises(CellsUnavailable, match="could not be read"):
        read_sheets("broken.pdf", b"%PDF-1.4 nothing else")


def test_a_quarantined_file_is_not_shown_as_cells(client, staff, aged, kent, settings, tmp_path):
    from tests.requests_app.screening_corpus import psni_like_xlsx

    settings.MEDIA_ROOT = tmp_path
    leaky = attach(kent, staff, psni_like_xlsx(people=20), name="kent-answer.xlsx")
    client.force_login(staff)
    response = client.get(reverse("figures_cells", args=[leaky.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("attachment_detail", args=[leaky.pk])
    section = client.get(reverse("figures_request", args=[kent.pk])).content.decode()
    assert 'id="take-from-file"' not in section


def test_a_legacy_xls_reads_as_sheets():
    import xlwt

    book = xlwt.Workbook()
    ws = book.add_sheet("Answer")
    for r, row in enumerate([["Age", "2016/17"], ["Under 10", 12], ["10 to 15", "*"]]):
        for c, value in enumerate(row):
            ws.write(r, c, value)
    out = io.BytesIO()
    book.save(out)
    sheets = read_sheets("answer.xls", out.getvalue())
    assert [(s.name, s.rows) for s in sheets] == [
        ("Answer", [["Age", "2016/17"], ["Under 10", "12"], ["10 to 15", "*"]])
    ]
    with pytest.raises(CellsUnavailable, match="could not be read"):
        read_sheets("broken.xls", b"\xd0\xcf\x11\xe0 not really")


def test_the_layout_kept_in_the_same_series_wins_over_a_newer_one_elsewhere(campaign, aged, kent):
    """Next year's campaign of a series reads the force's file with the layout kept for that
    series, even when the force's file for another campaign (same metric) was mapped later."""
    from figures_app.selectors.cells import layout_for
    from requests_app.models import Campaign, Series

    series = Series.objects.create(slug="nspcc", title="NSPCC")
    last_year = Campaign.objects.create(slug="last-year", title="Last year", series=series)
    other = Campaign.objects.create(slug="other", title="Another charity's")
    Campaign.objects.filter(pk=campaign.pk).update(series=series)
    kent.campaign.refresh_from_db()

    def keep(on, sheet):
        return CellTemplate.objects.create(
            campaign=on, force=kent.force, metric_slugs="offences", layout={"sheet": sheet}
        )

    ours = keep(last_year, "ours")
    keep(other, "theirs")  # saved later
    assert layout_for(kent) == ours
    Campaign.objects.filter(pk=campaign.pk).update(series=None)
    kent.campaign.refresh_from_db()
    assert layout_for(kent).layout["sheet"] == "theirs"  # no series: the newest
    own = keep(campaign, "own")
    assert layout_for(kent) == own
