"""Cell picking that is exact or refuses (issue 26, section 2): the block a person selects is the
block used, every cell of it listed with the figure it becomes; a number is a label only when
the person says the labels are there; a block that cannot be mapped whole names its cells and
saves nothing. The same for a PDF's tables, cited by page, table, row and column."""

import io

import openpyxl
import pytest
from django.urls import reverse

from figures_app.categories import CategoryIndex
from figures_app.cell_mapping import (
    CATEGORIES,
    PERIODS,
    BlockSpec,
    propose,
    spec_from_template,
    template_from,
)
from figures_app.cells import Sheet, read_sheets
from figures_app.models import Figure, Kind
from figures_app.services.metrics import DimensionSpec, MetricSpec, metric_save
from tests.figures_app.test_cells import attach, kent_workbook, table_pdf

# The sheet of the bug report: with C2:C3 selected the preview used only C3, took 37 (a figure)
# as an age and offered "Save 1 figure".
BY_AGE = [
    ["Year", "12", "13"],
    ["2015/16", "30", "37"],
    ["2016/17", "40", "41"],
]
# Single ages down the side, as numbers.
AGES_DOWN = [
    ["Age", "2015/16", "2016/17"],
    ["3", "1", "0"],
    ["10", "9", "12"],
    ["13", "257", "240"],
]


