"""The dashboard: what needs this person today, then what is overdue or due soon, by campaign.

foi_tracker/pages/dashboard.py wires it, adding the figures' lists (requests_app knows no
figures)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from django.db.models import Exists, QuerySet
from django.shortcuts import render
from django.utils import timezone

from requests_app.access import view_required
from requests_app.calendars import calendars_with_key
from requests_app.deadline_cards import fill_deadline_cards
from requests_app.models import Campaign, CampaignDeadlineCounts, FoiRequest
from requests_app.needs_you import DashboardSection
from requests_app.needs_you_cache import cached_needs_you
from requests_app.selectors.campaigns import campaigns_with_progress
from requests_app.selectors.counting import counts_of
from requests_app.selectors.deadlines import (
    DUE_SOON_WORKING_DAYS,
    bouncing_requests,
    campaign_deadlines,
    campaigns_with_deadlines,
    complaint_windows_closing,
    owed_by_forces,
)
from requests_app.selectors.quarantine import dashboard_sections as quarantine_sections
from requests_app.selectors.requests import figures_unrecorded_requests, new_reply_requests
from requests_app.services.deadline_counts import deadline_counts_refresh
from requests_app.text import long_date, long_day, plural
from requests_app.views.paging import paged
from requests_app.workflow import Status

NEEDS_YOU_PER_PAGE = 10
CAMPAIGNS_PER_PAGE = 20
# A campaign's card lists its first requests due; the campaign page has them all, sortable.
DEADLINE_ROWS_PER_CAMPAIGN = 10


def _item(foi: FoiRequest, detail: str, anchor: str = "") -> dict:
    return {
        "label": foi.force.name,
        "url": foi.get_absolute_url() + anchor,
        "detail": detail,
        "campaign": foi.campaign.title,
        "campaign_url": foi.campaign.get_absolute_url(),
    }


def _late_detail(foi: FoiRequest, cal, today: date) -> str:
    what = "Internal review" if foi.status == Status.REVIEW_REQUESTED else "Answer"
    late = plural(cal.working_days_between(foi.next_due_on, today), "working day")
    long = " (long overdue)" if foi.is_long_overdue(today) else ""
    return f"{what} was due {long_day(foi.next_due_on)}: {late} late{long}"


def request_sections(requests, today: date, cals, *, yours: bool) -> list[DashboardSection]:
    """The requests among `requests` (those of the campaigns this person owns, or of all) that
    need someone, as the digest lists them to a campaign's owner (selectors/reminder_digests.py
    reads the same selectors)."""
    where = "your campaigns" if yours else "all campaigns"
    return [
        DashboardSection(
            key="replies",
            title="New replies: record the response",
            items=new_reply_requests(requests),
            item=lambda foi: _item(
                foi,
                f"Reply received {long_date(timezone.localtime(foi.new_reply_at))}",
                "#new-reply",
            ),
        ),
        DashboardSection(
            key="unrecorded",
            title="Figures in, response not recorded",
            items=figures_unrecorded_requests(requests),
            item=lambda foi: _item(
                foi, f"Still {foi.get_status_display().lower()}: record the force's response"
            ),
        ),
        DashboardSection(
            key="overdue",
            title=f"Overdue on {where}",
            items=owed_by_forces(requests, today),
            item=lambda foi: _item(foi, _late_detail(foi, cals[foi.force.law], today)),
        ),
        DashboardSection(
            key="bouncing",
            title="FOI addresses bouncing",
            items=bouncing_requests(requests),
            item=lambda foi: _item(
                foi, f"Mail to {foi.force.foi_email} bounced: {foi.force.email_failure}"
            ),
        ),
        DashboardSection(
            key="complaints",
            title=f"Complaint windows closing on {where}",
            items=complaint_windows_closing(requests, today=today, cals=cals),
            item=lambda window: _item(
                window.foi,
                f"Last day to complain to the {window.commissioner}: {long_day(window.closes_on)}",
            ),
        ),
    ]


def _paginated(request, section: DashboardSection, count: int | None) -> dict:
    """One list as shown, in plain values only (needs_you_cache.py stores it)."""
    listed = paged(
        request,
        section.items,
        param=f"{section.key}_page",
        per_page=NEEDS_YOU_PER_PAGE,
        count=count,
    )
    return {
        "key": section.key,
        "title": section.title,
        "count": listed.page.paginator.count,
        "items": [section.item(row) for row in listed.page.object_list],
        "number": listed.page.number,
        "num_pages": listed.page.paginator.num_pages,
        "previous_url": listed.previous_url,
        "next_url": listed.next_url,
        "url": section.url,
        "url_label": section.url_label,
    }


# figure_sections(user, today) -> the figures' lists for this person (foi_tracker builds them).
SectionsFor = Callable[..., list[DashboardSection]]


def needs_you(
    request, today: date, cals, *, scope: str, figure_sections: SectionsFor
) -> list[dict]:
    """Files quarantined, then the figures' lists (waiting for your review, sent back to you),
    then the requests of the campaigns in `scope`; only the lists with something in them.
    Worked out on a miss of needs_you_cache.py."""
    requests = FoiRequest.objects.all()
    if scope == "mine":
        requests = requests.filter(campaign__owner=request.user)
    sections = quarantine_sections(request.user, today) + figure_sections(request.user, today)
    sections += request_sections(requests, today, cals, yours=scope == "mine")
    # Every list's length in one query; a list with nothing in it costs nothing more.
    counted = [s for s in sections if isinstance(s.items, QuerySet)]
    counts = dict(zip((s.key for s in counted), counts_of([s.items for s in counted]), strict=True))
    shown = []
    for section in sections:
        count = counts.get(section.key)
        if count == 0:
            continue
        listed = _paginated(request, section, count)
        if listed["count"]:
            shown.append(listed)
    return shown


def deadline_campaigns(request, today: date, *, scope: str):
    """The page of campaigns with something overdue or due soon, from the counts stored per
    campaign (issue 28), with the paging. The counts are of the day they were counted on: when
    any is older than today (the beat job has not run since midnight) or none was counted today,
    every campaign is counted again first, once, and the page read again."""
    listed = campaigns_with_deadlines(
        today, owner=request.user if scope == "mine" else None
    ).annotate(stale=Exists(CampaignDeadlineCounts.objects.filter(counted_on__lt=today)))
    for attempt in range(2):
        deadlines = paged(request, listed, param="page", per_page=CAMPAIGNS_PER_PAGE)
        shown = list(deadlines.page.object_list)
        fresh = (
            not shown[0]["stale"]
            if shown
            else CampaignDeadlineCounts.objects.filter(counted_on=today).exists()
        )
        if fresh or attempt:
            break
        deadline_counts_refresh(today=today)
    return [campaign_deadlines(row) for row in shown], deadlines


@view_required
def dashboard(request, *, figure_sections: SectionsFor):
    today = timezone.localdate()
    cals, calendars_key = calendars_with_key()
    # Your campaigns (the digest's choice) by default; all of them for someone who owns none.
    # The list of yours, read first, says whether you own any (no query of its own).
    mine = list(
        campaigns_with_progress(Campaign.objects.filter(owner=request.user), today).order_by(
            "-created_at"
        )[:CAMPAIGNS_PER_PAGE]
    )
    owns_any = bool(mine)
    scope = request.GET.get("campaigns")
    if scope not in ("mine", "all"):
        scope = "mine" if owns_any else "all"
    campaigns, deadlines = deadline_campaigns(request, today, scope=scope)
    fill_deadline_cards(
        campaigns,
        today=today,
        cals=cals,
        calendars_key=calendars_key,
        working_days=DUE_SOON_WORKING_DAYS,
        per_campaign=DEADLINE_ROWS_PER_CAMPAIGN,
    )
    return render(
        request,
        "requests_app/dashboard.html",
        {
            "needs_you": cached_needs_you(
                request,
                scope=scope,
                today=today,
                calendars_key=calendars_key,
                work_out=lambda: needs_you(
                    request, today, cals, scope=scope, figure_sections=figure_sections
                ),
            ),
            "deadline_campaigns": campaigns,
            "deadline_page": deadlines.page,
            "deadline_previous_url": deadlines.previous_url,
            "deadline_next_url": deadlines.next_url,
            "scope": scope,
            "campaigns": mine,
            "owns_any": owns_any,
            "today": today,
            "due_soon_days": DUE_SOON_WORKING_DAYS,
        },
    )
