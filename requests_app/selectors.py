"""Reads: campaign progress, request rows with their computed dates, dashboard lists."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import connection
from django.db.models import (
    Case,
    Count,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
    Window,
    prefetch_related_objects,
)
from django.db.models.functions import Coalesce, RowNumber
from django.urls import reverse

from requests_app.answering import (
    NOT_ANSWERED,
    AnswerTiming,
    TimingSummary,
    answer_timing,
    timing_summary,
)
from requests_app.calendars import calendars
from requests_app.clock import request_deadlines
from requests_app.deadlines import FOISA, WorkingCalendar
from requests_app.exemptions import short_label
from requests_app.force_names import ForceNameError, ForceResolver
from requests_app.letters import Letter, request_letter
from requests_app.models import (
    AttachmentScreening,
    Campaign,
    FoiRequest,
    Force,
    RequestAttachment,
    SentRequest,
)
from requests_app.models.outbox import SendStatus
from requests_app.models.requests import figures_unrecorded_q, overdue_q
from requests_app.workflow import ANSWERED_STATES, AWAITING_RESPONSE, CLOCK_STOPPED, Status

# Windows shared by the morning digest (services/reminders_owed.py) and the dashboard, so that
# both say the same (issue 4): answers due within 3 working days, complaint windows closing
# within 5 working days.
DUE_SOON_WORKING_DAYS = 3
COMPLAINT_WINDOW_WARNING_WORKING_DAYS = 5
# The longest complaint window (SIC: 6 months); older review answers cannot be in the window.
COMPLAINT_LOOKBACK = timedelta(days=190)
# Statuses in which the force owes something with a date (an answer or a review answer).
CHASED_STATUSES = AWAITING_RESPONSE | {Status.REVIEW_REQUESTED}


@dataclass
class RequestRow:
    """A request with everything the campaign table, CSV and API show about it."""

    foi: FoiRequest
    overdue: bool
    long_overdue: bool
    working_days_left: int | None
    working_days_late: int | None
    working_days_taken: int | None
    pit_beyond_limit: bool
    complaint_window_closes_on: date | None
    review_due_on: date | None
    answer_timing: AnswerTiming = NOT_ANSWERED

    @property
    def exemption_labels(self) -> str:
        return "; ".join(short_label(code) for code in self.foi.exemptions)


def request_row(foi: FoiRequest, cal: WorkingCalendar, today: date) -> RequestRow:
    d = request_deadlines(foi, cal)
    # Annotated by with_figures_unrecorded_flag(): figures are in, so nothing is owed (the
    # same rule as the overdue counts and chips; without the annotation, as before).
    owed = not getattr(foi, "figures_unrecorded", False)
    overdue = owed and foi.is_overdue(today)
    left = late = None
    if foi.next_due_on and owed:
        if overdue:
            late = cal.working_days_between(foi.next_due_on, today)
        else:
            left = cal.working_days_between(today, foi.next_due_on)
    # The answer's own timing (answering.py, the one definition); a review overdue now is the
    # lateness shown unless the answer itself was late.
    timing = answer_timing(foi, cal)
    if timing.late_by or late is None:
        late = timing.late_by
    return RequestRow(
        foi=foi,
        overdue=overdue,
        long_overdue=owed and foi.is_long_overdue(today),
        working_days_left=left,
        working_days_late=late,
        working_days_taken=timing.working_days,
        pit_beyond_limit=d.pit_beyond_limit,
        complaint_window_closes_on=d.complaint_window_closes_on,
        review_due_on=d.review_due_on,
        answer_timing=timing,
    )


def campaign_requests(campaign: Campaign) -> QuerySet[FoiRequest]:
    return (
        campaign.requests.select_related("force")
        .with_figures_unrecorded_flag()
        .order_by("force__name")
    )


def figures_unrecorded_requests(queryset: QuerySet[FoiRequest] | None = None) -> QuerySet:
    """Requests awaiting a response whose figures are in ("figures in, response not
    recorded"): figures_app could not tell the outcome from them (all refused or not held, or
    only some of what was asked), so a person records it from the letter. Not chased, not
    overdue."""
    queryset = FoiRequest.objects.all() if queryset is None else queryset
    return (
        queryset.figures_unrecorded()
        .select_related("force", "campaign")
        .order_by("campaign__title", "force__name")
    )


def new_reply_requests(queryset: QuerySet[FoiRequest] | None = None) -> QuerySet[FoiRequest]:
    """Requests with a reply nobody has recorded yet ("new reply: record the response"),
    oldest reply first: set when a reply is filed, cleared when a person records the response
    or says there is nothing to record (services/mail_in.py)."""
    queryset = FoiRequest.objects.all() if queryset is None else queryset
    return (
        queryset.filter(new_reply_at__isnull=False)
        .select_related("force", "campaign")
        .order_by("new_reply_at", "pk")
    )


def request_rows(requests, today: date, *, cals=None) -> list[RequestRow]:
    """Rows for many requests with a constant number of queries (one for the calendars). The
    calendars are cached per process (calendars.py) and count in O(log h) (deadlines.py), so the
    per-row dates cost microseconds, not a day-by-day walk per date."""
    cals = cals or calendars()
    return [request_row(foi, cals[foi.force.law], today) for foi in requests]


def status_counts(campaign: Campaign) -> list[tuple[str, str, int]]:
    """(status, label, count) for every status present, in lifecycle order."""
    counts = dict(
        campaign.requests.values_list("status").annotate(n=Count("pk")).values_list("status", "n")
    )
    return [(s.value, s.label, counts[s.value]) for s in Status if counts.get(s.value)]


@dataclass
class CampaignProgress:
    """The progress line. Every request is in exactly one of draft, awaiting, paused, answered
    and withdrawn (the five add up to total, as the status chips do); overdue and
    figures_unrecorded are parts of those (late ones, and awaiting ones whose figures are in)."""

    total: int
    draft: int
    awaiting: int
    paused: int
    overdue: int
    answered: int
    withdrawn: int
    figures_unrecorded: int
    new_reply: int  # a reply filed that nobody has recorded yet (any status)
    # status -> count, read in the same query: the campaign page's status chips (status_counts).
    by_status: dict[str, int] = field(default_factory=dict)

    def status_counts(self) -> list[tuple[str, str, int]]:
        """status_counts(campaign), from this progress's own query."""
        return [
            (s.value, s.label, self.by_status[s.value])
            for s in Status
            if self.by_status.get(s.value)
        ]

    @property
    def answered_pct(self) -> float:
        return 100 * self.answered / self.total if self.total else 0.0


