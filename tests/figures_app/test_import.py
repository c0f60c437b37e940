"""Import: every error with its line and nothing written; idempotent; changes kept in history;
export round-trips (CSV and XLSX); the import_figures command."""

import io

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from figures_app.exports import export_rows
from figures_app.models import Category, Figure, FigureChange, FigureReview, ReviewState
from figures_app.readers import ImportFileError
from figures_app.services.imports import import_figures, plan_import
from requests_app.tabular import write_csv as rows_to_csv
from requests_app.tabular import write_xlsx as rows_to_xlsx

pytestmark = pytest.mark.django_db

GOOD = """force,period,metric,victim_age,value,status,note
Kent,2015/16,offences,,63,,
Kent Police,2016/17,offences,,361,,from the letter
E23000032,2016/17,offences,13,40,,
Devon & Cornwall,2016/17,offences,,<5,,
Met,2016/17,offences,,*,,
Cumbria,2016/17,offences,,,not_held,
Lancashire,2016/17,offences,,,refused,s.12
"""


def run(campaign, user, text, name="figures.csv", **kw):
    return import_figures(campaign=campaign, actor=user, data=text.encode(), filename=name, **kw)


def test_it_imports_every_kind(campaign, metric, staff):
    result = run(campaign, staff, GOOD)
    assert (result.created, result.changed, result.unchanged) == (7, 0, 0)
    kent = Figure.objects.get(
        request__force__name="Kent Police", period__label="2016/17", category_key=""
    )
    assert (kent.kind, kent.value, kent.note) == ("reported", 361, "from the letter")
    devon = Figure.objects.get(request__force__name="Devon and Cornwall Police")
    assert (devon.kind, devon.lower, devon.upper, devon.raw_text) == ("suppressed", 1, 4, "<5")
    met = Figure.objects.get(request__force__name="Metropolitan Police Service")
    assert (met.lower, met.upper) == (campaign.suppressed_lower, campaign.suppressed_upper)
    assert Figure.objects.get(request__force__name="Cumbria Constabulary").kind == "not_held"
    assert Figure.objects.get(request__force__name="Lancashire Constabulary").kind == "refused"
    assert FigureChange.objects.count() == 7
    assert set(FigureReview.objects.values_list("state", flat=True)) == {ReviewState.PENDING}


@pytest.mark.parametrize(
    "row, message",
    [
        ("Kentish Town,2016/17,offences,,5,,", "Line 3: Unknown force 'Kentish Town'"),
        ("Police Scotland,2016/17,offences,,5,,", "Line 3: Police Scotland was not asked"),
        ("Kent,2017/18,offences,,5,,", "Line 3: unknown period '2017/18'"),
        ("Kent,2016/17,burglary,,5,,", "Line 3: unknown metric 'burglary'"),
        (
            "Kent,2016/17,offences,teen,5,,",
            "Line 3: The victim age 'teen' is not an age or a range",
        ),
        ("Kent,2016/17,offences,,-3,,", "Line 3: '-3' is negative"),
        ("Kent,2016/17,offences,,2.5,,", "Line 3: '2.5' is not a whole number"),
        ("Kent,2016/17,offences,,lots,,", "Line 3: 'lots' is not a whole number"),
        ("Kent,2016/17,offences,,,,", "Line 3: the value is empty"),
        ("Kent,2016/17,offences,,5,maybe,", "Line 3: Unknown status 'maybe'"),
        ("Kent,2016/17,offences,,12,not_held,", "Line 3: Status is not_held but a number"),
        ("Kent,2015/16,offences,,7,,", "Line 3: duplicate of line 2"),
    ],
)
def test_it_reports_each_error_with_its_line_and_writes_nothing(
    campaign, metric, staff, row, message
):
    text = (
        "force,period,metric,victim_age,value,status,note\nKent,2015/16,offences,,63,,\n"
        + row
        + "\n"
    )
    with pytest.raises(ImportFileError) as exc:
        run(campaign, staff, text)
    assert any(e.startswith(message) for e in exc.value.errors), exc.value.errors
    assert Figure.objects.count() == 0 and FigureChange.objects.count() == 0
    assert Category.objects.count() == 0 and FigureReview.objects.count() == 0


