"""The daily reminders job: a digest for each person, and polite chasers to late forces.

One run, for a given `today`:
1. Work out every email owed as of `today`. Chasers are keyed on the deadline they are about
   (not on the day of the run), so a run after a missed day still finds what that day owed,
   and a second run for the same date finds everything already in the sent-log.
2. For each email, claim it in the sent-log in its own committed transaction: insert the row
   (the unique constraints let exactly one worker win), or take over a claim that failed or
   whose worker died mid-send. Only the holder of the claim sends.
3. Send; then mark the claim sent and write the timeline event together. A failed send marks
   the claim failed: the task retries with backoff, the admin lists it, the next run resends it.
4. A claim left open by a worker that died mid-send goes stale after
   REMINDERS_STALE_CLAIM_MINUTES and the next run takes it over. The task asks
   `reminders_open_claims` after each run and retries until none is left, so a killed worker's
   email goes out within minutes, not on the next day's run.

This service is deliberately not one transaction: a claim must be committed (visible to other
workers) before its email leaves, and a sent email must be recorded even if a later one fails.
"""

from __future__ import annotations

import logging
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.utils import DNS_NAME
from django.db import transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from requests_app import hooks
from requests_app.calendars import calendars
from requests_app.deadlines import FOIA, FOISA, WorkingCalendar
from requests_app.models import FoiRequest, RequestEvent, SentReminder
from requests_app.models.reminders import ReminderKind, ReminderStatus
from requests_app.roles import ROLES
from requests_app.services.deadlines import request_deadlines
from requests_app.workflow import AWAITING_RESPONSE, Status

logger = logging.getLogger(__name__)

# Digest windows (issue 4): answers due within 3 working days, complaint windows closing
# within 5 working days.
DUE_SOON_WORKING_DAYS = 3
COMPLAINT_WINDOW_WARNING_WORKING_DAYS = 5
# The longest complaint window (SIC: 6 months); older review answers cannot be in the window.
_COMPLAINT_LOOKBACK = timedelta(days=190)

CHASER_STAGES = {
    # status group -> (first kind, second kind)
    "answer": (ReminderKind.CHASER_FIRST, ReminderKind.CHASER_SECOND),
    "review": (ReminderKind.REVIEW_CHASER_FIRST, ReminderKind.REVIEW_CHASER_SECOND),
}
CHASED_STATUSES = AWAITING_RESPONSE | {Status.REVIEW_REQUESTED}

