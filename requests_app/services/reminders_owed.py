"""What the daily reminders job owes as of a day, worked out set-based, and the emails rendered.

Reads only; requests_app/services/reminders.py claims, sends and records. Two steps, so that
the run can work out everything owed in a few queries however many requests there are, and
render each email only when it is about to go (in the batch that sends it):

- `chasers_pending` / `digests_pending`: the sent-log keys owed and not yet settled (no row,
  or a failed or stale claim to take over). Chasers come out of one query per status group:
  whether a request's first or second chaser has fallen due is a date comparison against a
  threshold worked out once per calendar (`last_deadline_chased`), and the sent-log rows are
  joined in the same query, so a run that finds nothing new owed reads no request twice.
- `render_chasers` / `render_digests`: the emails for claimed keys, a batch at a time, with
  the batch's requests, periods and thread references loaded in bulk and each template
  compiled once per batch.
Chasers are keyed on the deadline they are about, so a missed day is caught up.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import F, FilteredRelation, Q
from django.template.loader import get_template
from django.urls import NoReverseMatch, reverse
from django.utils import dateformat, timezone

from requests_app import hooks
from requests_app.deadlines import FOIA, FOISA, WorkingCalendar
from requests_app.letters import from_address
from requests_app.models import Campaign, FoiRequest, SentReminder, StaffProfile
from requests_app.models.campaigns import ACT_NAMES, Period
from requests_app.models.reminders import ReminderKind, ReminderStatus
from requests_app.models.requests import figures_unrecorded_q
from requests_app.roles import ROLES
from requests_app.selectors.clock import request_deadlines
from requests_app.selectors.deadlines import (
    CHASED_STATUSES,
    DUE_SOON_WORKING_DAYS,
    bouncing_requests,
    complaint_windows_closing,
)
from requests_app.text import plural
from requests_app.workflow import Status

logger = logging.getLogger(__name__)

# Digest windows (issue 4) and the statuses chased: defined in selectors, which the dashboard
# reads too, so that the digest and the dashboard say the same.

CHASER_STAGES = {
    # status group -> (first kind, second kind)
    "answer": (ReminderKind.CHASER_FIRST, ReminderKind.CHASER_SECOND),
    "review": (ReminderKind.REVIEW_CHASER_FIRST, ReminderKind.REVIEW_CHASER_SECOND),
}
# kind -> (status group, stage 1 or 2)
CHASER_KIND_STAGE = {
    kind: (group, stage)
    for group, kinds in CHASER_STAGES.items()
    for stage, kind in enumerate(kinds, start=1)
}
# Awaiting a response with figures entered (models.requests.figures_unrecorded_q): neither
# chased nor counted overdue, but listed so that someone records the response from the letter.
FIGURES_UNRECORDED = "Figures in, response not recorded"
NEW_REPLIES = "New replies: record the response"
BOUNCING = "FOI addresses bouncing"


@dataclass
class Outgoing:
    """One email the run owes: its sent-log key and its rendered content."""

    kind: str
    about_date: date
    to_email: str
    subject: str
    body: str
    html: str
    request_id: int | None = None
    recipient_id: int | None = None
    reply_to: list[str] = field(default_factory=list)
    # Chasers: From is the organisation (requests_app.letters.from_address), as on the request;
    # digests, internal mail, leave it empty and go from DEFAULT_FROM_EMAIL.
    from_email: str = ""
    # Chasers of a request the tracker emailed: that email's Message-ID, so the chaser goes as a
    # reply in the request's thread (reminders.py adds the earlier chasers to References).
    in_reply_to: str = ""
    event_note: str = ""
    event_data: dict = field(default_factory=dict)

    @property
    def key(self) -> dict:
        return {
            "kind": self.kind,
            "about_date": self.about_date,
            "request_id": self.request_id,
            "recipient_id": self.recipient_id,
        }


@dataclass(frozen=True)
class Owed:
    """An email owed and not yet settled: its sent-log key, its address, and the failed or
    stale claim to take over (None when the sent-log has no row for it yet)."""

    kind: str
    about_date: date
    to_email: str
    request_id: int | None = None
    recipient_id: int | None = None
    retry_pk: int | None = None

    @property
    def key(self) -> tuple:
        return (self.kind, self.about_date, self.request_id, self.recipient_id)

    @property
    def order(self) -> tuple:
        """Claims and sends go in this order: a request's first chaser before its second (so a
        late run that owes both threads the second under the first), digests last."""
        if self.request_id is not None:
            return (0, self.request_id, CHASER_KIND_STAGE[self.kind][1], self.kind)
        return (1, self.recipient_id, 0, self.kind)


def is_retryable(status: str, claimed_at: datetime | None, stale_before: datetime) -> bool:
    """A sent-log row a run may take over: its send failed, or its worker died mid-send."""
    return status == ReminderStatus.FAILED or (
        status == ReminderStatus.CLAIMED and claimed_at is not None and claimed_at < stale_before
    )


def retryable_q(stale_before: datetime, prefix: str = "") -> Q:
    return Q(**{f"{prefix}status": ReminderStatus.FAILED}) | Q(
        **{f"{prefix}status": ReminderStatus.CLAIMED, f"{prefix}claimed_at__lt": stale_before}
    )


@lru_cache(maxsize=4096)
def date_words(day: date | None) -> str:
    """'3 December 2026' (the templates' "j F Y"), worked out once per date: a run's thousands
    of chasers share a few dozen sending dates, and the template filter cost more than the rest
    of rendering a subject."""
    return dateformat.format(day, "j F Y") if day else ""


class EmailTemplates:
    """emails/<name>-subject.txt, -body.txt and -body.html, compiled once and rendered per email."""

    def __init__(self, name: str) -> None:
        self.subject = get_template(f"emails/{name}-subject.txt")
        self.body = get_template(f"emails/{name}-body.txt")
        self.html = get_template(f"emails/{name}-body.html")

    def render(self, context: dict, *, subject_only: bool = False) -> tuple[str, str, str]:
        subject = " ".join(self.subject.render(context).split())
        if subject_only:
            return subject, "", ""
        return subject, self.body.render(context), self.html.render(context)


def absolute_url(obj) -> str:
    """SITE_URL plus the object's page; the admin page while the staff page has no route."""
    try:
        path = obj.get_absolute_url()
    except NoReverseMatch:
        meta = obj._meta
        path = reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk])
    return settings.SITE_URL + path


