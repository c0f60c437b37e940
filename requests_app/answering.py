"""How each force answered a campaign: working days to answer, on time or late, refused or not
held, internal review outcome, and a rank by the campaign's own evidence.

(Minimal version written on the releases branch so that releases can freeze the table; the
answering work replaces it with the full one, which keeps this contract.)
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date

from requests_app.calendars import calendars
from requests_app.models import Campaign
from requests_app.selectors import request_row
from requests_app.workflow import ANSWERED_STATES, Outcome, Status

OUTCOME_WORDS = {
    Outcome.FULL: "answered",
    Outcome.PART: "partly answered",
    Outcome.REFUSED: "refused",
    Outcome.NOT_HELD: "not held",
}

METHOD = (
    "Forces that answered are ranked by working days from the request to the answer, fewest "
    "first (ties share a rank); forces that have not answered are listed after them, unranked."
)


@dataclass(frozen=True)
class ForceAnswer:
    force_name: str
    force_slug: str
    force_code: str  # ONS code, or the slug for forces without one
    outcome: str
    working_days: int | None
    due: date | None
    answered_on: date | None
    on_time: bool | None
    late_by: int | None
    internal_review: str | None
    rank: int | None

    def as_dict(self) -> dict:
        data = asdict(self)
        for key in ("due", "answered_on"):
            data[key] = data[key].isoformat() if data[key] else None
        return data


@dataclass(frozen=True)
class AnsweringTable:
    rows: list[ForceAnswer]
    method: str


def campaign_answering(campaign: Campaign, *, today: date | None = None) -> AnsweringTable:
    from django.utils import timezone

    today = today or timezone.localdate()
    cals = calendars()
    answers = []
    for foi in campaign.requests.select_related("force").order_by("force__name"):
        row = request_row(foi, cals[foi.law], today)
        answered = foi.status in ANSWERED_STATES and foi.answered_on is not None
        if answered:
            outcome = OUTCOME_WORDS.get(foi.outcome, "answered")
        elif foi.status == Status.WITHDRAWN:
            outcome = "withdrawn"
        elif foi.status == Status.DRAFT:
            outcome = "not sent"
        else:
            outcome = "awaiting"
        late_by = row.working_days_late if answered else None
        answers.append(
            ForceAnswer(
                force_name=foi.force.name,
                force_slug=foi.force.slug,
                force_code=foi.force.ons_code or foi.force.slug,
                outcome=outcome,
                working_days=row.working_days_taken if answered else None,
                due=foi.due_on,
                answered_on=foi.answered_on if answered else None,
                on_time=(late_by == 0) if late_by is not None else None,
                late_by=late_by,
                internal_review=foi.get_review_outcome_display() if foi.review_outcome else None,
                rank=None,
            )
        )
    timed = sorted({a.working_days for a in answers if a.working_days is not None})
    ranks = {}
    position = 1
    for days in timed:
        ranks[days] = position
        position += sum(1 for a in answers if a.working_days == days)
    ranked = [
        ForceAnswer(**{**a.__dict__, "rank": ranks.get(a.working_days)})
        if a.working_days is not None
        else a
        for a in answers
    ]
    ranked.sort(key=lambda a: (a.rank is None, a.rank or 0, a.force_name))
    return AnsweringTable(rows=ranked, method=METHOD)