def test_it_reports_a_missing_column(campaign, metric, staff):
    with pytest.raises(ImportFileError) as exc:
        run(campaign, staff, "force,period,metric\nKent,2015/16,offences\n")
    assert exc.value.errors == ["Line 1: missing column 'value'."]


def test_it_reports_an_unknown_column(campaign, metric, staff):
    with pytest.raises(ImportFileError) as exc:
        run(campaign, staff, "force,period,metric,value,colour\nKent,2015/16,offences,3,red\n")
    assert exc.value.errors[0].startswith("Line 1: unknown column 'colour'")


def test_it_reports_every_error_not_just_the_first(campaign, metric, staff):
    text = "force,period,metric,value\nNowhere,2015/16,offences,1\nKent,1999,offences,-1\nKent,2016/17,offences,1\n"
    with pytest.raises(ImportFileError) as exc:
        run(campaign, staff, text)
    assert [e.split(":")[0] for e in exc.value.errors] == ["Line 2", "Line 3", "Line 3"]
    assert Figure.objects.count() == 0


def test_it_accepts_a_file_without_status_or_note_columns(campaign, metric, staff):
    result = run(campaign, staff, "force,period,metric,value\nKent,2015/16,offences,63\n")
    assert result.created == 1


def test_reimporting_the_same_file_changes_nothing(campaign, metric, staff):
    run(campaign, staff, GOOD)
    changes = FigureChange.objects.count()
    result = run(campaign, staff, GOOD)
    assert (result.created, result.changed, result.unchanged) == (0, 0, 7)
    assert FigureChange.objects.count() == changes


def test_a_changed_value_updates_the_figure_and_its_history(campaign, metric, staff, reviewer):
    run(campaign, staff, GOOD, approve=False)
    from figures_app.services.review import figures_approve

    kent = Figure.objects.get(
        request__force__name="Kent Police", period__label="2016/17", category_key=""
    )
    figures_approve(request_id=kent.request_id, actor=reviewer, warnings_checked=True)
    result = run(campaign, staff, GOOD.replace(",361,", ",362,"))
    assert (result.created, result.changed, result.unchanged) == (0, 1, 6)
    kent.refresh_from_db()
    assert kent.value == 362
    change = FigureChange.objects.filter(figure=kent).first()
    assert (change.action, change.old_display, change.new_display, change.actor) == (
        "changed",
        "361",
        "362",
        staff,
    )
    assert change.source == "import figures.csv line 3"
    assert FigureReview.objects.get(request=kent.request).state == ReviewState.PENDING


def test_the_preview_says_what_will_change_and_writes_nothing(campaign, metric, staff):
    run(campaign, staff, GOOD)
    plan = plan_import(
        campaign=campaign,
        data=GOOD.replace(",361,", ",362,").encode() + b"Essex,2016/17,offences,,9,,\n",
        filename="f.csv",
    )
    assert (plan.created, plan.changed, plan.unchanged) == (1, 1, 6)
    assert Figure.objects.count() == 7


def test_csv_export_round_trips(campaign, metric, staff):
    run(campaign, staff, GOOD)
    exported = rows_to_csv(export_rows(campaign))
    assert exported.splitlines()[0] == (
        "force,period,metric,victim_age,low,high,value,status,as_given,review,source,taken_from,taken_from_url,note"
    )
    result = run(campaign, staff, exported, name="export.csv")
    assert (result.created, result.changed) == (0, 0)