def _profile_url() -> str:
    try:
        return settings.SITE_URL + reverse("profile")
    except NoReverseMatch:
        return settings.SITE_URL


# Chasers ------------------------------------------------------------------------------------


def chaser_dates(due_on: date, chase_again_after: int, cal: WorkingCalendar) -> tuple[date, date]:
    """(first, second) chaser dates for a deadline: one working day after it, then N more."""
    first = cal.add_working_days(due_on, 1)
    return first, cal.add_working_days(first, chase_again_after)


def last_deadline_chased(cal: WorkingCalendar, today: date, working_days: int) -> date:
    """The latest deadline whose `working_days`-th working day after it is on or before `today`.

    The first chaser goes 1 working day after the deadline and the second 1 + chase_again_after
    (chaser_dates: the first chaser's day is itself a working day, so N more after it is 1 + N
    after the deadline). Counting forward never goes back as the deadline moves later, so the
    deadlines owed a chaser by `today` are exactly those up to this date: one comparison in SQL
    instead of working-day arithmetic per request.
    """
    day = today - timedelta(days=1)
    while cal.working_days_between(day, today) < working_days:
        day -= timedelta(days=1)
    return day


def chased_requests():
    """Requests the daily job chases when their deadline has passed, whatever the day."""
    return (
        FoiRequest.objects.filter(
            campaign__chase_forces=True,
            status__in=CHASED_STATUSES,
            next_due_on__isnull=False,
        )
        .exclude(force__foi_email="")
        # Figures in, so the force has answered even if nobody recorded it: never chase it.
        .exclude(figures_unrecorded_q())
        # A reply arrived that nobody has recorded yet (services/mail_in.py): it may be the
        # answer, so the force is not chased until a person has read it.
        .filter(new_reply_at__isnull=True)
    )


def _group_q(group: str) -> Q:
    review = Q(status=Status.REVIEW_REQUESTED)
    return review if group == "review" else ~review


@dataclass(frozen=True)
class _Thresholds:
    """Per law: the last deadline owed a first chaser; per (law, chase_again_after): a second."""

    first: dict[str, date]
    second: dict[tuple[str, int], date]

    def first_q(self) -> Q:
        q = Q(pk__isnull=True)  # matches nothing: no law works today
        for law, last in self.first.items():
            q |= Q(force__law=law, next_due_on__lte=last)
        return q

    def second_q(self) -> Q:
        q = Q(pk__isnull=True)
        for (law, again), last in self.second.items():
            q |= Q(force__law=law, campaign__chase_again_after=again, next_due_on__lte=last)
        return q

    def second_owed(self, law: str, again: int, due_on: date) -> bool:
        last = self.second.get((law, again))
        return last is not None and due_on <= last


