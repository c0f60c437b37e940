"""A campaign's "how each force answered" page and its CSV (issue 12, section 3)."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from requests_app.access import get_campaign_for_user, view_required
from requests_app.body_words import body_nouns
from requests_app.selectors.answering import AWAITING, EXTENDED, ForceAnswer, campaign_answering
from requests_app.tabular import write_csv

# Column -> the value sorted on; None (nothing to show) goes after every value whichever way the
# column is sorted, so forces yet to answer never top a "most working days" list.
ANSWER_SORTS = {
    "rank": None,  # the table's own order (answering.py method_words)
    "force": lambda a: a.force_name.lower(),
    "outcome": lambda a: a.outcome,
    "days": lambda a: a.working_days,
    "due": lambda a: a.due,
    "answered": lambda a: a.answered_on,
    "late": lambda a: a.late_by,
    "review": lambda a: a.internal_review,
}


def _sorted(rows: list[ForceAnswer], sort: str) -> list[ForceAnswer]:
    value = ANSWER_SORTS[sort.lstrip("-")]
    descending = sort.startswith("-")
    if value is None:
        return rows[::-1] if descending else rows
    known = [a for a in rows if value(a) is not None]
    # Stable sorts: by name first, so equal values list alphabetically in both directions.
    known.sort(key=lambda a: a.force_name)
    known.sort(key=value, reverse=descending)
    return known + [a for a in rows if value(a) is None]


@view_required
def campaign_answering_page(request, slug):
    campaign = get_campaign_for_user(request, slug)
    table = campaign_answering(campaign)
    sort = request.GET.get("sort", "rank")
    if sort.lstrip("-") not in ANSWER_SORTS:
        sort = "rank"
    today = timezone.localdate()
    # Each force's row links to its request; one query for the whole campaign.
    links = list(
        campaign.requests.values_list("force__slug", "pk", "force__kind", "force__country")
    )
    request_urls = {
        force_slug: reverse("request_detail", args=[pk]) for force_slug, pk, *_ in links
    }
    nouns = body_nouns((kind, country) for *_, kind, country in links)
    rows = [
        {
            "answer": answer,
            "url": request_urls.get(answer.force_slug),
            "overdue": answer.outcome in (AWAITING, EXTENDED)
            and answer.due is not None
            and answer.due < today,
        }
        for answer in _sorted(table.rows, sort)
    ]
    return render(
        request,
        "requests_app/answering.html",
        {
            "campaign": campaign,
            "table": table,
            "summary": table.summary,
            "rows": rows,
            "sort": sort,
            "nouns": nouns,
        },
    )


CSV_COLUMNS = [
    "rank",
    "force",
    "force_code",
    "outcome",
    "working_days",
    "due",
    "answered_on",
    "on_time",
    "late_by",
    "internal_review",
]


def _yes_no(value: bool | None) -> str | None:
    return None if value is None else ("yes" if value else "no")


@view_required
def campaign_answering_csv(request, slug):
    campaign = get_campaign_for_user(request, slug)
    table = campaign_answering(campaign)
    rows = [CSV_COLUMNS] + [
        [
            a.rank,
            a.force_name,
            a.force_code,
            a.outcome,
            a.working_days,
            a.due,
            a.answered_on,
            _yes_no(a.on_time),
            a.late_by,
            a.internal_review,
        ]
        for a in table.rows
    ]
    response = HttpResponse(write_csv(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{campaign.slug}-answering.csv"'
    return response
