""" "Check for mail now": a MailCheck row is written when a person asks and completed by the
worker that read the mailbox, so the Inbox says what the check did, or that it is still going.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from requests_app.models import MailCheck
from requests_app.services.mail_fetch import mail_fetch_soon
from requests_app.services.mail_in import Outcome

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

    from requests_app.services.mail_fetch import FetchReport


@transaction.atomic
def mail_check_start(*, actor: AbstractBaseUser) -> MailCheck:
    """Record that `actor` asked, and queue the fetch after commit."""
    check = MailCheck.objects.create(requested_by=actor)
    mail_fetch_soon(check_id=check.pk)
    return check


@transaction.atomic
def mail_check_finish(*, check_id: int, report: FetchReport | None = None, error: str = "") -> None:
    """Store what the fetch did (or why it failed). A check deleted meanwhile is ignored; a
    check finished already (the task ran twice) keeps its first result."""
    check = MailCheck.objects.select_for_update().filter(pk=check_id, finished_at=None).first()
    if check is None:
        return
    check.finished_at = timezone.now()
    check.error = error
    if report is not None:
        check.filed_ids = report.filed_ids
        check.waiting_ids = report.waiting_ids
        check.duplicates = report.counts[Outcome.DUPLICATE]
        check.refused = report.counts[Outcome.REFUSED]
        check.failed = report.counts["failed"]
        check.more_waiting = report.more_waiting
    check.save()