def _thresholds(today: date, cals: dict[str, WorkingCalendar], *, any_day: bool) -> _Thresholds:
    # A force is only written to on its own working days (Police Scotland works on Easter
    # Monday, Kent does not); what is owed goes on its next working day. `any_day` drops that
    # rule, to tell a chaser still owed from one nobody owes any more.
    laws = [law for law, cal in cals.items() if any_day or cal.is_working_day(today)]
    if not laws:
        return _Thresholds({}, {})
    again_values = (
        Campaign.objects.filter(chase_forces=True)
        .order_by()
        .values_list("chase_again_after", flat=True)
        .distinct()
    )
    agains = sorted(set(again_values))
    return _Thresholds(
        first={law: last_deadline_chased(cals[law], today, 1) for law in laws},
        second={
            (law, again): last_deadline_chased(cals[law], today, 1 + again)
            for law in laws
            for again in agains
        },
    )


def chasers_pending(
    *,
    today: date,
    cals: dict[str, WorkingCalendar],
    stale_before: datetime,
    request_ids: Iterable[int] | None = None,
    any_day: bool = False,
    include_settled: bool = False,
) -> list[Owed]:
    """Chasers owed as of `today` that the sent-log does not show as sent, skipped or claimed by
    a live run: one query per status group (answer, internal review), however many requests.

    `include_settled` lists every chaser owed, settled or not (to tell a failed or abandoned
    claim still owed from one nobody owes any more); `request_ids` limits it to those requests.
    """
    thresholds = _thresholds(today, cals, any_day=any_day)
    if not thresholds.first:
        return []
    owed: list[Owed] = []
    for group, (first_kind, second_kind) in CHASER_STAGES.items():
        requests = chased_requests().filter(_group_q(group), thresholds.first_q())
        if request_ids is not None:
            requests = requests.filter(pk__in=list(request_ids))
        # The sent-log row (if any) for each stage's key (request, kind, deadline): a LEFT JOIN
        # each, on the unique index reminder_once_per_request_deadline.
        requests = requests.annotate(
            first_row=FilteredRelation(
                "reminders",
                condition=Q(reminders__kind=first_kind, reminders__about_date=F("next_due_on")),
            ),
            second_row=FilteredRelation(
                "reminders",
                condition=Q(reminders__kind=second_kind, reminders__about_date=F("next_due_on")),
            ),
        )
        if not include_settled:
            # Only requests with something to do come back: a run with nothing new owed reads
            # no rows at all.
            requests = requests.filter(
                Q(first_row__pk__isnull=True)
                | retryable_q(stale_before, "first_row__")
                | (
                    thresholds.second_q()
                    & (Q(second_row__pk__isnull=True) | retryable_q(stale_before, "second_row__"))
                )
            )
        rows = requests.order_by("pk").values_list(
            "pk",
            "next_due_on",
            "force__law",
            "force__foi_email",
            "campaign__chase_again_after",
            "first_row__pk",
            "first_row__status",
            "first_row__claimed_at",
            "second_row__pk",
            "second_row__status",
            "second_row__claimed_at",
        )
        for pk, due_on, law, email, again, *sent_rows in rows:
            stages = [(first_kind, sent_rows[0:3])]
            if thresholds.second_owed(law, again, due_on):
                stages.append((second_kind, sent_rows[3:6]))
            for kind, (row_pk, row_status, claimed_at) in stages:
                retryable = row_pk is not None and is_retryable(
                    row_status, claimed_at, stale_before
                )
                if row_pk is not None and not retryable and not include_settled:
                    continue
                retry_pk = row_pk if retryable else None
                owed.append(
                    Owed(
                        kind=kind,
                        about_date=due_on,
                        to_email=email,
                        request_id=pk,
                        retry_pk=retry_pk,
                    )
                )
    return sorted(owed, key=lambda o: o.order)


@dataclass
class ChaserBatch:
    """What rendering a batch of chasers needs, loaded in bulk: the requests still chased, their
    campaigns' periods, and the Message-IDs of the chasers already sent in their threads."""

    requests: dict[int, FoiRequest]
    periods: dict[int, list[Period]]
    sent_before: dict[int, list[SentReminder]]


