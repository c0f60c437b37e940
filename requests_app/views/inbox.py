"""The Inbox (mail nobody could place) and one received message, with its placing actions."""

import re
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from requests_app.access import edit_required, view_required
from requests_app.mail.matching import suggestions
from requests_app.mail.reply_text import split_reply
from requests_app.models import InboundMessage
from requests_app.models.mail import MessageKind, MessageStatus
from requests_app.selectors.mail_checks import mail_check_latest
from requests_app.services.errors import ServiceError
from requests_app.services.mail_checks import mail_check_start
from requests_app.services.mail_filing import (
    CORRECTABLE_KINDS,
    message_assign,
    message_correct_kind,
    message_mark_not_foi,
)

REFERENCE = re.compile(r"^\s*\[?(?:FOI-)?(\d{1,12})\]?\s*$", re.I)


@view_required
def inbox(request):
    unplaced = InboundMessage.objects.filter(status=MessageStatus.INBOX).order_by("received_at")
    page = Paginator(unplaced, 25).get_page(request.GET.get("page"))
    rows = [(message, suggestions(message)) for message in page]
    return render(
        request,
        "requests_app/inbox.html",
        {
            "page": page,
            "rows": rows,
            "mail_source": _mail_source(),
            "last_check": mail_check_latest(user=request.user, now=timezone.now()),
        },
    )


def _mail_source() -> str:
    """Where replies are read from, for the page; never the IMAP password."""
    if settings.FOI_IMAP_URL:
        url = urlsplit(settings.FOI_IMAP_URL)
        return f"the IMAP mailbox {url.path.lstrip('/') or 'INBOX'} on {url.hostname}"
    return f"the drop folder {settings.FOI_MAIL_DROP_DIR} (any .eml file saved there)"


@require_POST
@edit_required
def inbox_check(request):
    """Read the mailbox now rather than at the next scheduled check (a worker does the work;
    the Inbox says "Checking…" until it has recorded what it did)."""
    mail_check_start(actor=request.user)
    return redirect("inbox")


@view_required
def message_detail(request, pk):
    message = get_object_or_404(
        InboundMessage.objects.select_related(
            "request__force", "request__campaign", "placed_by", "suggested_request__force"
        ),
        pk=pk,
    )
    correctable = message.status in (
        MessageStatus.FILED,
        MessageStatus.INBOX,
        MessageStatus.NOT_FOI,
    )
    return render(
        request,
        "requests_app/message_detail.html",
        {
            "message": message,
            "suggestions": suggestions(message)
            if message.status in (MessageStatus.INBOX, MessageStatus.NOT_FOI)
            else [],
            "attachments": message.event.attachments.all() if message.event_id else [],
            "reply": split_reply(message.body_text),
            "other_kinds": [
                (kind, MessageKind(kind).label)
                for kind in CORRECTABLE_KINDS
                if kind != message.kind and correctable
            ],
        },
    )


@require_POST
@edit_required
def message_place(request, pk):
    message = get_object_or_404(InboundMessage, pk=pk)
    found = REFERENCE.match(request.POST.get("request", ""))
    if not found:
        messages.error(request, "Request: give our reference, e.g. FOI-123, or pick a suggestion.")
        return redirect(message)
    try:
        message_assign(message_id=message.pk, request_id=int(found.group(1)), actor=request.user)
    except ServiceError as exc:
        messages.error(request, f"Request: {exc}")
        return redirect(message)
    message.refresh_from_db()
    messages.success(request, f"Filed on {message.request.reference} ({message.request}).")
    return redirect("inbox")


@require_POST
@edit_required
def message_not_foi(request, pk):
    message = get_object_or_404(InboundMessage, pk=pk)
    try:
        message_mark_not_foi(message_id=message.pk, actor=request.user)
    except ServiceError as exc:
        messages.error(request, str(exc))
        return redirect(message)
    messages.success(request, "Marked not FOI.")
    return redirect("inbox")


@require_POST
@edit_required
def message_kind(request, pk):
    """A person corrects what a message is; the service checks the kind against its own list."""
    message = get_object_or_404(InboundMessage, pk=pk)
    try:
        message = message_correct_kind(
            message_id=message.pk, kind=request.POST.get("kind", ""), actor=request.user
        )
    except ServiceError as exc:
        messages.error(request, f"Kind: {exc}")
        return redirect(message)
    follows = " The request follows." if message.request_id else ""
    messages.success(request, f"Now {message.get_kind_display().lower()}.{follows}")
    return redirect(message)
