"""What the daily reminders job owes as of a day, worked out set-based, and the emails rendered.

Reads only; services/reminders.py claims, sends and records. Two steps, so that
the run can work out everything owed in a few queries however many requests there are, and
render each email only when it is about to go (in the batch that sends it):

(selectors/reminder_chasers.py and selectors/reminder_digests.py; this module holds what both
share and what the job reads of its own progress.)

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

from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache

from django.conf import settings
from django.db.models import Q
from django.template.loader import get_template
from django.urls import NoReverseMatch, reverse
from django.utils import dateformat

from requests_app.models.reminders import ReminderKind, ReminderStatus
from requests_app.text import LONG_DATE

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
    return dateformat.format(day, LONG_DATE) if day else ""


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