def load_chaser_batch(request_ids: list[int]) -> ChaserBatch:
    """Three queries for any number of requests."""
    requests = {
        foi.pk: foi
        for foi in chased_requests()
        .filter(pk__in=request_ids)
        .select_related("force", "campaign", "campaign__owner")
    }
    periods: dict[int, list[Period]] = defaultdict(list)
    campaign_ids = {foi.campaign_id for foi in requests.values()}
    for period in Period.objects.filter(campaign_id__in=campaign_ids):
        periods[period.campaign_id].append(period)
    sent_before: dict[int, list[SentReminder]] = defaultdict(list)
    threaded = [pk for pk, foi in requests.items() if foi.sent_message_id]
    earlier = (
        SentReminder.objects.filter(
            request_id__in=threaded,
            kind__in=SentReminder.CHASER_KINDS,
            status=ReminderStatus.SENT,
        )
        .order_by("sent_at", "pk")
        .only("pk", "kind", "about_date", "request_id", "message_id")
    )
    for row in earlier:
        sent_before[row.request_id].append(row)
    return ChaserBatch(requests=requests, periods=periods, sent_before=sent_before)


class ChaserRenderer:
    """Chasers for claimed keys; templates compiled once for all of them."""

    def __init__(self, cals: dict[str, WorkingCalendar], *, subject_only: bool = False) -> None:
        self.cals = cals
        self.subject_only = subject_only
        self.templates = {
            "answer": EmailTemplates("chaser"),
            "review": EmailTemplates("review_chaser"),
        }
        self.request_subject = get_template("emails/request-subject.txt")
        self.from_address = from_address()

    def render(
        self, *, kind: str, about_date: date, foi: FoiRequest | None, periods
    ) -> Outgoing | None:
        """The chaser `kind` about the deadline `about_date`; None when it is no longer owed (the
        request was answered or withdrawn, its deadline moved, or chasing was turned off since
        the run worked out what it owed)."""
        group, stage = CHASER_KIND_STAGE[kind]
        if foi is None or foi.next_due_on != about_date:
            return None
        if (foi.status == Status.REVIEW_REQUESTED) != (group == "review"):
            return None
        cal = self.cals[foi.force.law]
        owner = foi.campaign.owner
        # A chaser is a letter from the organisation that made the request: signed with its
        # name (FOI_ORGANISATION, as the request was), above the campaign owner's name if any.
        signature = owner.get_full_name() if owner else ""
        # Threaded: the tracker emailed the request, so the force has a message to which this
        # is a reply ("Re: <its subject>"). Marked sent by hand: the force never saw that
        # subject, so no "Re:" and no In-Reply-To, but the same words and our reference so a
        # reply can be matched.
        threaded = bool(foi.sent_message_id)
        # letters.request_subject, with its template compiled once for the batch.
        request_subject = " ".join(
            self.request_subject.render(
                {"campaign": foi.campaign, "reference": foi.reference}
            ).split()
        )
        context = {
            "foi": foi,
            "force": foi.force,
            "campaign": foi.campaign,
            "stage": stage,
            "is_final": stage == len(CHASER_STAGES[group]),
            "law": foi.force.law,
            "law_name": ACT_NAMES[foi.force.law],
            "is_foisa": foi.force.law == FOISA,
            "reference": foi.force_reference,
            "sent_on": foi.sent_on,
            "sent_on_words": date_words(foi.sent_on),
            "received_on": foi.received_on,
            # Bodies only: a subject-only render (the dry run's list) does not work it out.
            "due_on": None
            if self.subject_only
            else foi.due_on or request_deadlines(foi, cal).response_due_on,
            "chased_due_on": foi.next_due_on,
            "pit_estimated_on": foi.pit_estimated_on
            if foi.status == Status.PIT_EXTENSION
            else None,
            "review_requested_on": foi.review_requested_on,
            "review_due_on": foi.next_due_on if group == "review" else None,
            "request_text": ""
            if self.subject_only
            else foi.campaign.render_request_text(foi.force, periods),
            "signature": signature,
            "organisation": settings.FOI_ORGANISATION,
            "our_reference": foi.reference,
            "request_subject": request_subject,
            "threaded": threaded,
        }
        subject, body, html = self.templates[group].render(context, subject_only=self.subject_only)
        what = "internal review" if group == "review" else "answer"
        return Outgoing(
            kind=kind,
            about_date=foi.next_due_on,
            to_email=foi.force.foi_email,
            subject=subject,
            body=body,
            html=html,
            request_id=foi.pk,
            reply_to=_chaser_reply_to(foi, threaded=threaded),
            from_email=self.from_address,
            in_reply_to=foi.sent_message_id if threaded else "",
            event_note=(
                f"{'Second' if stage == 2 else 'First'} chaser for the {what} due "
                f"{foi.next_due_on:%d %b %Y} sent to {foi.force.foi_email}."
            ),
            event_data={
                "reminder_kind": kind,
                "stage": stage,
                "about": what,
                "due_on": foi.next_due_on.isoformat(),
                "to": foi.force.foi_email,
            },
        )


