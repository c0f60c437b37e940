"""Reads: the chasers owed to late forces as of a day (one query per status group), and their
emails rendered a batch at a time. Part of the daily reminders job (selectors/reminders.py)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db.models import F, FilteredRelation, Q
from django.template.loader import get_template

from requests_app.deadlines import FOISA, WorkingCalendar
from requests_app.letters import from_address
from requests_app.models import Campaign, FoiRequest, SentReminder
from requests_app.models.campaigns import ACT_NAMES, Period
from requests_app.models.reminders import ReminderStatus
from requests_app.models.requests import figures_unrecorded_q
from requests_app.selectors.clock import request_deadlines
from requests_app.selectors.deadlines import CHASED_STATUSES
from requests_app.selectors.reminders import (
    CHASER_KIND_STAGE,
    CHASER_STAGES,
    EmailTemplates,
    Outgoing,
    Owed,
    date_words,
    is_retryable,
    retryable_q,
)
from requests_app.text import long_date
from requests_app.workflow import Status

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
                f"{long_date(foi.next_due_on)} sent to {foi.force.foi_email}."
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
