"""How each force answered a campaign (issue 12, section 3): reads only, set-based.

The one definition of "working days taken" and "late by" lives here (`answer_timing`), and the
request page, the campaign table, the force page (selectors.request_row, force_record) and this
table all use it, so a force is never "on time" on one page and late on another:

- working days taken: under the force's own law and calendar (calendars.py: FOIA counts every UK
  bank holiday, FOISA Scottish ones; days added by hand count too), from the day the force
  received the request, or the day our clarification reached it (s.1(3) restarts the clock), to
  the day it answered; the working days from a fees notice to the payment do not count
  (s.10(2)), exactly as the due date leaves them out (deadlines.add_working_days(paused=...));
- late by: working days from the s.10 due date (the stored `due_on`, the date the request page
  shows) to the answer; 0 when answered by the due date.

So a force answering on its due date took 20 working days, and one answering two working days
after it is late by 2. Nothing here writes and nothing imports a service: this module is a
selector (it sits under views and the release pages).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from statistics import median

from requests_app.body_words import POLICE_NOUNS, BodyNouns, body_nouns
from requests_app.calendars import calendars
from requests_app.deadlines import WorkingCalendar
from requests_app.models import Campaign, FoiRequest, RequestAttachment, RequestEvent
from requests_app.models.mail import InboundMessage, MessageKind, MessageStatus
from requests_app.workflow import (
    ANSWERED_STATES,
    AWAITING_RESPONSE,
    Outcome,
    ReviewOutcome,
    Status,
)

__all__ = [
    "AnswerTiming",
    "AnsweringTable",
    "ForceAnswer",
    "TimingSummary",
    "answer_timing",
    "attachment_reply_date",
    "campaign_answering",
    "reply_dates",
    "timing_summary",
]

# The outcome words, plain English, one per thing a force can have done with the request.
ANSWERED = "answered"
PARTLY_ANSWERED = "partly answered"
REFUSED = "refused"
NOT_HELD = "not held"
AWAITING = "awaiting"
EXTENDED = "awaiting, extended for the public interest test"
FIGURES_IN = "figures in, response not recorded"
CLARIFICATION = "paused: the force asked for clarification"
FEES_NOTICE = "paused: fees notice"
NOT_SENT = "not sent"
WITHDRAWN = "withdrawn"
DATE_NOT_GIVEN = "(answer date not given)"

_ANSWER_WORDS = {
    Outcome.FULL: ANSWERED,
    Outcome.PART: PARTLY_ANSWERED,
    Outcome.REFUSED: REFUSED,
    Outcome.NOT_HELD: NOT_HELD,
}
_REVIEW_WORDS = {
    ReviewOutcome.UPHELD: "upheld",
    ReviewOutcome.OVERTURNED: "overturned",
    ReviewOutcome.PARTLY: "partly overturned",
}
REVIEW_AWAITED = "awaiting review"


def method_words(nouns: BodyNouns = POLICE_NOUNS) -> str:
    """How the table ranks, in the campaign's nouns ("Forces that have answered...",
    "Councils that have answered...")."""
    them = nouns.plural[:1].upper() + nouns.plural[1:]
    return (
        f"{them} that have answered are ranked by the working days they took, fewest first: "
        f"counted under each {nouns.singular}'s own law and calendar from the day it received "
        "the request (or our clarification, which restarts the clock) to the day it answered, "
        "leaving out days waiting for a fee to be paid. A refusal or a 'not held' answer ends "
        "the clock as any answer does, so it is ranked by when it came. "
        f"{them} taking the same number of working days share a rank. {them} that have not "
        "answered are not ranked; they follow, the earliest due first. An answer whose date no "
        "one gave (recorded from figures on the day they were entered, before the tracker asked "
        "for the date) is not ranked either."
    )


# The one definition of the time a force took --------------------------------------------------


@dataclass(frozen=True)
class AnswerTiming:
    """How long a force took to answer one request; both None until it has answered."""

    working_days: int | None
    late_by: int | None  # working days after the due date; 0 when on time

    @property
    def on_time(self) -> bool | None:
        return None if self.late_by is None else self.late_by == 0


NOT_ANSWERED = AnswerTiming(None, None)


def answer_timing(foi: FoiRequest, cal: WorkingCalendar) -> AnswerTiming:
    """Working days from the start of the s.10 clock to the answer, and how late it was.

    `cal` is the calendar of the force's law. No query: reads the request's own dates.
    """
    start = foi.clarification_sent_on or foi.received_on
    answered_on = foi.answered_on
    if foi.status not in ANSWERED_STATES or answered_on is None or start is None:
        return NOT_ANSWERED
    if foi.answered_on_unconfirmed:
        # The tracker dated this answer the day figures were entered: timing it would rank the
        # force "0 working days, on time" on a date no one gave.
        return NOT_ANSWERED
    taken = cal.working_days_between(start, answered_on)
    # s.10(2): the days from the fees notice to the payment are not counted, as in the due date
    # (compute_deadlines pauses only for a notice given once the clock had started).
    if foi.fee_notice_on and foi.fee_paid_on and foi.fee_notice_on >= start:
        first = max(foi.fee_notice_on, start + timedelta(days=1))
        last = min(foi.fee_paid_on, answered_on)
        if first <= last:
            taken -= cal.working_days_between(first - timedelta(days=1), last)
    late_by = None
    if foi.due_on is not None:
        late_by = max(0, cal.working_days_between(foi.due_on, answered_on))
    return AnswerTiming(working_days=taken, late_by=late_by)


@dataclass(frozen=True)
class TimingSummary:
    """The force page's "how fast it answers", and the same for a campaign."""

    answered: int  # answers with the dates to time them
    on_time: int
    late: int
    median_working_days: float | None

    @property
    def on_time_pct(self) -> float | None:
        return 100 * self.on_time / self.answered if self.answered else None


