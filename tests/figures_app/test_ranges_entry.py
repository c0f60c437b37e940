"""Ranges coming in (issue 26): each entry path stores '0-10' / 'ten and under' / '16+' with
low and high and the force's own words, and refuses ranges of one answer that overlap."""

import pytest
from django.urls import reverse

from figures_app.models import Category, Figure
from figures_app.readers import ImportFileError
from figures_app.services.imports import import_figures
from requests_app.services.errors import ServiceError

from .conftest import enter

pytestmark = pytest.mark.django_db

HEAD = "force,period,metric,victim_age,value,status,note\n"


def run(campaign, user, body):
    return import_figures(
        campaign=campaign, actor=user, data=(HEAD + body).encode(), filename="f.csv"
    )


def test_an_import_stores_ranges_with_low_high_and_the_forces_words(campaign, metric, staff):
    run(
        campaign,
        staff,
        "Kent,2016/17,offences,ten and under,9,,\n"
        "Kent,2016/17,offences,11 to 15,20,,\n"
        "Kent,2016/17,offences,16 and over,4,,\n"
        "Kent,2016/17,offences,not recorded,2,,\n"
        "Essex,2016/17,offences,0-10,5,,\n"
        "Essex,2016/17,offences,13,7,,\n",
    )
    cats = {c.value: (c.low, c.high, c.numeric_value) for c in Category.objects.all()}
    assert cats == {
        "0-10": (0, 10, None),
        "11-15": (11, 15, None),
        "16+": (16, None, None),
        "unknown": (None, None, None),
        "13": (13, 13, 13),
    }
    got = {
        (f.request.force.short_name or f.request.force.name, f.category.value, f.category_label)
        for f in Figure.objects.select_related("request__force", "category")
    }
    kent = {g for g in got if g[0].startswith("Kent")}
    assert {g[1:] for g in kent} == {
        ("0-10", "ten and under"),
        ("11-15", "11 to 15"),
        ("16+", "16 and over"),
        ("unknown", "not recorded"),
    }
    assert {g[1:] for g in got - kent} == {("0-10", None), ("13", None)}


def test_an_import_refuses_overlapping_ranges_of_one_answer_naming_both_lines(
    campaign, metric, staff
):
    body = (
        "Kent,2016/17,offences,0-12,9,,\n"  # line 2
        "Essex,2016/17,offences,11-15,3,,\n"  # another force: fine
        "Kent,2015/16,offences,11-15,3,,\n"  # another period: fine
        "Kent,2016/17,offences,eleven to fifteen,20,,\n"  # line 5
    )
    with pytest.raises(ImportFileError) as exc:
        run(campaign, staff, body)
    assert exc.value.errors == [
        "Line 5: victim age 'eleven to fifteen' (11-15) overlaps 0-12 on line 2 (same force, "
        "period and metric): a force's ranges may not overlap."
    ]
    assert not Figure.objects.exists()


def test_an_import_refuses_a_single_age_inside_a_range(campaign, metric, staff):
    with pytest.raises(ImportFileError) as exc:
        run(campaign, staff, "Kent,2016/17,offences,16+,9,,\nKent,2016/17,offences,17,1,,\n")
    assert exc.value.errors[0].startswith("Line 3: victim age 17 overlaps 16+ on line 2")


def test_the_service_refuses_a_range_overlapping_a_stored_one(campaign, metric, staff):
    enter(campaign, staff, [("Kent", "2016/17", 9, "0-12")])
    with pytest.raises(ServiceError, match="victim age 11-15 overlaps 0-12"):
        enter(campaign, staff, [("Kent", "2016/17", 3, "11-15")])
    enter(campaign, staff, [("Kent", "2016/17", 3, "13-15")])  # next to it: fine
    assert Figure.objects.count() == 2


@pytest.fixture
def kent(campaign, metric):
    return campaign.requests.get(force__name="Kent Police")


