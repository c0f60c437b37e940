"""Reads: the deadline lists the dashboard, the morning digest and the campaign page share
(due soon, complaint windows closing, overdue, bouncing addresses), so that all say the same."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import connection
from django.db.models import Count, F, Q, QuerySet, Window
from django.db.models.functions import RowNumber
from django.urls import reverse

from requests_app.deadlines import FOISA, WorkingCalendar
from requests_app.models import CampaignDeadlineCounts, FoiRequest
from requests_app.models.requests import figures_unrecorded_q, overdue_q
from requests_app.selectors.clock import request_deadlines
from requests_app.selectors.data_versions import data_version_of
from requests_app.selectors.requests import RequestRow, request_rows
from requests_app.workflow import AWAITING_RESPONSE, Status

# Windows shared by the morning digest (selectors/reminder_digests.py) and the dashboard, so that
# both say the same (issue 4): answers due within 3 working days, complaint windows closing
# within 5 working days.
DUE_SOON_WORKING_DAYS = 3
COMPLAINT_WINDOW_WARNING_WORKING_DAYS = 5
# The longest complaint window (SIC: 6 months); older review answers cannot be in the window.
COMPLAINT_LOOKBACK = timedelta(days=190)
# Statuses in which the force owes something with a date (an answer or a review answer).
CHASED_STATUSES = AWAITING_RESPONSE | {Status.REVIEW_REQUESTED}


# Deadlines: the definitions the dashboard, the digest and the campaign page share ------------


def due_soon_q(
    today: date, cals: dict[str, WorkingCalendar], working_days: int, prefix: str = ""
) -> Q:
    """Due from today to the `working_days`-th working day after it on each force's own calendar,
    and owed (not a request whose figures are in); a Q, so it also counts through a relation
    (`prefix` "requests__" from a campaign)."""
    window = Q(**{f"{prefix}pk__isnull": True})  # never true: a neutral start
    for law, cal in cals.items():
        window |= Q(
            **{
                f"{prefix}force__law": law,
                f"{prefix}next_due_on__gte": today,
                f"{prefix}next_due_on__lte": cal.add_working_days(today, working_days),
            }
        )
    return window & ~figures_unrecorded_q(prefix)


@dataclass
class ComplaintWindow:
    foi: FoiRequest
    closes_on: date

    @property
    def commissioner(self) -> str:
        return "Scottish Information Commissioner" if self.foi.force.law == FOISA else "ICO"


def complaint_windows_closing(
    requests: QuerySet[FoiRequest],
    *,
    today: date,
    cals: dict[str, WorkingCalendar],
    working_days: int = COMPLAINT_WINDOW_WARNING_WORKING_DAYS,
) -> list[ComplaintWindow]:
    """Requests among `requests` whose review was answered and whose last day to complain to the
    ICO (or the SIC) falls from today to `working_days` working days ahead; soonest first.
    One query: the window is computed per row from the request's dates (clock.py)."""
    candidates = (
        requests.filter(
            status=Status.REVIEW_ANSWERED,
            review_answered_on__gte=today - COMPLAINT_LOOKBACK,
        )
        .select_related("force", "campaign")
        .order_by("review_answered_on", "pk")
    )
    # The end of the warning window depends on the law only: once per law, not once per row.
    last_day = {law: cal.add_working_days(today, working_days) for law, cal in cals.items()}
    closing = []
    for foi in candidates:
        law = foi.force.law
        closes = request_deadlines(foi, cals[law]).complaint_window_closes_on
        if closes and today <= closes <= last_day[law]:
            closing.append(ComplaintWindow(foi, closes))
    closing.sort(key=lambda w: (w.closes_on, w.foi.force.name))
    return closing


def bouncing_requests(requests: QuerySet[FoiRequest]) -> QuerySet[FoiRequest]:
    """Requests still to send or waiting on a force whose FOI address bounced."""
    return (
        requests.filter(
            force__email_failing_since__isnull=False,
            status__in=CHASED_STATUSES | {Status.DRAFT},
        )
        .select_related("force", "campaign")
        .order_by("campaign__title", "force__name")
    )


def owed_by_forces(requests: QuerySet[FoiRequest], today: date) -> QuerySet[FoiRequest]:
    """The overdue ones among `requests` (overdue_q: the campaign page's and API's count), the
    longest late first."""
    return (
        requests.filter(overdue_q(today))
        .select_related("force", "campaign")
        .order_by("next_due_on", "force__name", "pk")
    )


@dataclass
class CampaignDeadlines:
    """A campaign with something overdue or due soon, and how many: n_overdue (as on the
    campaign page and in the API), n_long_overdue (part of n_overdue) and n_due_soon."""

    pk: int
    slug: str
    title: str
    n_overdue: int
    n_long_overdue: int
    n_due_soon: int
    # The campaign's data version (services/data_versions.py), read with the counts: the
    # card's rows are cached under it (requests_app/deadline_cards.py).
    version: int = 0
    n_rows: int = 0  # how many rows the card lists
    rows_html: str = ""  # the rows written for the page (campaign_rows.deadline_rows_html)
    card_html: str = ""  # the whole card (campaign_rows.deadline_card_html)

    def get_absolute_url(self) -> str:
        return reverse("campaign_detail", args=[self.slug])

    @property
    def n_more(self) -> int:
        """Requests counted here beyond the rows listed (a card lists the first few)."""
        return self.n_overdue + self.n_due_soon - self.n_rows