def campaign_progress(campaign: Campaign, today: date) -> CampaignProgress:
    """One GROUP BY status with three filtered counts; the line's other numbers are sums of
    statuses. (Twenty-odd filtered COUNTs in one aggregate cost more to build in Django than the
    query took to run: this was a sixth of the campaign page's time under load.)"""
    return _progress(
        campaign.requests.order_by()
        .values("status")
        .annotate(
            n=Count("pk"),
            n_overdue=Count("pk", filter=overdue_q(today)),
            n_unrecorded=Count("pk", filter=figures_unrecorded_q()),
            n_new_reply=Count("pk", filter=Q(new_reply_at__isnull=False)),
        )
        .values_list("status", "n", "n_overdue", "n_unrecorded", "n_new_reply")
    )


def progress_of_rows(rows: list[RequestRow]) -> CampaignProgress:
    """campaign_progress from the rows of all of a campaign's requests, already read for its
    page (request_rows over campaign_requests): no query. Row by row, the same tests as the
    query's: row.overdue is overdue_q, the figures_unrecorded annotation is figures_unrecorded_q
    (tests/requests_app/test_campaign_rows.py holds the two to the same numbers)."""
    tally: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for row in rows:
        counts = tally[row.foi.status]
        counts[0] += 1
        counts[1] += row.overdue
        counts[2] += bool(getattr(row.foi, "figures_unrecorded", False))
        counts[3] += row.foi.new_reply_at is not None
    return _progress((status, *counts) for status, counts in tally.items())


def _progress(by_status_rows) -> CampaignProgress:
    """CampaignProgress from (status, requests, overdue, figures unrecorded, new reply) rows."""
    by_status: dict[str, int] = {}
    overdue = figures_unrecorded = new_reply = 0
    for status, n, n_overdue, n_unrecorded, n_new_reply in by_status_rows:
        by_status[status] = n
        overdue += n_overdue
        figures_unrecorded += n_unrecorded
        new_reply += n_new_reply

    def among(statuses) -> int:
        return sum(by_status.get(s, 0) for s in statuses)

    return CampaignProgress(
        total=sum(by_status.values()),
        draft=by_status.get(Status.DRAFT, 0),
        awaiting=among(AWAITING_RESPONSE),
        # Clarification asked or fees notice: the clock waits for us. Left out before, so the
        # line did not add up to the "All" chip.
        paused=among(CLOCK_STOPPED),
        overdue=overdue,
        answered=among(ANSWERED_STATES),
        withdrawn=by_status.get(Status.WITHDRAWN, 0),
        figures_unrecorded=figures_unrecorded,
        new_reply=new_reply,
        by_status=by_status,
    )


