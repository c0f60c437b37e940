"""Reads about screened attachments (issue 13): their findings for pages, the quarantined
files a person should act on (the digest), what may leave the tracker, and the note to the
force. Selectors: no writes, no services."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from urllib.parse import quote

from django.conf import settings
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from requests_app import roles
from requests_app.models import AttachmentScreening, RequestAttachment
from requests_app.needs_you import DashboardSection
from requests_app.screening import LABELS, UNITS, Finding
from requests_app.text import long_date, plural

DIGEST_SECTION = "Files quarantined"


@dataclass(frozen=True)
class ShownFinding:
    kind: str
    label: str
    where: str
    count: int
    amount: str  # "1,005 cells"
    personal_data_risk: bool


def shown(findings: list[dict]) -> list[ShownFinding]:
    result = []
    for raw in findings or []:
        item = Finding.from_dict(raw)
        result.append(
            ShownFinding(
                kind=item.kind,
                label=LABELS.get(item.kind, item.kind),
                where=item.where,
                count=item.count,
                amount=plural(item.count, UNITS.get(item.kind, "item")),
                personal_data_risk=item.personal_data_risk,
            )
        )
    # What can hold personal data first, then the rest in the vocabulary's order.
    order = {kind: n for n, kind in enumerate(LABELS)}
    return sorted(result, key=lambda f: (not f.personal_data_risk, order.get(f.kind, 99)))


def summary(findings: list[dict]) -> str:
    """One line: 'Hidden sheet (1,005 cells); Pivot cache (250 records)'."""
    return "; ".join(f"{f.label} ({f.amount})" for f in shown(findings))


def screening_of(attachment: RequestAttachment) -> AttachmentScreening | None:
    """Its screening, or None for a file stored before screening existed."""
    try:
        return attachment.screening
    except AttachmentScreening.DoesNotExist:
        return None


def is_quarantined(attachment: RequestAttachment) -> bool:
    """Whether only a reviewer may open the file: anything that reads its bytes for someone
    else (a preview, figures taken from its cells) must check this first."""
    screening = screening_of(attachment)
    return bool(screening and screening.quarantined)


def file_may_leave(*, quarantined: bool | None, stored: str | None) -> bool:
    """Whether a file's bytes (or its name) may leave the tracker (an export, a release, a
    bundle): never a quarantined file, nor one whose bytes were deleted (`stored`, the file
    field's value, empty). Unscreened files (`quarantined` None: stored before screening
    existed) are allowed, as they were before."""
    return not quarantined and bool(stored)


def quarantined_waiting(user) -> QuerySet[AttachmentScreening]:
    """Quarantined files still to act on (bytes not deleted, force not told yet) that `user`
    should hear about: every one for a reviewer (only they can open them), and those of the
    campaigns they own for anyone else."""
    waiting = (
        AttachmentScreening.objects.filter(quarantined=True, force_told_at__isnull=True)
        .exclude(attachment__file="")
        .select_related("attachment__request__force", "attachment__request__campaign")
        .order_by("screened_at", "pk")
    )
    if roles.can_review(user):
        return waiting
    if roles.can_view(user):
        return waiting.filter(Q(attachment__request__campaign__owner=user))
    return waiting.none()


def _item(screening: AttachmentScreening) -> dict:
    attachment = screening.attachment
    foi = attachment.request
    return {
        "label": f"{foi.force.name}: {attachment.original_name}",
        "url": reverse("attachment_detail", args=[attachment.pk]),
        "detail": (
            f"{summary(screening.findings)}. Only a reviewer can open it; "
            "tell the force (a note is ready on the file's page)."
        ),
        "campaign": foi.campaign.title,
        "campaign_url": foi.campaign.get_absolute_url(),
    }


def digest_quarantined(user, today: date) -> list[dict]:
    """The digest section "Files quarantined"."""
    return [_item(screening) for screening in quarantined_waiting(user)[:50]]


def dashboard_sections(user, today: date) -> list[DashboardSection]:
    """The same list in the dashboard's "Needs you"."""
    return [
        DashboardSection(
            key="quarantined", title=DIGEST_SECTION, items=quarantined_waiting(user), item=_item
        )
    ]


@dataclass(frozen=True)
class ForceNote:
    to: str
    subject: str
    body: str

    @property
    def mailto(self) -> str:
        return f"mailto:{quote(self.to)}?subject={quote(self.subject)}&body={quote(self.body)}"


def force_note(attachment: RequestAttachment, screening: AttachmentScreening) -> ForceNote:
    """A ready-to-send note telling the force what its file holds out of sight."""
    foi = attachment.request
    theirs = f", your reference {foi.force_reference}" if foi.force_reference else ""
    subject = f"{foi.reference}{theirs}: a file you sent us holds hidden data"
    arrived = timezone.localtime(attachment.uploaded_at)
    lines = [
        f"Dear {foi.force.name} FOI team,",
        "",
        f"On {long_date(arrived)} we received the file {attachment.original_name} "
        f"(SHA-256 {attachment.sha256}) in reply to our request {foi.reference} "
        f'("{foi.campaign.title}"){theirs}.',
        "",
        "When we checked it on arrival we found content that is not visible when the file is "
        "opened normally:",
    ]
    for item in shown(screening.findings):
        if item.personal_data_risk:
            lines.append(f"- {item.label}: {item.where} ({item.amount})")
    lines += [
        "",
        "This may include personal data that was not meant to be disclosed. We have not read "
        "further, used or shared it: the file is held where only our reviewers can open it.",
        "",
        "Please check the file and tell us whether this content was meant to be released. If "
        "not, please send a corrected file and tell us whether we should delete the one we hold. "
        "You may also need to consider whether this is a personal data breach to report to the "
        "Information Commissioner's Office within 72 hours (UK GDPR Article 33).",
        "",
        "Yours faithfully,",
        settings.FOI_ORGANISATION,
    ]
    to = foi.force.foi_email or ""
    return ForceNote(to=to, subject=subject, body="\n".join(lines))
