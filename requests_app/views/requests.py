"""The request page and one URL per lifecycle action.

foi_tracker/pages/request_page.py wires them with `sections`: fn(http_request, foi) -> the HTML
of the parts below the timeline that other apps show (the figures), each escaped by its own
template. The action and note views take it too, as they show the page again on an error."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

from django.contrib import messages
from django.db.models import prefetch_related_objects
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from requests_app import roles
from requests_app.access import get_request_for_user, view_required
from requests_app.calendars import calendar_for
from requests_app.exemptions import exemption_label
from requests_app.forms import ACTION_FORMS, NoteForm
from requests_app.selectors.clock import request_deadlines
from requests_app.selectors.requests import request_row, screenings_of, with_files
from requests_app.services import lifecycle
from requests_app.services.attachments import check_upload
from requests_app.services.errors import ServiceError
from requests_app.services.lifecycle import ACTION_SERVICES, request_add_note
from requests_app.workflow import Action, InvalidTransition


def _action_forms(foi, bound=None):
    forms = []
    for action in foi.allowed_actions():
        url = reverse("request_action", args=[foi.pk, action])
        if bound is not None and bound.action == action:
            forms.append(bound)
        else:
            forms.append(ACTION_FORMS[action](foi=foi, action_url=url))
    return forms


Sections = Callable[..., list[str]]


def _render_detail(request, foi, *, sections: Sections, bound=None, note_form=None, status=200):
    today = timezone.localdate()
    cal = calendar_for(foi.force.law)
    # Read once for the whole page, the apps' sections included: the campaign's periods (the
    # letter, the figures grid) and the request's files (the lists, the grid's file choice).
    prefetch_related_objects([foi.campaign], "periods")
    attachments = list(with_files(foi).attachments.all())
    by_event = defaultdict(list)
    for attachment in attachments:
        if attachment.event_id:
            by_event[attachment.event_id].append(attachment)
    events = list(foi.events.select_related("actor"))
    for event in events:
        event.files = by_event.get(event.pk, [])
    shown = [mark_safe(html) for html in sections(request, foi)]  # noqa: S308 - rendered by their own templates, escaped there
    return render(
        request,
        "requests_app/request_detail.html",
        {
            "foi": foi,
            "campaign": foi.campaign,
            "row": request_row(foi, cal, today),
            "deadlines": request_deadlines(foi, cal),
            "request_text": foi.campaign.render_request_text(foi.force),
            "events": events,
            "attachments": attachments,
            "screenings": screenings_of(attachments),
            "exemptions": [exemption_label(code) for code in foi.exemptions],
            "action_forms": _action_forms(foi, bound) if roles.can_edit(request.user) else [],
            "note_form": note_form or NoteForm(),
            "sections": shown,
            "today": today,
        },
        status=status,
    )


@view_required
def request_detail(request, pk, *, sections: Sections):
    foi = get_request_for_user(request, pk)
    return _render_detail(request, foi, sections=sections)


@require_POST
@view_required
def request_action(request, pk, action, *, sections: Sections):
    foi = get_request_for_user(request, pk, write=True)
    if action not in ACTION_SERVICES:
        raise Http404("No such action.")
    url = reverse("request_action", args=[foi.pk, action])
    form = ACTION_FORMS[action](request.POST, request.FILES, foi=foi, action_url=url)
    if action not in foi.allowed_actions():
        messages.error(request, str(InvalidTransition(foi.status, action, foi.force.law)))
        return redirect(foi)
    if form.is_valid():
        uploads = form.cleaned_data.get("attachments") or []
        try:
            # Checked before the action so a bad file is reported without a locked row; the
            # service checks again (it may be called from elsewhere).
            for upload in uploads:
                check_upload(upload)
            ACTION_SERVICES[action](
                request_id=foi.pk, actor=request.user, attachments=uploads, **form.service_kwargs()
            )
        except InvalidTransition as exc:
            messages.error(request, str(exc))
            return redirect(foi)
        except ServiceError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc))
        else:
            messages.success(request, f"{Action(action).label}: saved.")
            return redirect(foi)
    foi.refresh_from_db()
    return _render_detail(request, foi, sections=sections, bound=form, status=400)


@require_POST
@view_required
def request_note(request, pk, *, sections: Sections):
    foi = get_request_for_user(request, pk, write=True)
    form = NoteForm(request.POST)
    if form.is_valid():
        try:
            request_add_note(request_id=foi.pk, actor=request.user, note=form.cleaned_data["note"])
        except ServiceError as exc:
            form.add_error("note", str(exc))
        else:
            messages.success(request, "Note added.")
            return redirect(foi)
    return _render_detail(request, foi, sections=sections, note_form=form, status=400)


@require_POST
@view_required
def request_reply_seen(request, pk):
    foi = get_request_for_user(request, pk, write=True)
    try:
        lifecycle.request_reply_seen(request_id=foi.pk, actor=request.user)
    except ServiceError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Reply marked as read: nothing to record.")
    return redirect(foi)
