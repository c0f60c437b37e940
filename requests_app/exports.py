"""A campaign's request list as CSV and XLSX: the columns FOI platform users ask for."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import date

from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from requests_app.selectors import RequestRow

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
    ]


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def requests_csv(rows: Iterable[RequestRow]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow([_text(v) for v in row_values(row)])
    return out.getvalue()


def requests_xlsx(rows: Iterable[RequestRow], title: str) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "Requests"
    sheet.append(COLUMNS)
    for row in rows:
        sheet.append([v if v != "" else None for v in row_values(row)])
    for index, column in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = max(12, len(column) + 2)
        for cell in sheet[get_column_letter(index)][1:]:
            if isinstance(cell.value, date):
                cell.number_format = "yyyy-mm-dd"
    sheet.freeze_panes = "B2"
    book.properties.title = title[:255]
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