def workbook(rows) -> bytes:
    book = openpyxl.Workbook()
    book.active.title = "Answer"
    for row in rows:
        book.active.append([int(v) if v.isdigit() else v for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.fixture
def single_ages(campaign, staff):
    """A breakdown by single age, categories inferred from the figures (any whole number)."""
    return metric_save(
        campaign=campaign,
        spec=MetricSpec(
            "offences", "Online-flagged offences", "offences", "",
            (DimensionSpec("victim_age", "Victim age", None),),
        ),
    )  # fmt: skip


@pytest.fixture
def aged(campaign, staff):
    from tests.figures_app.test_cells import AGES

    return metric_save(
        campaign=campaign,
        spec=MetricSpec(
            "offences", "Online-flagged child sex offences", "offences", "",
            (DimensionSpec("victim_age", "Victim age", AGES),),
        ),
    )  # fmt: skip


def run(campaign, metric, rows_or_sheet, block, rows_are, columns_are, **choices):
    sheet = (
        rows_or_sheet
        if isinstance(rows_or_sheet, Sheet)
        else Sheet(name="Answer", rows=rows_or_sheet)
    )
    spec = BlockSpec(sheet.name, block, rows_are, columns_are, metric=metric, **choices)
    return propose(
        sheet, spec, metrics=[metric], periods=list(campaign.periods.all()),
        index=CategoryIndex(campaign), bounds=(1, 4),
    )  # fmt: skip


def listed(proposal):
    return [
        (c.where, c.period.label, c.category_label or "Total", c.value_text) for c in proposal.cells
    ]


def test_c2_c3_is_refused_not_shrunk_and_a_number_is_no_label_unless_chosen(campaign, single_ages):
    proposal = run(campaign, single_ages, BY_AGE, "C2:C3", PERIODS, CATEGORIES)
    assert proposal.cells == []
    assert proposal.errors == [
        "Block: no row above C2:C3 names the campaign's categories (of the metric's breakdown) "
        "in words. If the block's first row holds them (numbers, such as ages, are labels only "
        "when you say so), tick 'The block's first row holds the column labels'."
    ]
    # Chosen: C1 holds the age, and both figures below it are saved.
    proposal = run(
        campaign, single_ages, BY_AGE, "C1:C3", PERIODS, CATEGORIES, first_row_labels=True
    )
    assert proposal.errors == []
    assert listed(proposal) == [
        ("Answer!C2", "2015/16", "13", "37"),
        ("Answer!C3", "2016/17", "13", "41"),
    ]


def test_the_c2_c3_preview_offers_no_save_and_saving_it_saves_nothing(
    client, staff, campaign, single_ages, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    kent = campaign.requests.get(force__name="Kent Police")
    upload = attach(kent, staff, workbook(BY_AGE), name="kent.xlsx")
    client.force_login(staff)
    url = reverse("figures_cells", args=[upload.pk])
    form = {"sheet": "Answer", "block": "C2:C3", "rows_are": PERIODS, "columns_are": CATEGORIES,
            "metric": single_ages.pk}  # fmt: skip
    preview = client.post(url, {**form, "preview": "1"})
    html = preview.content.decode()
    assert preview.status_code == 400
    assert "no row above C2:C3" in html and 'id="cells-save"' not in html
    assert client.post(url, {**form, "save": "1"}).status_code == 400
    assert not Figure.objects.exists()
    chosen = client.post(url, {**form, "block": "C1:C3", "first_row_labels": "on", "preview": "1"})
    html = chosen.content.decode()
    assert "Save 2 figures" in html
    assert "<td>Answer!C2</td><td>Kent Police</td>" in html


def test_a_header_row_and_column_selected_with_the_figures_are_labels_when_ticked(campaign, aged):
    sheet = read_sheets("kent.xlsx", kent_workbook())[0]
    untold = run(campaign, aged, sheet, "A5:C9", CATEGORIES, PERIODS)
    assert untold.cells == []
    # Nothing above or left of the block names the periods or ages: the choice is asked for.
    assert [e.split(" names ")[0] for e in untold.errors] == [
        "Block: no row above A5:C9",
        "Block: no column left of A5:C9",
    ]
    assert "tick 'The block's first row holds the column labels'" in untold.errors[0]
    told = run(
        campaign, aged, sheet, "A5:C9", CATEGORIES, PERIODS,
        first_row_labels=True, first_column_labels=True,
    )  # fmt: skip
    assert told.errors == []
    assert len(told.cells) == 8
    assert listed(told)[:2] == [
        ("FOI 2017-361!B6", "2015/16", "Under 10", "12"),
        ("FOI 2017-361!C6", "2016/17", "Under 10", "20"),
    ]


def test_a_header_repeated_inside_the_block_is_named_and_the_choice_said(campaign, aged):
    rows = [
        ["Age", "2015/16", "2016/17"],
        ["", "2015/16", "2016/17"],
        ["Under 10", "12", "20"],
    ]
    proposal = run(campaign, aged, rows, "B2:C3", CATEGORIES, PERIODS)
    assert proposal.cells == []
    assert "Answer!B2:C2: the label of row 2 cannot be used: it has no label. Leave the row " \
        "out of the block, or correct the labels." in proposal.errors  # fmt: skip
    assert proposal.errors[-1] == (
        "Block: row 2 looks like column labels; if it is, tick 'The block's first row holds "
        "the column labels'."
    )


def test_a_row_whose_label_names_nothing_refuses_the_block_naming_its_cells(campaign, aged):
    rows = [
        ["Age", "2015/16", "2016/17"],
        ["Under 10", "12", "20"],
        ["Over 18", "4", "5"],
    ]
    proposal = run(campaign, aged, rows, "B2:C3", CATEGORIES, PERIODS)
    assert proposal.cells == []
    assert proposal.errors == [
        "Answer!B3:C3: the label of row 3 'Over 18' cannot be used: it is not a category of "
        "Online-flagged child sex offences. Leave the row out of the block, or correct the "
        "labels."
    ]


def test_a_blank_cell_in_the_block_is_named_not_dropped(campaign, aged):
    rows = [["Age", "2015/16", "2016/17"], ["Under 10", "12", ""]]
    proposal = run(campaign, aged, rows, "B2:C2", CATEGORIES, PERIODS)
    assert proposal.cells == []
    assert proposal.errors[0].startswith("Answer!C2 (Under 10 / 2016/17) is empty")


def test_a_total_row_is_the_metrics_total_and_a_total_of_periods_is_refused(campaign, aged):
    sheet = read_sheets("kent.xlsx", kent_workbook())[0]
    proposal = run(campaign, aged, sheet, "B6:C9", CATEGORIES, PERIODS)
    assert proposal.errors == []
    totals = [c for c in proposal.cells if c.categories == ()]
    assert [(c.where, c.period.label, c.value_text) for c in totals] == [
        ("FOI 2017-361!B9", "2015/16", "45"),
        ("FOI 2017-361!C9", "2016/17", "61"),
    ]
    by_year = [
        ["Year", "Under 10", "10 to 15", "16 to 17", "Total"],
        ["2015/16", "12", "*", "30", "45"],
        ["2016/17", "20", "7", "not held", "61"],
        ["Total", "32", "*", "30", "106"],
    ]
    refused = run(campaign, aged, by_year, "B2:E4", PERIODS, CATEGORIES)
    assert refused.cells == []
    assert refused.errors == [
        "Answer!B4:E4: the label of row 4 'Total' cannot be used: no period of the campaign "
        "has that name. Leave the row out of the block, or correct the labels."
    ]
    kept = run(campaign, aged, by_year, "B2:E3", PERIODS, CATEGORIES)
    assert kept.errors == []
    assert len(kept.cells) == 8
    assert ("Answer!C2", "2015/16", "10 to 15", "* (1–4)") in listed(kept)
    assert ("Answer!E3", "2016/17", "Total", "61") in listed(kept)


def test_ages_written_as_numbers_are_labels_only_when_chosen(campaign, single_ages):
    untold = run(campaign, single_ages, AGES_DOWN, "B2:C4", CATEGORIES, PERIODS)
    assert untold.cells == []
    assert untold.errors[0].startswith("Block: no column left of B2:C4 names the campaign's")
    assert "tick 'The block's first column holds the row labels'" in untold.errors[0]
    told = run(
        campaign, single_ages, AGES_DOWN, "A2:C4", CATEGORIES, PERIODS, first_column_labels=True
    )
    assert told.errors == []
    assert listed(told) == [
        ("Answer!B2", "2015/16", "3", "1"),
        ("Answer!C2", "2016/17", "3", "0"),
        ("Answer!B3", "2015/16", "10", "9"),
        ("Answer!C3", "2016/17", "10", "12"),
        ("Answer!B4", "2015/16", "13", "257"),
        ("Answer!C4", "2016/17", "13", "240"),
    ]


PDF_ROWS = [
    ["Age of victim", "2015/16", "2016/17"],
    ["Under 10", "12", "20"],
    ["10 to 15", "*", "7"],
    ["16 to 17", "30", "not held"],
    ["Total", "45", "61"],
    ["Over 18", "3", "2"],
]


def test_a_pdf_table_is_taken_whole_cited_by_page_table_row_and_column(
    client, staff, campaign, aged, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    kent = campaign.requests.get(force__name="Kent Police")
    pdf = attach(kent, staff, table_pdf(PDF_ROWS), name="answer.pdf")
    client.force_login(staff)
    url = reverse("figures_cells", args=[pdf.pk])
    form = {"sheet": "Page 1 table 1", "rows_are": CATEGORIES, "columns_are": PERIODS,
            "metric": aged.pk}  # fmt: skip
    wrong = client.post(url, {**form, "block": "B2:C6", "save": "1"})
    assert wrong.status_code == 400
    assert (
        "page 1, table 1, row 6, columns 2-3: the label of row 6 &#x27;Over 18&#x27; cannot "
        "be used" in wrong.content.decode()
    )
    assert not Figure.objects.exists()
    preview = client.post(url, {**form, "block": "B2:C5", "preview": "1"}).content.decode()
    assert "Save 8 figures" in preview
    assert "<td>page 1, table 1, row 3, column 2</td>" in preview
    assert "* (1–4)" in preview
    assert client.post(url, {**form, "block": "B2:C5", "save": "1"}).status_code == 302
    figures = Figure.objects.filter(request=kent)
    assert figures.count() == 8
    held = figures.get(location="Page 1 table 1!C4")
    assert (held.kind, held.period.label) == (Kind.NOT_HELD, "2016/17")


def test_a_kept_layout_of_number_labels_is_proposed_as_the_form_will_save_it(campaign, single_ages):
    first = run(
        campaign, single_ages, AGES_DOWN, "A1:C4", CATEGORIES, PERIODS,
        first_row_labels=True, first_column_labels=True,
    )  # fmt: skip
    spec = BlockSpec("Answer", "A1:C4", CATEGORIES, PERIODS, metric=single_ages,
                     first_row_labels=True, first_column_labels=True)  # fmt: skip
    # Next year the table sits two rows lower, under a title.
    moved = Sheet(name="Answer", rows=[["Kent Police"], [""], *AGES_DOWN])
    again, changes = spec_from_template(
        template_from(spec, first), [moved], metrics=[single_ages],
        periods=list(campaign.periods.all()),
    )  # fmt: skip
    assert changes == []
    assert (again.block, again.first_row_labels, again.first_column_labels) == (
        "A3:C6",
        True,
        True,
    )
    proposal = run(
        campaign, single_ages, moved, again.block, CATEGORIES, PERIODS,
        first_row_labels=True, first_column_labels=True,
    )  # fmt: skip
    assert [c.value_text for c in proposal.cells] == [c.value_text for c in first.cells]


def test_a_number_in_a_row_of_labels_found_above_is_named_with_the_choice(campaign, aged):
    rows = [
        ["Year", "Under 10", "16"],
        ["2015/16", "12", "30"],
    ]
    proposal = run(campaign, aged, rows, "B2:C2", PERIODS, CATEGORIES)
    assert proposal.cells == []
    assert proposal.errors == [
        "Answer!C2: the label of column C '16' cannot be used: it is a number, and a number is "
        "a label only when you say so. If it is a label, select the block with its labels and "
        "tick 'The block's first row holds the column labels'."
    ]
