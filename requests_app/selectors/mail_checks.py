"""What the Inbox says about the person's last "Check for mail now"."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from requests_app.models import InboundMessage, MailCheck
from requests_app.models.mail import MessageKind, MessageStatus

# A check still unfinished after this long is not "Checking…" any more: the worker is down or
# the task was lost, and the page says so rather than promising a result.
CHECK_STALE_AFTER = timedelta(minutes=10)


# "2 messages filed: a reply on FOI-199 (Kent Police), an acknowledgement on FOI-203 ..."
KIND_NOUNS = {
    MessageKind.REPLY: "a reply",
    MessageKind.ACKNOWLEDGEMENT: "an acknowledgement",
    MessageKind.AUTO_REPLY: "an automatic reply",
    MessageKind.BOUNCE: "a bounce",
    MessageKind.DELAY: "a delay notice",
    MessageKind.SPAM: "a message marked as spam",
}


@dataclass(frozen=True)
class Filed:
    message: InboundMessage
    noun: str


@dataclass
class CheckSummary:
    check: MailCheck
    state: str  # "checking", "stale", "failed" or "done"
    filed: list[Filed] = field(default_factory=list)
    waiting: int = 0

    @property
    def nothing_new(self) -> bool:
        check = self.check
        return not (check.filed_ids or check.waiting_ids or check.refused or check.failed)


def mail_check_latest(*, user, now: datetime) -> CheckSummary | None:
    """The user's latest check, with the messages it filed (as they are filed now) and how
    many it left in the Inbox are still waiting there."""
    check = MailCheck.objects.filter(requested_by=user).order_by("-requested_at", "-pk").first()
    if check is None:
        return None
    if check.finished_at is None:
        stale = now - check.requested_at > CHECK_STALE_AFTER
        return CheckSummary(check=check, state="stale" if stale else "checking")
    if check.error:
        return CheckSummary(check=check, state="failed")
    filed = []
    if check.filed_ids:
        by_id = InboundMessage.objects.select_related("request__force").in_bulk(check.filed_ids)
        filed = [
            Filed(message=by_id[pk], noun=KIND_NOUNS.get(by_id[pk].kind, "a message"))
            for pk in check.filed_ids
            if pk in by_id and by_id[pk].request_id
        ]
    waiting = 0
    if check.waiting_ids:
        waiting = InboundMessage.objects.filter(
            pk__in=check.waiting_ids, status=MessageStatus.INBOX
        ).count()
    return CheckSummary(check=check, state="done", filed=filed, waiting=waiting)