def _chaser_reply_to(foi: FoiRequest, *, threaded: bool) -> list[str]:
    """Where the force's reply to a chaser should go.

    A request the tracker emailed went with the request's own Reply-To (the address carrying its
    token); the chaser keeps it, so the force's answer lands where the request's replies do.
    A request marked sent by hand keeps what chasers always had (CHASER_REPLY_TO, else From):
    the force has never seen the token address, and the token mailbox may not be set up at all
    where the tracker does not send requests itself.
    """
    if threaded:
        return [foi.reply_to]
    return [settings.CHASER_REPLY_TO] if settings.CHASER_REPLY_TO else []


# Digests ------------------------------------------------------------------------------------


def digest_recipients():
    """Active people with an address and a staff or reviewer role who have not opted out."""
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .exclude(email="")
        .filter(Q(is_superuser=True) | Q(groups__name__in=ROLES))
        .exclude(foi_profile__receive_digest=False)
        .distinct()
        .order_by("pk")
    )


class _Links:
    """absolute_url() of requests and campaigns, for thousands of digest items: reverse() once
    per campaign and once for all requests (a digest at a hundred charities' size lists tens
    of thousands, and reverse() was most of the time it took)."""

    SAMPLE_PK = 2_147_483_647

    def __init__(self) -> None:
        sample = absolute_url(FoiRequest(pk=self.SAMPLE_PK))
        self.request_prefix, _, self.request_suffix = sample.rpartition(str(self.SAMPLE_PK))
        self.campaigns: dict[int, str] = {}

    def request(self, foi: FoiRequest) -> str:
        return f"{self.request_prefix}{foi.pk}{self.request_suffix}"

    def campaign(self, campaign: Campaign) -> str:
        url = self.campaigns.get(campaign.pk)
        if url is None:
            url = self.campaigns[campaign.pk] = absolute_url(campaign)
        return url

    def item(self, foi: FoiRequest, detail: str) -> dict:
        return {
            "label": foi.force.name,
            "url": self.request(foi),
            "detail": detail,
            "campaign": foi.campaign.title,
            "campaign_url": self.campaign(foi.campaign),
        }


def _late_detail(foi: FoiRequest, cal: WorkingCalendar, today: date, what: str) -> str:
    late = cal.working_days_between(foi.next_due_on, today)
    return f"{what} was due {foi.next_due_on:%a %-d %b %Y}: {plural(late, 'working day')} late"


def _soon_last(today: date, cals) -> dict[str, date]:
    """Per law, the last day of the "due within N working days" window."""
    return {law: cal.add_working_days(today, DUE_SOON_WORKING_DAYS) for law, cal in cals.items()}


def _deadline_requests(user_ids: list[int], *, due_by: date):
    """The owners' requests awaiting an answer or review due by `due_by` (or overdue)."""
    return (
        FoiRequest.objects.filter(
            campaign__owner_id__in=user_ids,
            status__in=CHASED_STATUSES,
            next_due_on__lte=due_by,
        )
        # Not overdue nor due: answered (figures in); listed under FIGURES_UNRECORDED instead.
        .exclude(figures_unrecorded_q())
    )


def owners_with_deadlines(user_ids: list[int], *, today: date, cals) -> set[int]:
    """Those of `user_ids` sure to have something in their digest: a request of theirs overdue,
    or due within the window under every calendar (so listed whatever its force's law). One
    query; `_request_sections` is what lists them."""
    due_by = min(_soon_last(today, cals).values())
    return set(
        _deadline_requests(user_ids, due_by=due_by)
        .order_by()
        .values_list("campaign__owner_id", flat=True)
        .distinct()
    )


