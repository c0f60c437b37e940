"""Review: approve, send back, resubmit (one URL each), and the review queue."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from figures_app.forms import SendBackForm
from figures_app.selectors import review as review_reads
from figures_app.services.review import (
    figures_approve,
    figures_approve_many,
    figures_resubmit,
    figures_send_back,
)
from figures_app.views.requests import back_to
from requests_app import roles
from requests_app.access import get_request_for_user, view_required
from requests_app.services.errors import ServiceError


@require_POST
@view_required
def figures_approve_view(request: HttpRequest, pk: int) -> HttpResponse:
    roles.require_review(request.user)
    foi = get_request_for_user(request, pk)
    try:
        figures_approve(
            request_id=foi.pk, actor=request.user, comment=request.POST.get("comment", "")
        )
    except ServiceError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request, f"Figures for {foi.force.name} approved; they now count in the totals."
        )
    if request.POST.get("next") == "queue":
        return redirect(reverse("figures_review_queue"))
    return redirect(back_to(foi))


@require_POST
@view_required
def figures_approve_many_view(request: HttpRequest) -> HttpResponse:
    roles.require_review(request.user)
    try:
        ids = [int(pk) for pk in request.POST.getlist("request_ids")]
    except ValueError:
        ids = []
        messages.error(request, "The ticked requests were not understood; nothing approved.")
        return redirect(reverse("figures_review_queue"))
    try:
        reviews = figures_approve_many(request_ids=ids, actor=request.user)
    except ServiceError as exc:
        messages.error(request, str(exc))
    else:
        n = len(reviews)
        messages.success(
            request, f"Approved the figures of {n} request{'s' if n != 1 else ''}; they now count."
        )
    return redirect(reverse("figures_review_queue"))


@require_POST
@view_required
def figures_send_back_view(request: HttpRequest, pk: int) -> HttpResponse:
    roles.require_review(request.user)
    foi = get_request_for_user(request, pk)
    form = SendBackForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Say what needs correcting before sending figures back.")
        return redirect(back_to(foi))
    try:
        figures_send_back(
            request_id=foi.pk, actor=request.user, comment=form.cleaned_data["comment"]
        )
    except ServiceError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Figures for {foi.force.name} sent back.")
    return redirect(back_to(foi))


@require_POST
@view_required
def figures_resubmit_view(request: HttpRequest, pk: int) -> HttpResponse:
    foi = get_request_for_user(request, pk, write=True)
    try:
        figures_resubmit(request_id=foi.pk, actor=request.user)
    except ServiceError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Figures resubmitted for review.")
    return redirect(back_to(foi))


@view_required
def review_queue(request: HttpRequest) -> HttpResponse:
    roles.require_review(request.user)
    mine = set(review_reads.reviews_awaiting(request.user).values_list("pk", flat=True))
    return render(
        request,
        "figures_app/review_queue.html",
        {
            "pending": list(review_reads.review_queue()),
            "approvable": mine,
            "sent_back": list(review_reads.sent_back()[:200]),
        },
    )
