"""A stored file: its download, its page (what screening found), and the reviewer's actions on
a quarantined file (open after ticking, tell the force, delete keeping an audit record)."""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from django import forms
from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from requests_app import roles
from requests_app.access import get_request_for_user, view_required
from requests_app.forms import styled_submit
from requests_app.models import RequestAttachment
from requests_app.selectors.quarantine import force_note, screening_of, shown
from requests_app.services import screening as services
from requests_app.services.errors import ServiceError
from requests_app.services.quarantine_mail import attachment_email_force_note


class OpenQuarantinedForm(forms.Form):
    understood = forms.BooleanField(
        label=(
            "I understand this file may hold personal data the force did not mean to send. "
            "I will not copy, share or use it, and my opening it is recorded."
        ),
        error_messages={"required": "Tick that you understand before opening the file."},
    )

    def __init__(self, *args, action_url: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_action = action_url
        self.helper.form_id = "open-quarantined"
        self.helper.add_input(styled_submit("Open the file", "btn-danger"))


class DeleteAttachmentForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text="Kept in the audit record with your name, the time and the file's SHA-256.",
    )

    def __init__(self, *args, action_url: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_action = action_url
        self.helper.form_id = "delete-attachment"
        self.helper.add_input(styled_submit("Delete the file", "btn-outline-danger"))


def _attachment_for_user(request, pk: int) -> RequestAttachment:
    attachment = get_object_or_404(
        RequestAttachment.objects.select_related(
            "request__force",
            "request__campaign",
            "uploaded_by",
            "screening",
            "deletion__deleted_by",
        ),
        pk=pk,
    )
    get_request_for_user(request, attachment.request_id)
    return attachment


def _serve(attachment: RequestAttachment) -> FileResponse:
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404("The file is missing from storage.") from None
    return FileResponse(
        handle,
        as_attachment=True,
        filename=attachment.original_name,
        content_type=attachment.content_type or "application/octet-stream",
    )


def _render_detail(request, attachment, *, open_form=None, delete_form=None, status=200):
    screening = screening_of(attachment)
    deletion = getattr(attachment, "deletion", None) if not attachment.file else None
    quarantined = bool(screening and screening.quarantined)
    can_review = roles.can_review(request.user)
    context = {
        "attachment": attachment,
        "foi": attachment.request,
        "screening": screening,
        "findings": shown(screening.findings) if screening else [],
        "quarantined": quarantined,
        "deletion": deletion,
        "can_review": can_review,
        "note": force_note(attachment, screening) if quarantined and not deletion else None,
        "openings": attachment.openings.select_related("opened_by")[:20] if can_review else [],
    }
    if can_review and attachment.file:
        if quarantined:
            context["open_form"] = open_form or OpenQuarantinedForm(
                action_url=reverse("attachment_open", args=[attachment.pk])
            )
        context["delete_form"] = delete_form or DeleteAttachmentForm(
            action_url=reverse("attachment_delete", args=[attachment.pk])
        )
    return render(request, "requests_app/attachment_detail.html", context, status=status)


@view_required
def attachment_download(request, pk):
    attachment = _attachment_for_user(request, pk)
    if not attachment.file:
        return _render_detail(request, attachment, status=410)
    screening = screening_of(attachment)
    if screening and screening.quarantined:
        if not roles.can_review(request.user):
            return render(
                request,
                "requests_app/attachment_quarantined.html",
                {
                    "attachment": attachment,
                    "foi": attachment.request,
                    "findings": shown(screening.findings),
                },
                status=403,
            )
        # A reviewer opens it from its page, after ticking that they understand.
        return redirect("attachment_detail", pk=attachment.pk)
    return _serve(attachment)


@view_required
def attachment_detail(request, pk):
    return _render_detail(request, _attachment_for_user(request, pk))


@require_POST
@view_required
def attachment_open(request, pk):
    attachment = _attachment_for_user(request, pk)
    roles.require_review(request.user)
    form = OpenQuarantinedForm(
        request.POST, action_url=reverse("attachment_open", args=[attachment.pk])
    )
    if form.is_valid():
        try:
            opened = services.attachment_open_quarantined(
                attachment_id=attachment.pk, actor=request.user, understood=True
            )
        except ServiceError as exc:
            form.add_error(None, str(exc))
        else:
            return _serve(opened)
    return _render_detail(request, attachment, open_form=form, status=400)


@require_POST
@view_required
def attachment_delete(request, pk):
    attachment = _attachment_for_user(request, pk)
    roles.require_review(request.user)
    form = DeleteAttachmentForm(
        request.POST, action_url=reverse("attachment_delete", args=[attachment.pk])
    )
    if form.is_valid():
        try:
            services.attachment_delete(
                attachment_id=attachment.pk, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except ServiceError as exc:
            form.add_error("reason" if exc.field == "reason" else None, str(exc))
        else:
            messages.success(request, f"{attachment.original_name} deleted; its record is kept.")
            return redirect("attachment_detail", pk=attachment.pk)
    return _render_detail(request, attachment, delete_form=form, status=400)


@require_POST
@view_required
def attachment_force_told(request, pk):
    attachment = _attachment_for_user(request, pk)
    try:
        told = services.attachment_mark_force_told(attachment_id=attachment.pk, actor=request.user)
    except ServiceError as exc:
        messages.error(request, str(exc))
    else:
        if told:
            messages.success(request, "Recorded: the force has been told.")
        else:
            messages.info(request, "Already recorded.")
    return redirect("attachment_detail", pk=attachment.pk)


@require_POST
@view_required
def attachment_email_force(request, pk):
    """Send the note to the force by the tracker's mail (issue 13), in the request's thread."""
    attachment = _attachment_for_user(request, pk)
    try:
        to = attachment_email_force_note(attachment_id=attachment.pk, actor=request.user)
    except ServiceError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Sent to {to}; it is on the request's timeline.")
    return redirect("attachment_detail", pk=attachment.pk)