def test_xlsx_export_round_trips(campaign, metric, staff):
    run(campaign, staff, GOOD)
    data = rows_to_xlsx({"figures": export_rows(campaign)})
    result = import_figures(campaign=campaign, actor=staff, data=data, filename="export.xlsx")
    assert (result.created, result.changed, result.unchanged) == (0, 0, 7)


def test_it_reads_xlsx_numbers_and_line_numbers(campaign, metric, staff):
    wb = Workbook()
    ws = wb.active
    ws.append(["Force", "Period", "Metric", "Victim age", "Value"])
    ws.append(["Kent", "2015/16", "offences", None, 63.0])
    ws.append(["Kent", "2016/17", "offences", 13, 4.5])
    hidden = wb.create_sheet("secret")
    hidden.sheet_state = "hidden"
    out = io.BytesIO()
    wb.save(out)
    with pytest.raises(ImportFileError) as exc:
        import_figures(campaign=campaign, actor=staff, data=out.getvalue(), filename="f.xlsx")
    assert exc.value.errors == ["Line 3: '4.5' is not a whole number."]
    assert Figure.objects.count() == 0


def test_the_command_imports_and_approves(campaign, metric, staff, reviewer, tmp_path):
    path = tmp_path / "figures.csv"
    path.write_text(GOOD)
    with pytest.raises(CommandError, match="reviewer role"):
        call_command(
            "import_figures", campaign.slug, str(path), "--approve", "--user", staff.username
        )
    assert Figure.objects.count() == 0
    out = io.StringIO()
    call_command(
        "import_figures",
        campaign.slug,
        str(path),
        "--approve",
        "--user",
        reviewer.username,
        stdout=out,
    )
    assert "7 created" in out.getvalue()
    assert set(FigureReview.objects.values_list("state", flat=True)) == {ReviewState.APPROVED}


def test_the_command_lists_errors_with_lines(campaign, metric, staff, tmp_path, capsys):
    path = tmp_path / "bad.csv"
    path.write_text("force,period,metric,value\nKent,2015/16,offences,-1\n")
    err = io.StringIO()
    with pytest.raises(CommandError, match="1 error"):
        call_command(
            "import_figures", campaign.slug, str(path), "--user", staff.username, stderr=err
        )
    assert "bad.csv: Line 2: '-1' is negative" in err.getvalue()


def test_export_keeps_the_forces_wording_so_a_round_trip_changes_nothing(campaign, metric, staff):
    text = (
        'force,period,metric,value\nKent,2015/16,offences,"1,234"\nEssex,2015/16,offences,NH\n'
        "Surrey,2015/16,offences,refused s.12\nDorset,2015/16,offences,fewer than 5\n"
    )
    run(campaign, staff, text)
    assert Figure.objects.get(request__force__name="Surrey Police").exemption == "foia:s12"
    for exported, name in (
        (rows_to_csv(export_rows(campaign)).encode(), "e.csv"),
        (rows_to_xlsx({"figures": export_rows(campaign)}), "e.xlsx"),
    ):
        result = import_figures(campaign=campaign, actor=staff, data=exported, filename=name)
        assert (result.created, result.changed, result.unchanged) == (0, 0, 4), name


def test_the_command_imports_without_a_user_as_pending_figures(
    campaign, metric, reviewer, tmp_path
):
    path = tmp_path / "figures.csv"
    path.write_text(GOOD)
    with pytest.raises(CommandError, match="--approve needs --user"):
        call_command("import_figures", campaign.slug, str(path), "--approve")
    assert Figure.objects.count() == 0
    out = io.StringIO()
    call_command("import_figures", campaign.slug, str(path), stdout=out)
    assert "7 created" in out.getvalue()
    assert set(Figure.objects.values_list("entered_by", flat=True)) == {None}
    assert set(FigureReview.objects.values_list("state", flat=True)) == {ReviewState.PENDING}
    out = io.StringIO()
    call_command("import_figures", campaign.slug, str(path), stdout=out)
    assert "0 created, 0 changed, 0 removed, 7 unchanged" in out.getvalue()
