"""What the daily reminders job owes as of a day: the chasers to late forces (keyed on the
deadline they are about, so a missed day is caught up) and each person's digest, rendered.
Reads only; requests_app/services/reminders.py claims, sends and records them.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from requests_app import hooks
from requests_app.clock import request_deadlines
from requests_app.deadlines import FOIA, FOISA, WorkingCalendar
from requests_app.letters import from_address, request_subject
from requests_app.models import FoiRequest, StaffProfile
from requests_app.models.campaigns import ACT_NAMES
from requests_app.models.reminders import ReminderKind
from requests_app.models.requests import figures_unrecorded_q
from requests_app.roles import ROLES
from requests_app.selectors import (
    CHASED_STATUSES,
    COMPLAINT_WINDOW_WARNING_WORKING_DAYS,  # noqa: F401 - part of this module's interface
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


def emails_owed(*, today: date, cals: dict[str, WorkingCalendar]) -> list[Outgoing]:
    chasers = _chasers_owed(today=today, cals=cals)
    # Digests are a working-morning email: none on a day that is a holiday anywhere in the UK
    # (the next working day's digest covers it). Chasers follow each force's own calendar.
    if not cals[FOIA].is_working_day(today):
        return chasers
    return [*chasers, *_digests_owed(today=today, cals=cals)]


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
        # Figures in, so the force has answered even if nobody recorded it: never chase it.
        .exclude(figures_unrecorded_q())
        # A reply arrived that nobody has recorded yet (services/mail_in.py): it may be the
        # answer, so the force is not chased until a person has read it.
        .filter(new_reply_at__isnull=True)
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
    # A chaser is a letter from the organisation that made the request: signed with its name
    # (FOI_ORGANISATION, as the request was), above the campaign owner's name when there is one.
    signature = owner.get_full_name() if owner else ""
    # Threaded: the tracker emailed the request, so the force has a message to which this is a
    # reply ("Re: <its subject>"). Marked sent by hand: the force never saw that subject, so no
    # "Re:" and no In-Reply-To, but the same words and our reference so a reply can be matched.
    threaded = bool(foi.sent_message_id)
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
        "received_on": foi.received_on,
        "due_on": foi.due_on or deadlines.response_due_on,
        "chased_due_on": foi.next_due_on,
        "pit_estimated_on": foi.pit_estimated_on if foi.status == Status.PIT_EXTENSION else None,
        "review_requested_on": foi.review_requested_on,
        "review_due_on": foi.next_due_on if group == "review" else None,
        "request_text": foi.campaign.render_request_text(foi.force, periods),
        "signature": signature,
        "organisation": settings.FOI_ORGANISATION,
        "our_reference": foi.reference,
        "request_subject": request_subject(foi),
        "threaded": threaded,
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
        reply_to=_chaser_reply_to(foi, threaded=threaded),
        from_email=from_address(),
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


def _item(foi: FoiRequest, detail: str) -> dict:
    return {
        "label": foi.force.name,
        "url": absolute_url(foi),
        "detail": detail,
        "campaign": foi.campaign.title,
        "campaign_url": absolute_url(foi.campaign),
    }


def _late_detail(foi: FoiRequest, cal: WorkingCalendar, today: date, what: str) -> str:
    late = cal.working_days_between(foi.next_due_on, today)
    return f"{what} was due {foi.next_due_on:%a %-d %b %Y}: {plural(late, 'working day')} late"


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
        # Not overdue nor due: answered (figures in); listed under FIGURES_UNRECORDED instead.
        .exclude(figures_unrecorded_q())
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


def _digests_owed(*, today: date, cals) -> list[Outgoing]:
    users = list(digest_recipients())
    by_owner = _request_sections([u.pk for u in users], today=today, cals=cals)
    owed = []
    for user in users:
        sections = digest_sections(user, today=today, request_sections=by_owner.get(user.pk, {}))
        if not sections:
            continue
        total = sum(len(s["items"]) for s in sections)
        campaigns = digest_by_campaign(sections)
        context = {
            "user": user,
            "name": user.get_full_name() or user.username,
            "today": today,
            "sections": sections,
            "campaigns": campaigns,
            "total": total,
            "site_url": settings.SITE_URL,
            "profile_url": _profile_url(),
            "digest_setting": StaffProfile.DIGEST_SETTING_LABEL,
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