def _grid(client, foi, metric, rows: list[tuple[str, str]]):
    """New rows of the grid in 2016/17: (name typed, value)."""
    dim = metric.dimensions.get()
    p16 = foi.campaign.periods.get(label="2016/17")
    data = {}
    for n, (name, value) in enumerate(rows):
        data[f"new-{dim.pk}-{n}-name"] = name
        data[f"new-{dim.pk}-{n}-{metric.pk}-{p16.pk}"] = value
    return client.post(reverse("figures_request_save", args=[foi.pk]), data)


def test_the_grid_takes_ranges_as_written(staff_client, kent, metric):
    response = _grid(staff_client, kent, metric, [("aged ten and under", "9"), ("16+", "4")])
    assert response.status_code == 302, response.content.decode()[:3000]
    got = {(f.category.value, f.category_label, f.value) for f in Figure.objects.all()}
    assert got == {("0-10", "aged ten and under", 9), ("16+", None, 4)}


def test_the_grid_refuses_overlapping_rows_and_saves_nothing(staff_client, kent, metric):
    response = _grid(staff_client, kent, metric, [("0-12", "9"), ("11 to 15", "3")])
    assert response.status_code == 400
    page = response.content.decode()
    assert "The victim age 11 to 15 overlaps 0-12 in the same period and measure." in page
    assert not Figure.objects.exists()


def test_grid_errors_name_the_field_as_read_and_never_contradict(staff_client, kent, metric):
    dim = metric.dimensions.get()
    periods = list(kent.campaign.periods.all())
    data = {f"new-{dim.pk}-0-name": "teen"}
    for p in periods:  # a value in every period of the row: one error, said once
        data[f"new-{dim.pk}-0-{metric.pk}-{p.pk}"] = "5"
    response = staff_client.post(reverse("figures_request_save", args=[kent.pk]), data)
    assert response.status_code == 400
    page = response.content.decode()
    assert "The victim age &#x27;teen&#x27; is not an age or a range" in page
    assert page.count("is not an age or a range") == 1
    assert "Name the victim age" not in page
    assert "Unknown victim_age" not in page


def test_an_export_keeps_the_forces_words_adds_low_and_high_and_reads_back_the_same(
    campaign, metric, staff
):
    from figures_app.exports import export_rows
    from requests_app.tabular import write_csv

    run(
        campaign,
        staff,
        "Kent,2016/17,offences,,40,,\n"
        "Kent,2016/17,offences,aged ten and under,9,,\n"
        "Kent,2016/17,offences,11-15,20,,\n"
        "Kent,2016/17,offences,over 15,<5,,\n"
        "Essex,2016/17,offences,13,7,,\n",
    )
    rows = list(export_rows(campaign))
    at = {name: i for i, name in enumerate(rows[0])}
    got = {(r[at["victim_age"]], r[at["low"]], r[at["high"]], r[at["value"]]) for r in rows[1:]}
    assert got == {
        ("", "", "", 40),
        ("aged ten and under", 0, 10, 9),
        ("11-15", 11, 15, 20),
        ("over 15", 16, "", "<5"),
        ("13", 13, 13, 7),
    }

    def snapshot():
        fields = ("request_id", "period_id", "category_id", "category_label", "kind", "value")
        return sorted(Figure.objects.values_list(*fields, "upper"), key=repr)

    before = snapshot()
    Figure.objects.all().delete()
    result = run_file(campaign, staff, write_csv(rows))
    assert result.created == 5
    assert snapshot() == before
    again = run_file(campaign, staff, write_csv(rows))
    assert (again.created, again.changed) == (0, 0)


def run_file(campaign, user, text):
    return import_figures(campaign=campaign, actor=user, data=text.encode(), filename="x.csv")


@pytest.mark.postgres
def test_copy_writes_ranges_and_labels_as_python_does(campaign, metric, staff):
    from django.db import connection

    from figures_app.exports import export_csv_chunks

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL=postgres://...)")
    run(
        campaign,
        staff,
        "Kent,2016/17,offences,,40,,\n"
        "Kent,2016/17,offences,ten and under,9,,\n"
        "Kent,2016/17,offences,16 and over,<5,,\n"
        "Essex,2016/17,offences,13,7,,\n",
    )
    python = b"".join(export_csv_chunks(campaign, use_copy=False))
    assert b"ten and under,0,10," in python and b"16 and over,16,," in python
    assert b"".join(export_csv_chunks(campaign, use_copy=True)) == python