def requests_counted(where: Q) -> Coalesce:
    """The number of the campaign's requests matching `where`, as an annotation on campaigns.

    A subquery per campaign over its own requests (the campaign index), not a join of every
    request grouped by campaign: `where` is written on requests themselves, so the test for
    figures (overdue_q) is a correlated EXISTS probed only for the rows that reach it, where
    through the join it was an IN over every request with figures, built again for each count
    (half a second on the dashboard at 48k requests and 1.7M figures)."""
    counted = (
        FoiRequest.objects.filter(campaign=OuterRef("pk"))
        .filter(where)
        .order_by()
        .values("campaign")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def with_files(foi: FoiRequest) -> FoiRequest:
    """`foi` with its files read once (who stored each, its screening) for everything on its
    page: the list of attachments, the timeline's, the figures grid's file choice."""
    prefetch_related_objects(
        [foi],
        Prefetch(
            "attachments",
            queryset=RequestAttachment.objects.select_related("uploaded_by", "screening"),
        ),
    )
    return foi


def screenings_of(attachments: list[RequestAttachment]) -> dict[int, AttachmentScreening]:
    """attachment id -> its screening, from files read with with_files (no query)."""
    found = {}
    for attachment in attachments:
        try:
            found[attachment.pk] = attachment.screening
        except AttachmentScreening.DoesNotExist:
            pass  # stored before screening existed
    return found


def campaigns_with_progress(queryset: QuerySet[Campaign], today: date) -> QuerySet[Campaign]:
    return queryset.select_related("owner").annotate(
        n_requests=requests_counted(Q()),
        n_answered=requests_counted(Q(status__in=ANSWERED_STATES)),
        n_overdue=requests_counted(overdue_q(today)),
    )


@dataclass
class SendPlan:
    """What sending a set of requests would do, force by force (the preview, the command)."""

    ready: list[tuple[FoiRequest, Letter]]
    no_address: list[FoiRequest]
    sending: list[FoiRequest]  # claimed by a worker now (not yet stale)
    not_draft: list[FoiRequest]  # already sent (by the tracker or marked by hand), or closed

    @property
    def ready_ids(self) -> list[int]:
        return [foi.pk for foi, _ in self.ready]


def send_plan(requests: QuerySet[FoiRequest], *, stale_before: datetime) -> SendPlan:
    """Sort `requests` into those that would go now and those that cannot, and why.

    A draft whose sent-log claim failed or went stale (`stale_before`) is ready again.
    """
    plan = SendPlan(ready=[], no_address=[], sending=[], not_draft=[])
    rows = (
        requests.select_related("force", "campaign", "sent_log")
        .prefetch_related("campaign__periods")
        .order_by("force__name")
    )
    for foi in rows:
        claim = foi.sent_log if _has_sent_log(foi) else None
        if foi.status != Status.DRAFT or (claim and claim.status == SendStatus.SENT):
            plan.not_draft.append(foi)
        elif not foi.force.foi_email:
            plan.no_address.append(foi)
        elif claim and claim.status == SendStatus.CLAIMED and claim.claimed_at >= stale_before:
            plan.sending.append(foi)
        else:
            plan.ready.append((foi, request_letter(foi, list(foi.campaign.periods.all()))))
    return plan


def _has_sent_log(foi: FoiRequest) -> bool:
    try:
        foi.sent_log  # noqa: B018 - the reverse one-to-one raises when there is no row
    except SentRequest.DoesNotExist:
        return False
    return True


# Deadlines: the definitions the dashboard, the digest and the campaign page share ------------


def due_soon_q(
    today: date, cals: dict[str, WorkingCalendar], working_days: int, prefix: str = ""
) -> Q:
    """Due from today to the `working_days`-th working day after it on each force's own calendar,
    and owed (not a request whose figures are in): FoiRequestQuerySet.due_within as a Q, so it
    also counts through a relation (`prefix` "requests__" from a campaign)."""
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
    deadline_rows: list[RequestRow] = field(default_factory=list)
    rows_html: str = ""  # the rows written for the page (campaign_rows.deadline_rows_html)

    def get_absolute_url(self) -> str:
        return reverse("campaign_detail", args=[self.slug])

    @property
    def n_more(self) -> int:
        """Requests counted here beyond the rows listed (a card lists the first few)."""
        return self.n_overdue + self.n_due_soon - len(self.deadline_rows)


def campaigns_with_deadlines(
    today: date,
    cals: dict[str, WorkingCalendar],
    working_days: int,
    *,
    owner: AbstractBaseUser | None = None,
) -> list[CampaignDeadlines]:
    """The campaigns (of `owner`, or all) with something overdue or due soon, the most overdue
    first, in one query.

    Counted by campaign twice: the overdue (overdue_q), with the long overdue among them (past
    next_long_overdue_on too), read from the partial index of owed requests by due date alone;
    and the due soon (due_soon_q), which needs each force's calendar. The two are added up by
    campaign, with its title for the order. (One GROUP BY over both sets read every owed row
    from the table and joined the forces to all of them: twice the time at 48k requests.)"""
    scoped = FoiRequest.objects.all()
    if owner is not None:
        scoped = scoped.filter(campaign__owner=owner)
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
    campaigns = connection.ops.quote_name(Campaign._meta.db_table)
    sql = f"""
        SELECT c.id, c.slug, c.title, SUM(t.n_overdue), SUM(t.n_long), SUM(t.n_soon)
        FROM (
            SELECT o.campaign_id, o.n AS n_overdue, o.n_long, 0 AS n_soon FROM ({overdue_sql}) o
            UNION ALL
            SELECT s.campaign_id, 0, 0, s.n FROM ({soon_sql}) s
        ) t
        JOIN {campaigns} c ON c.id = t.campaign_id
        GROUP BY c.id, c.slug, c.title
        ORDER BY 4 DESC, 6 DESC, c.title, c.id
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, (*overdue_params, *soon_params))
        return [
            CampaignDeadlines(pk, slug, title, int(n), int(n_long), int(n_soon))
            for pk, slug, title, n, n_long, n_soon in cursor.fetchall()
        ]


def deadline_rows_by_campaign(
    campaign_ids: list[int],
    today: date,
    cals: dict[str, WorkingCalendar],
    working_days: int,
    *,
    per_campaign: int,
) -> dict[int, list[RequestRow]]:
    """campaign id -> rows of its first `per_campaign` overdue and due-soon requests (the same
    two definitions as campaigns_with_deadlines), soonest due first. One query for any number of
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


# Search --------------------------------------------------------------------------------------

_OUR_REFERENCE = re.compile(r"^\s*(?:foi\s*[-\s]?\s*)?#?(\d{1,9})\s*$", re.IGNORECASE)


def our_reference_id(query: str) -> int | None:
    """The request id in "FOI-123", "foi 123", "#123" or "123"; None for anything else."""
    match = _OUR_REFERENCE.match(query)
    return int(match.group(1)) if match else None


def search_campaigns(query: str) -> QuerySet[Campaign]:
    return (
        Campaign.objects.filter(Q(title__icontains=query) | Q(slug__icontains=query))
        .select_related("owner")
        .order_by("-created_at", "pk")
    )


def search_forces(query: str) -> QuerySet[Force]:
    """Forces by name, short name, alias or former name, or ONS code: a substring anywhere, or
    the loose match used for input everywhere (force_names: "Devon & Cornwall", "the Met")."""
    q = (
        Q(name__icontains=query)
        | Q(short_name__icontains=query)
        | Q(ons_code__iexact=query.strip())
        | Q(pk__in=Force.objects.filter(aliases__name__icontains=query).values("pk"))
    )
    try:
        loose = ForceResolver().resolve(query)
    except ForceNameError as exc:
        # Ambiguous ("Yorkshire"): each force it could mean.
        if exc.suggestions and "more than one" in str(exc):
            q |= Q(name__in=exc.suggestions)
    else:
        q |= Q(pk=loose.pk)
    return Force.objects.filter(q).prefetch_related("aliases").order_by("name")


def search_requests(query: str) -> QuerySet[FoiRequest]:
    """Requests by our reference ("FOI-123" or "123"), the force's reference, or the force they
    went to (named as search_forces finds it)."""
    text = query.strip()
    q = Q(force_reference__icontains=text) | Q(force__in=search_forces(text).values("pk"))
    ref = our_reference_id(text)
    if ref is not None:
        q |= Q(pk=ref)
    return (
        FoiRequest.objects.filter(q)
        .select_related("force", "campaign")
        # The request whose reference was typed comes first.
        .annotate(is_ref=Case(When(pk=ref or 0, then=Value(0)), default=Value(1)))
        .order_by("is_ref", "-campaign__created_at", "campaign_id", "force__name")
    )


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
