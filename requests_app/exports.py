"""A campaign's request list as CSV and XLSX: the columns FOI platform users ask for.

Written by the shared writer (requests_app/tabular.py), which neutralises text a spreadsheet
would run as a formula (a force reference or note beginning with "=").
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from requests_app.selectors.requests import RequestRow
from requests_app.tabular import iter_csv, write_xlsx

COLUMNS = [
    "force",
    "force_code",
    "law",
    "status",
    "outcome",
    "exemptions",
    "sent_on",
    "received_on",
    "acknowledged_on",
    "due_on",
    "answered_on",
    "working_days_taken",
    "working_days_late",
    "force_reference",
    "review_requested_on",
    "review_due_on",
    "review_answered_on",
    "review_outcome",
    "complaint_window_closes_on",
    "complained_on",
    "decision_on",
    "decision_outcome",
    # What the body is (issue 30): police, council, nhs...; last, so the columns before it
    # stay where police campaigns' readers look for them.
    "body_kind",
]


def row_values(row: RequestRow) -> list:
    foi = row.foi
    return [
        foi.force.name,
        foi.force.ons_code,
        foi.force.law.upper(),
        foi.get_status_display(),
        foi.get_outcome_display(),
        row.exemption_labels,
        foi.sent_on,
        foi.received_on,
        foi.acknowledged_on,
        foi.due_on,
        foi.answered_on,
        row.working_days_taken,
        row.working_days_late,
        foi.force_reference,
        foi.review_requested_on,
        row.review_due_on,
        foi.review_answered_on,
        foi.get_review_outcome_display(),
        row.complaint_window_closes_on,
        foi.complained_on,
        foi.decision_on,
        foi.get_decision_outcome_display(),
        foi.force.kind,
    ]


def _rows(rows: Iterable[RequestRow]) -> Iterator[list]:
    yield COLUMNS
    for row in rows:
        yield row_values(row)


def requests_csv_chunks(rows: Iterable[RequestRow]) -> Iterator[bytes]:
    """The requests as CSV in UTF-8 pieces, for a streamed response."""
    for piece in iter_csv(_rows(rows)):
        yield piece.encode()


def requests_xlsx(rows: Iterable[RequestRow], title: str) -> bytes:
    return write_xlsx({"Requests": _rows(rows)}, title=title, freeze_header=True)
