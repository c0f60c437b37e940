"""Reads: each person's morning digest owed as of a day (its sections of late, due and answered
requests, and what figures_app adds), and the digests rendered. Part of the daily reminders job
(selectors/reminders.py)."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from requests_app.deadlines import FOIA, WorkingCalendar
from requests_app.models import Campaign, FoiRequest, SentReminder, StaffProfile
from requests_app.models.reminders import ReminderKind
from requests_app.models.requests import figures_unrecorded_q
from requests_app.roles import ROLES
from requests_app.selectors.deadlines import (
    CHASED_STATUSES,
    DUE_SOON_WORKING_DAYS,
    bouncing_requests,
    complaint_windows_closing,
)
from requests_app.selectors.quarantine import DIGEST_SECTION as QUARANTINED
from requests_app.selectors.quarantine import digest_quarantined
from requests_app.selectors.reminders import (
    EmailTemplates,
    Outgoing,
    Owed,
    absolute_url,
    is_retryable,
)
from requests_app.text import long_day, plural
from requests_app.workflow import Status

logger = logging.getLogger(__name__)
# Awaiting a response with figures entered (models.requests.figures_unrecorded_q): neither
# chased nor counted overdue, but listed so that someone records the response from the letter.
FIGURES_UNRECORDED = "Figures in, response not recorded"
NEW_REPLIES = "New replies: record the response"
BOUNCING = "FOI addresses bouncing"


def _profile_url() -> str:
    try:
        return settings.SITE_URL + reverse("profile")
    except NoReverseMatch:
        return settings.SITE_URL


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
    return f"{what} was due {long_day(foi.next_due_on)}: {plural(late, 'working day')} late"


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
                detail = f"Internal review due {long_day(foi.next_due_on)} ({plural(left, 'working day')} left)"
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
                    f"Answer due {long_day(foi.next_due_on)} ({plural(left, 'working day')} left)",
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
            _item(foi, f"Reply received {long_day(timezone.localtime(foi.new_reply_at))}")
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
                f"Last day to complain to the {window.commissioner}: {long_day(window.closes_on)}",
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


# Sections of the digest that other apps add (foi_tracker/digest.py: the figures'), after
# requests_app's own: (title, section(user, today) -> [{"label", "url", "detail", "campaign",
# "campaign_url"}], empty when there is nothing to say).
DigestSection = tuple[str, Callable[..., list[dict]]]


def digest_sections(
    user,
    *,
    today: date,
    request_sections: dict[str, list],
    extra_sections: Sequence[DigestSection] = (),
) -> list[dict]:
    """[{"title", "items"}] in a fixed order, then files quarantined, then `extra_sections`."""
    sections = [
        {"title": title, "items": request_sections[title]}
        for title in SECTION_ORDER
        if request_sections.get(title)
    ]
    for title, section in [(QUARANTINED, digest_quarantined), *extra_sections]:
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


def _digests_for(users: list, *, today: date, cals, extra_sections: Sequence[DigestSection]):
    """(user, sections) for each of `users` with something in the digest."""
    by_owner = _request_sections([u.pk for u in users], today=today, cals=cals)
    for user in users:
        sections = digest_sections(
            user,
            today=today,
            request_sections=by_owner.get(user.pk, {}),
            extra_sections=extra_sections,
        )
        if sections:
            yield user, sections


def digests_pending(
    *,
    today: date,
    cals,
    stale_before: datetime,
    extra_sections: Sequence[DigestSection] = (),
) -> list[Owed]:
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
            user.pk
            for user, _ in _digests_for(
                _digest_users(others), today=today, cals=cals, extra_sections=extra_sections
            )
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
    recipient_ids: Iterable[int],
    *,
    today: date,
    cals,
    subject_only: bool = False,
    extra_sections: Sequence[DigestSection] = (),
) -> dict[int, Outgoing]:
    """recipient id -> today's digest, for those of them with something in it."""
    templates = EmailTemplates("digest")
    rendered = {}
    digests = _digests_for(
        _digest_users(recipient_ids), today=today, cals=cals, extra_sections=extra_sections
    )
    for user, sections in digests:
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