def _age_workbook(labels_and_values) -> bytes:
    import io

    import openpyxl

    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "Ages"
    ws["A1"], ws["B1"] = "Age of victim", "2016/17"
    for row, (label, value) in enumerate(labels_and_values, start=2):
        ws.cell(row=row, column=1, value=label)
        ws.cell(row=row, column=2, value=value)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _from_cells(campaign, metric, staff, kent, rows):
    from figures_app.categories import CategoryIndex
    from figures_app.cell_mapping import CATEGORIES, PERIODS, BlockSpec, propose
    from figures_app.cells import read_sheets
    from figures_app.services.cell_mapping import figures_from_cells
    from tests.figures_app.test_cells import attach

    data = _age_workbook(rows)
    attachment = attach(kent, staff, data, name="ages.xlsx")
    sheet = read_sheets("ages.xlsx", data)[0]
    # The labels selected with the figures, and said to be labels (cell picking takes a label
    # only when the person says so).
    spec = BlockSpec(
        "Ages",
        f"A1:B{len(rows) + 1}",
        rows_are=CATEGORIES,
        columns_are=PERIODS,
        metric=metric,
        first_row_labels=True,
        first_column_labels=True,
    )
    index = CategoryIndex(campaign)
    proposal = propose(
        sheet,
        spec,
        metrics=[metric],
        periods=list(campaign.periods.all()),
        index=index,
        bounds=(1, 4),
    )
    assert proposal.errors == []
    return figures_from_cells(
        foi=kent,
        attachment=attachment,
        actor=staff,
        spec=spec,
        proposal=proposal,
        index=index,
        keep_layout=False,
    )


def test_cell_mapping_saves_ranges_through_the_same_resolution(campaign, metric, staff, kent):
    _from_cells(campaign, metric, staff, kent, [("ten and under", 9), ("11 to 15", 4)])
    got = {(f.category.value, f.category_label, f.value) for f in Figure.objects.all()}
    assert got == {("0-10", "ten and under", 9), ("11-15", "11 to 15", 4)}


def test_cell_mapping_refuses_overlapping_ranges_and_saves_nothing(campaign, metric, staff, kent):
    with pytest.raises(ServiceError, match="victim age 11-15 overlaps 0-12"):
        _from_cells(campaign, metric, staff, kent, [("0-12", 9), ("11 to 15", 4)])
    assert not Figure.objects.exists()


def test_the_grid_lists_ranges_in_the_order_of_the_ages_they_start_at(
    staff_client, campaign, staff, kent
):
    enter(
        campaign,
        staff,
        [
            ("Kent", "2016/17", n, age)
            for n, age in ((1, "16+"), (2, "2-5"), (3, "11-15"), (4, "0-1"), (5, "unknown"))
        ],
    )
    page = staff_client.get(reverse("request_detail", args=[kent.pk])).content.decode()
    at = [page.index(f"Victim age: {label}") for label in ("0-1", "2-5", "11-15", "16+", "Unknown")]
    assert at == sorted(at)


def test_an_import_names_a_column_a_metric_is_not_broken_down_by_in_words(campaign, metric, staff):
    from figures_app.services.metrics import DimensionSpec, MetricSpec, metric_save

    metric_save(
        campaign=campaign,
        spec=MetricSpec("victims", "Victims", "victims", "", (DimensionSpec("sex", "Sex", None),)),
    )
    with pytest.raises(ImportFileError) as exc:
        import_figures(
            campaign=campaign,
            actor=staff,
            data=b"force,period,metric,victim_age,sex,value\nKent,2016/17,offences,13,f,4\n",
            filename="f.csv",
        )
    assert exc.value.errors == [
        "Line 2: Online-flagged child sex offences is not broken down by the column 'sex'; "
        "leave it empty on this metric's rows."
    ]