def _request_sections(user_ids: list[int], *, today: date, cals) -> dict[int, dict[str, list]]:
    """owner id -> section title -> items, for the requests of the campaigns each person owns."""
    soon_last = _soon_last(today, cals)
    sections: dict[int, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    _item = _Links().item
    requests = (
        _deadline_requests(user_ids, due_by=max(soon_last.values()))
        .select_related("force", "campaign")
        .order_by("next_due_on", "force__name")
    )
    for foi in requests:
        cal, owner = cals[foi.force.law], foi.campaign.owner_id
        if foi.status == Status.REVIEW_REQUESTED:
            if foi.next_due_on < today:
                detail = _late_detail(foi, cal, today, "Internal review")
            elif foi.next_due_on <= soon_last[foi.force.law]:
                left = cal.working_days_between(today, foi.next_due_on)
                detail = f"Internal review due {foi.next_due_on:%a %-d %b %Y} ({plural(left, 'working day')} left)"
            else:
                continue
            sections[owner]["Internal reviews due or late"].append(_item(foi, detail))
        elif foi.is_long_overdue(today):
            sections[owner]["Long overdue (over 40 working days)"].append(
                _item(foi, _late_detail(foi, cal, today, "Answer"))
            )
        elif foi.next_due_on < today:
            sections[owner]["Overdue"].append(_item(foi, _late_detail(foi, cal, today, "Answer")))
        elif foi.next_due_on <= soon_last[foi.force.law]:
            left = cal.working_days_between(today, foi.next_due_on)
            sections[owner][f"Due within {DUE_SOON_WORKING_DAYS} working days"].append(
                _item(
                    foi,
                    f"Answer due {foi.next_due_on:%a %-d %b %Y} ({plural(left, 'working day')} left)",
                )
            )
    unrecorded = (
        FoiRequest.objects.filter(campaign__owner_id__in=user_ids)
        .figures_unrecorded()
        .select_related("force", "campaign")
        .order_by("campaign__title", "force__name")
    )
    for foi in unrecorded:
        sections[foi.campaign.owner_id][FIGURES_UNRECORDED].append(
            _item(foi, f"Still {foi.get_status_display().lower()}: record the force's response")
        )
    new_replies = (
        FoiRequest.objects.filter(campaign__owner_id__in=user_ids, new_reply_at__isnull=False)
        .select_related("force", "campaign")
        .order_by("new_reply_at")
    )
    for foi in new_replies:
        sections[foi.campaign.owner_id][NEW_REPLIES].append(
            _item(foi, f"Reply received {timezone.localtime(foi.new_reply_at):%a %-d %b %Y}")
        )
    bouncing = bouncing_requests(FoiRequest.objects.filter(campaign__owner_id__in=user_ids))
    for foi in bouncing:
        sections[foi.campaign.owner_id][BOUNCING].append(
            _item(foi, f"Mail to {foi.force.foi_email} bounced: {foi.force.email_failure}")
        )
    owned = FoiRequest.objects.filter(campaign__owner_id__in=user_ids)
    for window in complaint_windows_closing(owned, today=today, cals=cals):
        foi = window.foi
        sections[foi.campaign.owner_id]["Complaint windows closing"].append(
            _item(
                foi,
                f"Last day to complain to the {window.commissioner}: {window.closes_on:%a %-d %b %Y}",
            )
        )
    return sections


SECTION_ORDER = [
    NEW_REPLIES,
    BOUNCING,
    "Long overdue (over 40 working days)",
    "Overdue",
    f"Due within {DUE_SOON_WORKING_DAYS} working days",
    FIGURES_UNRECORDED,
    "Internal reviews due or late",
    "Complaint windows closing",
]


def digest_sections(user, *, today: date, request_sections: dict[str, list]) -> list[dict]:
    """[{"title", "items"}] in a fixed order, then the sections other apps registered."""
    sections = [
        {"title": title, "items": request_sections[title]}
        for title in SECTION_ORDER
        if request_sections.get(title)
    ]
    for title, section in hooks.DIGEST_SECTIONS.items():
        try:
            items = list(section(user, today) or [])
        except Exception:  # one broken section must not stop everyone's digest or the chasers
            logger.exception("Reminders: digest section %r failed for %s", title, user)
            continue
        if items:
            sections.append({"title": title, "items": [_with_site_url(item) for item in items]})
    return sections


def _with_site_url(item: dict) -> dict:
    item = dict(item)
    for key in ("url", "campaign_url"):
        url = item.get(key) or ""
        if url.startswith("/"):
            item[key] = settings.SITE_URL + url
    return item


def digest_by_campaign(sections: list[dict]) -> list[dict]:
    """The same items, one block per campaign (by title), each with its sections in order:
    [{"title", "url", "count", "sections": [{"title", "items"}]}]. Items that name no campaign
    come last, under "Other"."""
    blocks: dict[str, dict] = {}
    for section in sections:
        for item in section["items"]:
            name = item.get("campaign") or ""
            block = blocks.setdefault(
                name,
                {"title": name or "Other", "url": item.get("campaign_url", ""), "sections": {}},
            )
            block["sections"].setdefault(section["title"], []).append(item)
    ordered = sorted(blocks.items(), key=lambda pair: (pair[0] == "", pair[0].casefold()))
    return [
        {
            **block,
            "count": sum(len(items) for items in block["sections"].values()),
            "sections": [{"title": t, "items": items} for t, items in block["sections"].items()],
        }
        for _, block in ordered
    ]


def _digest_users(recipient_ids: Iterable[int]) -> list:
    return list(get_user_model().objects.filter(pk__in=list(recipient_ids)).order_by("pk"))


def _digests_for(users: list, *, today: date, cals):
    """(user, sections) for each of `users` with something in the digest."""
    by_owner = _request_sections([u.pk for u in users], today=today, cals=cals)
    for user in users:
        sections = digest_sections(user, today=today, request_sections=by_owner.get(user.pk, {}))
        if sections:
            yield user, sections


def digests_pending(*, today: date, cals, stale_before: datetime) -> list[Owed]:
    """Digests owed today and not yet settled. Digests are a working-morning email: none on a
    day that is a holiday anywhere in the UK (the next working day's digest covers it). Two
    queries when every digest of the day has gone; the sections are worked out only for the
    people still owed one (a person with nothing to do gets none)."""
    if not cals[FOIA].is_working_day(today):
        return []
    recipients = dict(digest_recipients().values_list("pk", "email"))
    rows = SentReminder.objects.filter(
        kind=ReminderKind.DIGEST, about_date=today, recipient_id__in=list(recipients)
    ).values_list("recipient_id", "pk", "status", "claimed_at")
    retry: dict[int, int] = {}
    for recipient_id, pk, status, claimed_at in rows:
        if is_retryable(status, claimed_at, stale_before):
            retry[recipient_id] = pk
        else:
            recipients.pop(recipient_id)
    if not recipients:
        return []
    # Working out every person's sections here and again when the digest is rendered would
    # double the work: the owners of late requests are known to be owed one from a single
    # query, and only the others' sections are worked out (often nobody's, or a few cheap ones).
    owed = owners_with_deadlines(list(recipients), today=today, cals=cals)
    others = [pk for pk in recipients if pk not in owed]
    if others:
        owed.update(
            user.pk for user, _ in _digests_for(_digest_users(others), today=today, cals=cals)
        )
    return [
        Owed(
            kind=ReminderKind.DIGEST,
            about_date=today,
            to_email=email,
            recipient_id=pk,
            retry_pk=retry.get(pk),
        )
        for pk, email in sorted(recipients.items())
        if pk in owed
    ]


def render_digests(
    recipient_ids: Iterable[int], *, today: date, cals, subject_only: bool = False
) -> dict[int, Outgoing]:
    """recipient id -> today's digest, for those of them with something in it."""
    templates = EmailTemplates("digest")
    rendered = {}
    for user, sections in _digests_for(_digest_users(recipient_ids), today=today, cals=cals):
        total = sum(len(s["items"]) for s in sections)
        context = {
            "user": user,
            "name": user.get_full_name() or user.username,
            "today": today,
            "sections": sections,
            "campaigns": digest_by_campaign(sections),
            "total": total,
            "site_url": settings.SITE_URL,
            "profile_url": _profile_url(),
            "digest_setting": StaffProfile.DIGEST_SETTING_LABEL,
        }
        subject, body, html = templates.render(context, subject_only=subject_only)
        rendered[user.pk] = Outgoing(
            kind=ReminderKind.DIGEST,
            about_date=today,
            to_email=user.email,
            subject=subject,
            body=body,
            html=html,
            recipient_id=user.pk,
        )
    return rendered