def deadline_counts(
    today: date,
    cals: dict[str, WorkingCalendar],
    working_days: int,
    *,
    campaign_ids: list[int] | None = None,
) -> dict[int, tuple[int, int, int]]:
    """campaign id -> (overdue, long overdue, due soon) for the campaigns given (or all) with
    any, in one query: what services/deadline_counts.py stores for the dashboard.

    Counted by campaign twice: the overdue (overdue_q), with the long overdue among them (past
    next_long_overdue_on too), read from the partial index of owed requests by due date alone;
    and the due soon (due_soon_q), which needs each force's calendar. The two are added up by
    campaign. (One GROUP BY over both sets read every owed row from the table and joined the
    forces to all of them: twice the time at 48k requests.)"""
    scoped = FoiRequest.objects.all()
    if campaign_ids is not None:
        scoped = scoped.filter(campaign_id__in=campaign_ids)
    # Counted by next_due_on (never null here), not by id: then every column this reads is in
    # the partial index of owed requests, and PostgreSQL counts from the index alone.
    overdue = (
        scoped.filter(overdue_q(today))
        .order_by()
        .values("campaign_id")
        .annotate(
            n=Count("next_due_on"),
            n_long=Count("next_due_on", filter=Q(next_long_overdue_on__lt=today)),
        )
        .values("campaign_id", "n", "n_long")
    )
    due_soon = (
        scoped.filter(due_soon_q(today, cals, working_days))
        .order_by()
        .values("campaign_id")
        .annotate(n=Count("pk"))
        .values("campaign_id", "n")
    )
    overdue_sql, overdue_params = overdue.query.sql_with_params()
    soon_sql, soon_params = due_soon.query.sql_with_params()
    sql = f"""
        SELECT t.campaign_id, SUM(t.n_overdue), SUM(t.n_long), SUM(t.n_soon)
        FROM (
            SELECT o.campaign_id, o.n AS n_overdue, o.n_long, 0 AS n_soon FROM ({overdue_sql}) o
            UNION ALL
            SELECT s.campaign_id, 0, 0, s.n FROM ({soon_sql}) s
        ) t
        GROUP BY t.campaign_id
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, (*overdue_params, *soon_params))
        return {
            pk: (int(n), int(n_long), int(n_soon)) for pk, n, n_long, n_soon in cursor.fetchall()
        }


def campaigns_with_deadlines(
    today: date, *, owner: AbstractBaseUser | None = None
) -> QuerySet[CampaignDeadlineCounts]:
    """The campaigns (of `owner`, or all) with something overdue or due soon, the most overdue
    first, from the counts stored for them (CampaignDeadlineCounts: the page is paginated in
    SQL, from the partial index, and builds only the rows it shows). `today` is checked by the
    caller: the counts are of the day they were counted on (refreshed when it moves)."""
    shown = CampaignDeadlineCounts.objects.filter(Q(overdue__gt=0) | Q(due_soon__gt=0))
    if owner is not None:
        shown = shown.filter(campaign__owner=owner)
    return (
        shown.annotate(version=data_version_of("campaign"))
        .order_by("-overdue", "-due_soon", "campaign__title", "campaign_id")
        .values(
            "campaign_id",
            "campaign__slug",
            "campaign__title",
            "overdue",
            "long_overdue",
            "due_soon",
            "counted_on",
            "version",
        )
    )


def campaign_deadlines(row: dict) -> CampaignDeadlines:
    """One row of campaigns_with_deadlines as the page shows it."""
    return CampaignDeadlines(
        row["campaign_id"],
        row["campaign__slug"],
        row["campaign__title"],
        row["overdue"],
        row["long_overdue"],
        row["due_soon"],
        row["version"],
    )


def deadline_rows_by_campaign(
    campaign_ids: list[int],
    today: date,
    cals: dict[str, WorkingCalendar],
    working_days: int,
    *,
    per_campaign: int,
) -> dict[int, list[RequestRow]]:
    """campaign id -> rows of its first `per_campaign` overdue and due-soon requests (the same
    two definitions as deadline_counts), soonest due first. One query for any number of
    campaigns."""
    requests = (
        FoiRequest.objects.filter(campaign_id__in=campaign_ids)
        .filter(overdue_q(today) | due_soon_q(today, cals, working_days))
        .select_related("force")
    )
    order = [F("next_due_on").asc(), F("force__name").asc(), F("pk").asc()]
    requests = requests.annotate(
        place=Window(RowNumber(), partition_by=F("campaign_id"), order_by=order)
    ).filter(place__lte=per_campaign)
    rows: dict[int, list[RequestRow]] = defaultdict(list)
    for row in request_rows(requests.order_by(*order), today, cals=cals):
        rows[row.foi.campaign_id].append(row)
    return rows