def timing_summary(timings: Iterable[AnswerTiming]) -> TimingSummary:
    timed = [t for t in timings if t.working_days is not None]
    taken = [t.working_days for t in timed]
    return TimingSummary(
        answered=len(timed),
        on_time=sum(1 for t in timed if t.on_time is True),
        late=sum(1 for t in timed if t.on_time is False),
        median_working_days=median(taken) if taken else None,
    )


# The campaign table ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ForceAnswer:
    force_name: str
    force_slug: str
    force_code: str  # ONS code, or the slug for forces without one
    outcome: str  # plain words: ANSWERED, PARTLY_ANSWERED, REFUSED, NOT_HELD, AWAITING...
    working_days: int | None  # working days from receipt to answer (None if not answered)
    due: date | None
    answered_on: date | None
    on_time: bool | None
    late_by: int | None  # working days late (0 when on time); None when not answered
    internal_review: str | None  # outcome of any internal review, else None
    rank: int | None

    def as_dict(self) -> dict:
        return {
            "force_name": self.force_name,
            "force_slug": self.force_slug,
            "force_code": self.force_code,
            "outcome": self.outcome,
            "working_days": self.working_days,
            "due": self.due.isoformat() if self.due else None,
            "answered_on": self.answered_on.isoformat() if self.answered_on else None,
            "on_time": self.on_time,
            "late_by": self.late_by,
            "internal_review": self.internal_review,
            "rank": self.rank,
        }


@dataclass(frozen=True)
class AnsweringTable:
    rows: list[ForceAnswer]
    method: str  # how forces are ranked, in a sentence or three

    @property
    def summary(self) -> TimingSummary:
        return timing_summary(AnswerTiming(r.working_days, r.late_by) for r in self.rows)

    @property
    def ranked(self) -> int:
        return sum(1 for r in self.rows if r.rank is not None)


