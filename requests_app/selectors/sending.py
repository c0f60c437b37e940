"""Reads: what sending a campaign's requests would do (the send plan), and when an open send
claim counts as a dead worker's."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db.models import Count, Max, Min, Q, QuerySet
from django.utils import timezone

from requests_app.letters import Letter, request_letter
from requests_app.models import FoiRequest, SentRequest
from requests_app.models.outbox import SendStatus
from requests_app.workflow import Status


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


def send_stale_before() -> datetime:
    """Claims made before this are a dead worker's: a send may take them over."""
    return timezone.now() - timedelta(minutes=settings.FOI_SEND_STALE_CLAIM_MINUTES)


def request_claim_stale_in(request_id: int) -> float | None:
    """Seconds until the request's open claim (claimed, not sent) counts as a dead worker's;
    None when no claim is open. The send task waits this long before trying again."""
    claim = SentRequest.objects.filter(request_id=request_id, status=SendStatus.CLAIMED).first()
    if claim is None:
        return None
    stale_at = claim.claimed_at + timedelta(minutes=settings.FOI_SEND_STALE_CLAIM_MINUTES)
    return max(0.0, (stale_at - timezone.now()).total_seconds())


def requests_plan(*, request_ids: Iterable[int]) -> SendPlan:
    """What sending these requests would do now (the preview and --dry-run)."""
    return send_plan(
        FoiRequest.objects.filter(pk__in=list(request_ids)), stale_before=send_stale_before()
    )


@dataclass(frozen=True)
class SentSummary:
    """What of a campaign has been sent, and when (the Send page once some or all have gone)."""

    sent: int
    first_on: date | None
    last_on: date | None
    by_email: int  # sent by the tracker; the rest were recorded as sent outside it
    left_to_send: int  # drafts

    @property
    def outside(self) -> int:
        return self.sent - self.by_email


def campaign_sent_summary(*, campaign_id: int) -> SentSummary:
    """One aggregate over the campaign's requests."""
    sent = Q(sent_on__isnull=False)
    row = FoiRequest.objects.filter(campaign_id=campaign_id).aggregate(
        sent=Count("pk", filter=sent),
        first_on=Min("sent_on"),
        last_on=Max("sent_on"),
        by_email=Count("pk", filter=sent & Q(sent_log__status=SendStatus.SENT)),
        left_to_send=Count("pk", filter=Q(status=Status.DRAFT)),
    )
    return SentSummary(**row)
