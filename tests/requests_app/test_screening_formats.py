"""Screening the files forces send back (issue 13, sections 1 and 3): each finding in the
vocabulary from a file built here, the PSNI-like workbook, a pivot cache of row-level records,
.xls, .ods, .docx and .pdf, and the hostile files (zip bombs, billion laughs, encrypted files,
random bytes), each giving a finding and never an exception. No database: the screening package
is pure Python."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from requests_app.screening import KINDS, PERSONAL_DATA_KINDS, Finding, Limits, screen_bytes
from requests_app.screening.sandbox import PROJECT_ROOT, screen_sandboxed
from tests.requests_app import screening_corpus as corpus


def kinds(found: list[Finding]) -> list[str]:
    return [f.kind for f in found]


def only(found: list[Finding], kind: str) -> Finding:
    matching = [f for f in found if f.kind == kind]
    assert len(matching) == 1, found
    return matching[0]


def test_it_finds_nothing_in_a_plain_workbook():
    assert screen_bytes("reply.xlsx", corpus.clean_xlsx()) == []


def test_it_finds_the_psni_case_a_hidden_sheet_of_named_people_behind_a_summary():
    found = screen_bytes("reply.xlsx", corpus.psni_like_xlsx(people=200))
    hidden = only(found, "hidden_sheet")
    assert hidden.where == "sheet 'Staff' (A1:E201)"
    assert hidden.count == 201 * 5  # the header row and 200 people, 5 columns each
    assert hidden.personal_data_risk is True
    # The visible summary sheet is not a finding.
    assert "Summary" not in " ".join(f.where for f in found)


def test_it_tells_a_very_hidden_sheet_from_a_hidden_one():
    found = only(screen_bytes("reply.xlsx", corpus.very_hidden_xlsx()), "very_hidden_sheet")
    assert (found.where, found.count, found.personal_data_risk) == (
        "sheet 'Victims' (A1:B5)",
        10,
        True,
    )


def test_an_empty_hidden_sheet_is_reported_but_holds_no_personal_data():
    found = only(screen_bytes("reply.xlsx", corpus.hidden_empty_sheet_xlsx()), "hidden_sheet")
    assert (found.count, found.personal_data_risk) == (0, False)


def test_it_counts_hidden_rows_that_hold_data_and_ignores_empty_ones():
    found = only(screen_bytes("reply.xlsx", corpus.hidden_rows_xlsx()), "hidden_rows")
    assert found.where == "sheet 'Summary' rows 5-9"
    assert (found.count, found.personal_data_risk) == (5, True)


def test_it_counts_hidden_columns_that_hold_data_and_ignores_empty_ones():
    found = only(screen_bytes("reply.xlsx", corpus.hidden_columns_xlsx()), "hidden_columns")
    assert found.where == "sheet 'Summary' columns E"
    assert (found.count, found.personal_data_risk) == (1, True)


def test_it_counts_every_record_a_pivot_cache_keeps():
    found = only(screen_bytes("reply.xlsx", corpus.pivot_xlsx(records=250)), "pivot_cache")
    assert found.count == 250
    assert "source Raw!A1:C251" in found.where
    assert found.personal_data_risk is True


@pytest.mark.parametrize(
    "build,kind,count",
    [
        (corpus.comments_xlsx, "comments", 2),
        (corpus.white_text_xlsx, "white_or_tiny_text", 2),
        (corpus.defined_names_xlsx, "defined_names", 1),
        (corpus.author_xlsx, "author_metadata", 2),
        (corpus.external_link_xlsx, "external_link", 1),
        (corpus.connection_xlsx, "data_connection", 1),
        (corpus.macro_xlsm, "macro", 1),
    ],
)
def test_it_reports_each_other_finding_without_quarantining(build, kind, count):
    found = screen_bytes("reply.xlsm", build())
    assert kinds(found) == [kind]
    assert found[0].count == count
    assert found[0].personal_data_risk is False


def test_an_embedded_file_can_hold_personal_data():
    found = only(screen_bytes("reply.xlsx", corpus.embedded_xlsx()), "embedded_file")
    assert (found.where, found.personal_data_risk) == ("xl/embeddings/oleObject1.bin", True)


def test_it_reports_where_an_external_link_points():
    found = only(screen_bytes("reply.xlsx", corpus.external_link_xlsx()), "external_link")
    assert "victims-2017.xlsx" in found.where


def test_an_author_finding_names_the_fields_not_the_people():
    found = only(screen_bytes("reply.xlsx", corpus.author_xlsx()), "author_metadata")
    assert "creator" in found.where and "Smith" not in found.where


def test_it_reads_a_legacy_xls():
    assert screen_bytes("reply.xls", corpus.xls_file()) == []
    found = screen_bytes(
        "reply.xls", corpus.xls_file(hidden_sheet=True, hidden_rows=True, hidden_columns=True)
    )
    assert sorted(kinds(found)) == ["hidden_columns", "hidden_rows", "hidden_sheet"]
    assert only(found, "hidden_sheet").where == "sheet 'Staff' (A1:A5)"
    assert only(found, "hidden_rows").count == 5
    assert all(f.personal_data_risk for f in found)


def test_it_counts_the_records_a_legacy_xls_pivot_cache_keeps():
    """Excel 97-2003 keeps each pivot cache in a stream of the _SX_DB_CUR storage; its SXDB
    record says how many cache records were saved (row-level data, as in .xlsx)."""
    found = only(screen_bytes("reply.xls", corpus.xls_with_pivot_cache(120)), "pivot_cache")
    assert (found.where, found.count, found.personal_data_risk) == ("_SX_DB_CUR/0001", 120, True)
    unsaved = only(
        screen_bytes("reply.xls", corpus.xls_with_pivot_cache(80, saved=False)), "pivot_cache"
    )
    assert unsaved.where == "_SX_DB_CUR/0001; 80 records declared, none saved"
    assert (unsaved.count, unsaved.personal_data_risk) == (0, False)


def test_it_reads_an_opendocument_spreadsheet():
    found = screen_bytes("reply.ods", corpus.ods_file())
    assert only(found, "hidden_sheet").where == "sheet 'Staff' (A1:A5)"
    assert only(found, "hidden_rows").where == "sheet 'Summary' rows 3"
    assert only(found, "comments").count == 1
    assert only(found, "author_metadata").personal_data_risk is False
    plain = screen_bytes(
        "reply.ods", corpus.ods_file(hidden_sheet=False, hidden_row=False, comment=False)
    )
    assert kinds(plain) == ["author_metadata"]


def test_it_finds_tracked_changes_comments_and_hidden_text_in_a_word_file():
    found = screen_bytes("reply.docx", corpus.docx_file())
    changes = only(found, "tracked_changes")
    assert (changes.where, changes.count) == ("word/document.xml", 2)
    assert only(found, "comments").count == 1
    assert only(found, "white_or_tiny_text").count == 2  # one vanished run, one white run
    plain = corpus.docx_file(tracked=False, comments=False, hidden_text=False)
    assert screen_bytes("reply.docx", plain) == []


def test_it_finds_annotations_javascript_and_attached_files_in_a_pdf():
    found = screen_bytes(
        "reply.pdf", corpus.pdf_file(annotation=True, javascript=True, attachment=True)
    )
    assert only(found, "pdf_annotations").where == "page 2"
    assert only(found, "pdf_javascript").count == 1
    attached = only(found, "pdf_attachments")
    assert (attached.count, attached.personal_data_risk) == (1, True)
    assert only(found, "author_metadata").count == 1
    assert kinds(screen_bytes("reply.pdf", corpus.pdf_file())) == ["author_metadata"]


def test_it_says_a_pdf_needs_a_password():
    found = screen_bytes("reply.pdf", corpus.pdf_file(password="s3cret"))
    assert kinds(found) == ["password_protected"]


def test_it_says_an_encrypted_workbook_needs_a_password():
    found = screen_bytes("reply.xlsx", corpus.encrypted_xlsx())
    assert kinds(found) == ["password_protected"]
    assert screen_bytes("reply.ods", corpus.ods_file(encrypted=True))[0].kind == (
        "password_protected"
    )


def test_it_refuses_a_zip_bomb_before_unpacking_it():
    # 60 MB of blanks packed about 1000:1: refused from the zip's directory, nothing inflated.
    found = screen_bytes("reply.xlsx", corpus.zip_bomb_xlsx(megabytes=60))
    assert kinds(found) == ["unreadable"]
    assert "zip bomb" in found[0].where


def test_it_refuses_a_package_whose_parts_add_up_past_the_cap():
    found = screen_bytes("reply.xlsx", corpus.wide_zip_bomb(parts=200, megabytes_each=3))
    assert kinds(found) == ["unreadable"]
    assert "400 MB" in found[0].where


def test_it_refuses_a_package_bigger_than_the_unpacked_limit():
    limits = Limits(max_unpacked_bytes=20_000)
    found = screen_bytes("reply.xlsx", corpus.psni_like_xlsx(people=2000), limits)
    assert kinds(found) == ["unreadable"]


def test_a_zip_directory_that_understates_a_part_does_not_get_past_the_check():
    # The directory says 100 bytes; the part inflates to far more. Reading stops at what was
    # declared and the part fails its checksum: unreadable, and never inflated whole.
    data = corpus.understated_size(corpus.psni_like_xlsx(), "xl/worksheets/sheet2.xml", 100)
    found = screen_bytes("reply.xlsx", data)
    assert kinds(found) == ["unreadable"]


def test_it_refuses_billion_laughs_xml():
    found = screen_bytes("reply.xlsx", corpus.billion_laughs_xlsx())
    assert kinds(found) == ["unreadable"]
    assert "EntitiesForbidden" in found[0].where


def test_it_stops_at_its_time_limit():
    found = screen_bytes("reply.xlsx", corpus.psni_like_xlsx(), Limits(seconds=0))
    assert kinds(found) == ["unreadable"]
    assert "stopped after 0 seconds" in found[0].where


@pytest.mark.parametrize(
    "name", ["reply.xlsx", "reply.xls", "reply.docx", "reply.pdf", "reply.ods"]
)
def test_random_bytes_are_unreadable_whatever_they_are_called(name):
    found = screen_bytes(name, corpus.random_bytes())
    assert kinds(found) == ["unreadable"]


def test_a_file_over_the_size_cap_is_not_read():
    found = screen_bytes("reply.csv", b"a" * 2048, Limits(max_file_bytes=1024))
    assert kinds(found) == ["unreadable"]


def test_content_decides_the_format_not_the_name():
    found = screen_bytes("letter.pdf", corpus.psni_like_xlsx())
    assert kinds(found) == ["hidden_sheet"]


def test_images_emails_and_plain_csv_are_not_findings():
    assert screen_bytes("photo.png", b"\x89PNG\r\n\x1a\n" + bytes(100)) == []
    assert screen_bytes("FOI-1.eml", b"From: a@b\r\n\r\nhi") == []
    assert screen_bytes("reply.csv", b"force,value\nKent,361\n") == []
    assert kinds(screen_bytes("reply.csv", b"\x00\x01binary")) == ["unreadable"]


def test_every_kind_is_in_the_issues_vocabulary():
    assert set(KINDS) == {
        "hidden_sheet", "very_hidden_sheet", "hidden_rows", "hidden_columns", "pivot_cache",
        "external_link", "data_connection", "comments", "white_or_tiny_text", "defined_names",
        "author_metadata", "tracked_changes", "embedded_file", "macro", "pdf_annotations",
        "pdf_attachments", "pdf_javascript", "password_protected", "unreadable",
    }  # fmt: skip
    assert PERSONAL_DATA_KINDS <= set(KINDS)


def test_the_sandbox_gives_the_same_findings_as_in_process():
    data = corpus.pivot_xlsx(records=30)
    assert screen_sandboxed("reply.xlsx", data) == screen_bytes("reply.xlsx", data)


def test_a_child_that_runs_out_of_memory_gives_a_finding_not_a_crash():
    # 20 MB of address space is less than Python already holds: the child fails at its next
    # allocation, whether it then dies or reports it.
    found = screen_sandboxed("reply.xlsx", corpus.clean_xlsx(), memory_mb=20)
    assert kinds(found) == ["unreadable"]
    assert "memory" in found[0].where


def test_the_screening_package_does_not_import_django():
    code = (
        "import sys, requests_app.screening as s, requests_app.screening.sandbox;"
        "from requests_app.screening import xlsx, xls, odf, docx, pdf;"
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] == 'django')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", "import json;" + code],
        cwd=PROJECT_ROOT,
        capture_output=True,
        check=True,
    )
    assert json.loads(result.stdout) == []


def test_a_child_that_overruns_its_time_is_stopped_with_a_finding():
    # No Python starts, let alone reads a workbook, in a hundredth of a second.
    found = screen_sandboxed("reply.xlsx", corpus.clean_xlsx(), seconds=0.01)
    assert kinds(found) == ["unreadable"]
    assert found[0].where == "screening stopped after 0.01 seconds"


def test_it_reads_an_opendocument_text_letter():
    found = screen_bytes("letter.odt", corpus.odt_file())
    assert sorted(kinds(found)) == ["comments", "tracked_changes", "white_or_tiny_text"]
    assert not any(f.personal_data_risk for f in found)