LAW_NAMES = {
    FOIA: "the Freedom of Information Act 2000",
    FOISA: "the Freedom of Information (Scotland) Act 2002",
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


def empty_counts() -> dict[str, int]:
    counts = {kind: 0 for kind in ReminderKind.values}
    counts["failed"] = 0
    return counts


def reminders_send_daily(*, today: date, dry_run: bool = False) -> dict[str, int]:
    """Send what is owed as of `today`. Returns emails sent per kind, plus "failed".

    With dry_run, nothing is claimed or sent and the counts are what would be sent.
    On a day that is not a working day somewhere in the UK no digests go (the next working
    day's catches up); a chaser goes on any working day of the force it is for.
    """
    counts = empty_counts()
    cals = calendars()
    outgoing = _owed(today=today, cals=cals)
    if dry_run:
        for out in reminders_pending(outgoing):
            counts[out.kind] += 1
        return counts

    token = uuid.uuid4().hex
    # The filebased backend names its file after id(connection) and the second; keeping every
    # connection alive for the run keeps the ids (so the files, one per email) distinct.
    connections = []
    for out in outgoing:
        # One email at a time: claim (committed), send, mark sent (committed). At most one email
        # per worker is ever between its claim and its "sent" mark, so a worker killed with -9
        # leaves at most one open claim behind, and the window in which an email has left but is
        # not yet recorded (see _mark_sent) is one message wide. Batching claims or marks would
        # save a few queries per email and widen both windows to the whole batch.
        claim = _claim(out, today=today, token=token)
        if claim is None:
            continue
        connection = get_connection()
        connections.append(connection)
        try:
            _message(out, connection, message_id=_message_id(claim)).send()
        except Exception as exc:  # anything that stops delivery: keep the claim, retry later
            logger.warning("Reminders: sending %s to %s failed: %r", out.kind, out.to_email, exc)
            SentReminder.objects.filter(pk=claim.pk, claim_token=token).update(
                status=ReminderStatus.FAILED,
                attempts=F("attempts") + 1,
                last_error=repr(exc)[:2000],
            )
            counts["failed"] += 1
            continue
        if _mark_sent(claim, out, today=today, token=token):
            counts[out.kind] += 1
            logger.info("Reminders: sent %s to %s (%s)", out.kind, out.to_email, out.subject)
    _skip_no_longer_owed(outgoing, today=today)
    return counts


@dataclass(frozen=True)
class OpenClaims:
    """Claims not yet settled (neither sent nor closed) after a run, and when to look again."""

    count: int
    retry_in_seconds: float

    def __bool__(self) -> bool:
        return self.count > 0


def reminders_open_claims(*, today: date) -> OpenClaims:
    """Emails still claimed but not marked sent, from runs up to `today`.

    Each is held either by a run still sending (it will mark it soon) or by a worker that died
    (it goes stale and the next run takes it over). The caller cannot tell which, so it waits
    until the oldest would be stale, then runs again: by then the live run has marked it, or
    the new run sends it. `retry_in_seconds` is that wait (at least one second).
    """
    open_claims = SentReminder.objects.filter(status=ReminderStatus.CLAIMED, run_on__lte=today)
    oldest = open_claims.order_by("claimed_at").values_list("claimed_at", flat=True).first()
    if oldest is None:
        return OpenClaims(count=0, retry_in_seconds=0.0)
    stale_at = oldest + timedelta(minutes=settings.REMINDERS_STALE_CLAIM_MINUTES)
    wait = (stale_at - timezone.now()).total_seconds()
    return OpenClaims(count=open_claims.count(), retry_in_seconds=max(1.0, wait + 1.0))


def reminders_pending(outgoing: Iterable[Outgoing]) -> list[Outgoing]:
    """The emails a run would send: no row yet, or a failed or stale claim."""
    stale_before = _stale_before()
    pending = []
    for out in outgoing:
        row = SentReminder.objects.filter(**out.key).first()
        if (
            row is None
            or row.status == ReminderStatus.FAILED
            or (row.status == ReminderStatus.CLAIMED and row.claimed_at < stale_before)
        ):
            pending.append(out)
    return pending


def reminders_owed(*, today: date) -> list[Outgoing]:
    """Every email owed as of `today`, whether or not already sent (for dry runs and checks)."""
    return _owed(today=today, cals=calendars())


def _owed(*, today: date, cals: dict[str, WorkingCalendar]) -> list[Outgoing]:
    chasers = _chasers_owed(today=today, cals=cals)
    # Digests are a working-morning email: none on a day that is a holiday anywhere in the UK
    # (the next working day's digest covers it). Chasers follow each force's own calendar.
    if not cals[FOIA].is_working_day(today):
        return chasers
    return [*chasers, *_digests_owed(today=today, cals=cals)]


# Claims -------------------------------------------------------------------------------------


def _stale_before():
    return timezone.now() - timedelta(minutes=settings.REMINDERS_STALE_CLAIM_MINUTES)


def _claim(out: Outgoing, *, today: date, token: str) -> SentReminder | None:
    """Claim `out` for this run; None when another run holds it or it was already sent."""
    now = timezone.now()
    with transaction.atomic():
        # ignore_conflicts: the unique constraint, not a read-then-write, picks the winner.
        SentReminder.objects.bulk_create(
            [
                SentReminder(
                    **out.key,
                    to_email=out.to_email,
                    subject=out.subject[:250],
                    status=ReminderStatus.CLAIMED,
                    run_on=today,
                    claim_token=token,
                    claimed_at=now,
                )
            ],
            ignore_conflicts=True,
        )
    # Take over a claim whose send failed, or whose worker died before marking it. The
    # conditional UPDATE is atomic: of two runs, only one sees the old status.
    SentReminder.objects.filter(**out.key).filter(
        Q(status=ReminderStatus.FAILED)
        | Q(status=ReminderStatus.CLAIMED, claimed_at__lt=_stale_before())
    ).update(
        status=ReminderStatus.CLAIMED,
        claim_token=token,
        claimed_at=now,
        run_on=today,
        to_email=out.to_email,
        subject=out.subject[:250],
    )
    return SentReminder.objects.filter(
        **out.key, claim_token=token, status=ReminderStatus.CLAIMED
    ).first()


@transaction.atomic
def _mark_sent(claim: SentReminder, out: Outgoing, *, today: date, token: str) -> bool:
    # The trade-off, made here: the email has left before this commit. A worker killed between
    # the two leaves a claim that goes stale and is sent again: at-least-once delivery, with one
    # possible duplicate per killed worker (the one message in flight), carrying the same
    # Message-ID as the first so that mail software can tell. The alternative, marking sent
    # before sending, is at-most-once: a kill in the same window would lose the chaser silently.
    # A late force is better chased twice than not at all, and the window is milliseconds (one
    # UPDATE and one INSERT after the SMTP server's "250 OK").
    updated = SentReminder.objects.filter(pk=claim.pk, claim_token=token).update(
        status=ReminderStatus.SENT,
        sent_at=timezone.now(),
        attempts=F("attempts") + 1,
        last_error="",
    )
    if not updated:
        # Another run took the claim over as stale while this one was sending.
        logger.warning("Reminders: claim %s was taken over while sending.", claim.pk)
        return False
    if out.request_id is not None:
        RequestEvent.objects.create(
            request_id=out.request_id,
            kind=RequestEvent.Kind.CHASER_SENT,
            happened_on=today,
            note=out.event_note,
            data={**out.event_data, "reminder_id": claim.pk},
        )
    return True


def _skip_no_longer_owed(outgoing: list[Outgoing], *, today: date) -> None:
    """Close failed and stale claims nobody owes any more, so that the admin's "failed" list
    means work to do and no open claim waits forever for a run that will never take it over.

    A chaser whose request was answered, or whose deadline moved, since it failed; a digest
    from an earlier day (today's digest carries the current picture instead).
    """
    owed = {tuple(out.key.values()) for out in outgoing}
    closable = Q(status=ReminderStatus.FAILED) | Q(
        status=ReminderStatus.CLAIMED, claimed_at__lt=_stale_before()
    )
    for row in SentReminder.objects.filter(closable, run_on__lte=today):
        key = (row.kind, row.about_date, row.request_id, row.recipient_id)
        if key in owed:
            continue
        if row.kind == ReminderKind.DIGEST and row.about_date >= today:
            continue
        reason = (
            f"Superseded by the digest of {today:%Y-%m-%d}."
            if row.kind == ReminderKind.DIGEST
            else f"No longer owed on {today:%Y-%m-%d} (answered, withdrawn or deadline moved)."
        )
        if row.status == ReminderStatus.CLAIMED:
            reason = f"Abandoned by a worker that stopped mid-send. {reason}"
        # Conditional on the status and claim read above: a run that took the row over
        # meanwhile keeps it.
        SentReminder.objects.filter(
            pk=row.pk, status=row.status, claim_token=row.claim_token
        ).update(status=ReminderStatus.SKIPPED, last_error=f"{row.last_error}\n{reason}".strip())


def _message_id(claim: SentReminder) -> str:
    """One Message-ID per sent-log row: a resend after a crash repeats it (RFC 5322 3.6.4)."""
    return f"<foi-reminder-{claim.pk}.{claim.kind}.{claim.about_date:%Y%m%d}@{DNS_NAME}>"


def _message(out: Outgoing, connection, *, message_id: str | None = None) -> EmailMultiAlternatives:
    headers = _headers(out)
    if message_id:
        headers["Message-ID"] = message_id
    message = EmailMultiAlternatives(
        subject=out.subject,
        body=out.body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[out.to_email],
        reply_to=out.reply_to or None,
        connection=connection,
        headers=headers,
    )
    message.attach_alternative(out.html, "text/html")
    return message


def _headers(out: Outgoing) -> dict[str, str]:
    headers = {"X-FOI-Tracker-Kind": out.kind}
    if out.kind == ReminderKind.DIGEST:
        # RFC 3834: no out-of-office replies to the tracker. Chasers go without it: they are
        # letters from the team, and a force's acknowledgement (with its reference) is welcome.
        headers["Auto-Submitted"] = "auto-generated"
    return headers


def _render(name: str, context: dict) -> tuple[str, str, str]:
    subject = render_to_string(f"emails/{name}-subject.txt", context)
    subject = " ".join(subject.split())
    body = render_to_string(f"emails/{name}-body.txt", context)
    html = render_to_string(f"emails/{name}-body.html", context)
    return subject, body, html


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


def _chasers_owed(*, today: date, cals: dict[str, WorkingCalendar]) -> list[Outgoing]:
    requests = (
        FoiRequest.objects.filter(
            campaign__chase_forces=True,
            status__in=CHASED_STATUSES,
            next_due_on__lt=today,
        )
        .exclude(force__foi_email="")
        .select_related("force", "campaign", "campaign__owner")
        .order_by("pk")
    )
    periods: dict[int, list] = {}
    owed = []
    for foi in requests:
        cal = cals[foi.force.law]
        if not cal.is_working_day(today):
            # A force is only written to on its own working days (Police Scotland works on
            # Easter Monday, Kent does not); what is owed goes on its next working day.
            continue
        group = "review" if foi.status == Status.REVIEW_REQUESTED else "answer"
        dates = chaser_dates(foi.next_due_on, foi.campaign.chase_again_after, cal)
        for stage, (kind, on) in enumerate(zip(CHASER_STAGES[group], dates, strict=True), start=1):
            if on > today:
                break
            if foi.campaign_id not in periods:
                periods[foi.campaign_id] = list(foi.campaign.periods.all())
            owed.append(
                _chaser(
                    foi,
                    kind=kind,
                    stage=stage,
                    group=group,
                    cal=cal,
                    periods=periods[foi.campaign_id],
                )
            )
    return owed


def _chaser(foi: FoiRequest, *, kind: str, stage: int, group: str, cal, periods) -> Outgoing:
    deadlines = request_deadlines(foi, cal)
    owner = foi.campaign.owner
    signature = (owner.get_full_name() if owner else "") or "The FOI team"
    context = {
        "foi": foi,
        "force": foi.force,
        "campaign": foi.campaign,
        "stage": stage,
        "is_final": stage == len(CHASER_STAGES[group]),
        "law": foi.force.law,
        "law_name": LAW_NAMES[foi.force.law],
        "is_foisa": foi.force.law == FOISA,
        "reference": foi.force_reference,
        "sent_on": foi.sent_on,
        "received_on": foi.received_on,
        "due_on": foi.due_on or deadlines.response_due_on,
        "chased_due_on": foi.next_due_on,
        "pit_estimated_on": foi.pit_estimated_on if foi.status == Status.PIT_EXTENSION else None,
        "review_requested_on": foi.review_requested_on,
        "review_due_on": foi.next_due_on if group == "review" else None,
        "request_text": foi.campaign.render_request_text(foi.force, periods),
        "signature": signature,
    }
    subject, body, html = _render("review_chaser" if group == "review" else "chaser", context)
    what = "internal review" if group == "review" else "answer"
    return Outgoing(
        kind=kind,
        about_date=foi.next_due_on,
        to_email=foi.force.foi_email,
        subject=subject,
        body=body,
        html=html,
        request_id=foi.pk,
        reply_to=[settings.CHASER_REPLY_TO] if settings.CHASER_REPLY_TO else [],
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


def _item(foi: FoiRequest, detail: str) -> dict:
    return {
        "label": f"{foi.force.name}: {foi.campaign.title}",
        "url": absolute_url(foi),
        "detail": detail,
    }


def _late_detail(foi: FoiRequest, cal: WorkingCalendar, today: date, what: str) -> str:
    late = cal.working_days_between(foi.next_due_on, today)
    plural = "s" if late != 1 else ""
    return f"{what} was due {foi.next_due_on:%a %-d %b %Y}: {late} working day{plural} late"


def _request_sections(user_ids: list[int], *, today: date, cals) -> dict[int, dict[str, list]]:
    """owner id -> section title -> items, for the requests of the campaigns each person owns."""
    soon_last = {
        law: cal.add_working_days(today, DUE_SOON_WORKING_DAYS) for law, cal in cals.items()
    }
    sections: dict[int, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    requests = (
        FoiRequest.objects.filter(
            campaign__owner_id__in=user_ids,
            status__in=CHASED_STATUSES,
            next_due_on__lte=max(soon_last.values()),
        )
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
                detail = (
                    f"Internal review due {foi.next_due_on:%a %-d %b %Y} ({left} working days left)"
                )
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
            plural = "s" if left != 1 else ""
            sections[owner][f"Due within {DUE_SOON_WORKING_DAYS} working days"].append(
                _item(
                    foi,
                    f"Answer due {foi.next_due_on:%a %-d %b %Y} ({left} working day{plural} left)",
                )
            )
    reviewed = (
        FoiRequest.objects.filter(
            campaign__owner_id__in=user_ids,
            status=Status.REVIEW_ANSWERED,
            review_answered_on__gte=today - _COMPLAINT_LOOKBACK,
        )
        .select_related("force", "campaign")
        .order_by("review_answered_on")
    )
    for foi in reviewed:
        cal = cals[foi.force.law]
        closes = request_deadlines(foi, cal).complaint_window_closes_on
        if closes and today <= closes <= cal.add_working_days(
            today, COMPLAINT_WINDOW_WARNING_WORKING_DAYS
        ):
            body = "Scottish Information Commissioner" if foi.force.law == FOISA else "ICO"
            sections[foi.campaign.owner_id]["Complaint windows closing"].append(
                _item(foi, f"Last day to complain to the {body}: {closes:%a %-d %b %Y}")
            )
    return sections


SECTION_ORDER = [
    "Long overdue (over 40 working days)",
    "Overdue",
    f"Due within {DUE_SOON_WORKING_DAYS} working days",
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
    url = item.get("url") or ""
    return {**item, "url": settings.SITE_URL + url} if url.startswith("/") else item


def _digests_owed(*, today: date, cals) -> list[Outgoing]:
    users = list(digest_recipients())
    by_owner = _request_sections([u.pk for u in users], today=today, cals=cals)
    owed = []
    for user in users:
        sections = digest_sections(user, today=today, request_sections=by_owner.get(user.pk, {}))
        if not sections:
            continue
        total = sum(len(s["items"]) for s in sections)
        context = {
            "user": user,
            "name": user.get_full_name() or user.username,
            "today": today,
            "sections": sections,
            "total": total,
            "site_url": settings.SITE_URL,
            "profile_url": _profile_url(),
        }
        subject, body, html = _render("digest", context)
        owed.append(
            Outgoing(
                kind=ReminderKind.DIGEST,
                about_date=today,
                to_email=user.email,
                subject=subject,
                body=body,
                html=html,
                recipient_id=user.pk,
            )
        )
    return owed
