"""Reads: one body's record across campaigns (the force page), and saved lists' sizes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Count

from requests_app.models import Force, ForceList
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


# Saved lists ---------------------------------------------------------------------------------


def list_sizes(lists) -> list[tuple[ForceList, int]]:
    """Each saved list with how many bodies it asks: a ticked list counts its ticks, a computed
    one the registry's active bodies of its kind and nation. Three queries for any number."""
    lists = list(lists.prefetch_related("forces"))
    by_kind: dict[tuple[str, str], int] = {}
    for kind, country, n in (
        Force.objects.filter(active=True)
        .values_list("kind", "country")
        .annotate(n=Count("pk"))
        .values_list("kind", "country", "n")
    ):
        by_kind[(kind, country)] = n
    sizes = []
    for force_list in lists:
        if force_list.computed:
            size = sum(
                n
                for (kind, country), n in by_kind.items()
                if kind == force_list.kind and force_list.nation in ("", country)
            )
        else:
            size = len(force_list.forces.all())
        sizes.append((force_list, size))
    return sizes


def list_member_ids(lists) -> dict[int, list[int]]:
    """{list id: its bodies' ids}, computed lists as the registry stands: three queries for
    any number of lists (the campaign form ticks a list's bodies when it is chosen)."""
    lists = list(lists.prefetch_related("forces"))
    active = list(Force.objects.filter(active=True).values_list("pk", "kind", "country"))
    return {
        fl.pk: (
            [pk for pk, kind, country in active if kind == fl.kind and fl.nation in ("", country)]
            if fl.computed
            else [f.pk for f in fl.forces.all()]
        )
        for fl in lists
    }