def outcome_words(foi: FoiRequest) -> str:
    """What the force has done with the request, in plain words. `figures_unrecorded` is the
    annotation of FoiRequestQuerySet.with_figures_unrecorded_flag()."""
    status = foi.status
    if status in ANSWERED_STATES:
        words = _ANSWER_WORDS.get(foi.outcome, ANSWERED)
        return f"{words} {DATE_NOT_GIVEN}" if foi.answered_on_unconfirmed else words
    if getattr(foi, "figures_unrecorded", False):
        return FIGURES_IN
    if status == Status.PIT_EXTENSION:
        return EXTENDED
    if status in AWAITING_RESPONSE:
        return AWAITING
    return {
        Status.CLARIFICATION_REQUESTED: CLARIFICATION,
        Status.FEES_NOTICE: FEES_NOTICE,
        Status.DRAFT: NOT_SENT,
        Status.WITHDRAWN: WITHDRAWN,
    }.get(status, status)


def review_words(foi: FoiRequest) -> str | None:
    if foi.review_outcome:
        return _REVIEW_WORDS.get(foi.review_outcome, foi.review_outcome)
    if foi.review_requested_on:
        return REVIEW_AWAITED
    return None


# Unranked forces follow the ranked ones in this order: still owing an answer, then paused,
# then never sent, then withdrawn.
_UNRANKED_ORDER = {
    AWAITING: 0,
    EXTENDED: 0,
    FIGURES_IN: 0,
    CLARIFICATION: 1,
    FEES_NOTICE: 1,
    NOT_SENT: 2,
    WITHDRAWN: 3,
}


def _order(answer: ForceAnswer) -> tuple:
    if answer.rank is not None:
        return (0, answer.rank, answer.force_name)
    return (
        1,
        _UNRANKED_ORDER.get(answer.outcome, 0),
        answer.due is None,
        answer.due or date.min,
        answer.force_name,
    )


def campaign_answering(campaign: Campaign) -> AnsweringTable:
    """One row per force asked, ranked as method_words says. Two queries (the requests with their
    forces, the calendars) however many forces the campaign asked."""
    cals = calendars()
    requests = (
        FoiRequest.objects.filter(campaign=campaign)
        .select_related("force")
        .with_figures_unrecorded_flag()
        .order_by("force__name", "pk")
    )
    unranked = []
    for foi in requests:
        force = foi.force
        timing = answer_timing(foi, cals[force.law])
        unranked.append(
            ForceAnswer(
                force_name=force.name,
                force_slug=force.slug,
                force_code=force.ons_code or force.slug,
                outcome=outcome_words(foi),
                working_days=timing.working_days,
                due=foi.due_on,
                answered_on=foi.answered_on
                if foi.status in ANSWERED_STATES and not foi.answered_on_unconfirmed
                else None,
                on_time=timing.on_time,
                late_by=timing.late_by,
                internal_review=review_words(foi),
                rank=None,
            )
        )
    # Competition ranking ("1, 2, 2, 4"): a force's rank is one more than the forces faster.
    days = sorted(a.working_days for a in unranked if a.working_days is not None)
    first_at: dict[int, int] = {}
    for position, taken in enumerate(days, start=1):
        first_at.setdefault(taken, position)
    rows = [
        a if a.working_days is None else replace(a, rank=first_at[a.working_days]) for a in unranked
    ]
    rows.sort(key=_order)
    nouns = body_nouns((foi.force.kind, foi.force.country) for foi in requests)
    return AnsweringTable(rows=rows, method=method_words(nouns))


# The date a force's reply came -----------------------------------------------------------------


def reply_dates(request_ids: Iterable[int]) -> dict[int, date]:
    """The day of the latest reply filed on each request (the date its timeline gives the
    message), for requests that have one: the date an answer carried by that reply was given.
    One query."""
    rows = (
        InboundMessage.objects.filter(
            request_id__in=list(request_ids),
            status=MessageStatus.FILED,
            kind=MessageKind.REPLY,
            event__happened_on__isnull=False,
        )
        .order_by("request_id", "event__happened_on", "pk")
        .values_list("request_id", "event__happened_on")
    )
    return dict(rows)  # the latest of each request's replies comes last


def attachment_reply_date(attachment: RequestAttachment) -> date | None:
    """The day of the reply that brought `attachment`, when it came by mail. No query when its
    event is already loaded."""
    event = attachment.event
    if event is None or event.kind != RequestEvent.Kind.EMAIL_RECEIVED:
        return None
    return event.happened_on
