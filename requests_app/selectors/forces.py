"""Reads: one force's record across campaigns (the force page)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from requests_app.models import Force
from requests_app.selectors.answering import TimingSummary, timing_summary
from requests_app.selectors.requests import RequestRow, request_rows

# A force's page ------------------------------------------------------------------------------


@dataclass
class ForceRecord:
    """How a force answers: its requests across campaigns and how fast it answered them, by the
    definitions the campaign's "how each force answered" table uses (answering.py)."""

    rows: list[RequestRow]
    summary: TimingSummary

    @property
    def answered(self) -> int:
        """Requests answered, with the dates to time them."""
        return self.summary.answered

    @property
    def on_time(self) -> int:
        return self.summary.on_time

    @property
    def late(self) -> int:
        return self.summary.late

    @property
    def median_working_days(self) -> float | None:
        return self.summary.median_working_days

    @property
    def on_time_pct(self) -> float | None:
        return self.summary.on_time_pct


def force_record(force: Force, today: date, *, cals=None) -> ForceRecord:
    """Every request to `force`, newest campaign first, and its answering record: the median
    working days from receipt (or clarification) to answer, and how many were answered by the
    due date. Two queries (the requests, the calendars) however many campaigns."""
    requests = (
        force.requests.select_related("force", "campaign")
        .with_figures_unrecorded_flag()
        .order_by("-campaign__created_at", "-pk")
    )
    rows = request_rows(requests, today, cals=cals)
    return ForceRecord(rows=rows, summary=timing_summary(r.answer_timing for r in rows))
