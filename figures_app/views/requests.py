"""A request's figures: the section on the request page, the entry grid's save, one figure."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from figures_app.categories import CategoryIndex
from figures_app.cells import READABLE
from figures_app.forms import EntryGridForm, FigureForm, SendBackForm
from figures_app.models import Figure
from figures_app.selectors import review as review_reads
from figures_app.selectors import review_figures
from figures_app.services.figures import figure_update, figures_save_grid
from requests_app import roles
from requests_app.access import edit_required, get_request_for_user, view_required
from requests_app.models import FoiRequest
from requests_app.selectors.answering import attachment_reply_date, reply_dates
from requests_app.selectors.quarantine import is_quarantined
from requests_app.selectors.requests import with_files
from requests_app.services.errors import ServiceError


def back_to(foi: FoiRequest) -> str:
    return reverse("request_detail", args=[foi.pk]) + "#figures"


def request_section_context(
    http_request: HttpRequest, foi: FoiRequest, *, form: EntryGridForm | None = None
) -> dict:
    campaign = foi.campaign
    index = CategoryIndex(campaign)
    metrics = index.metrics  # read with the index
    periods = list(campaign.periods.all())
    figures = review_reads.request_figures(foi)
    user = http_request.user
    if form is None and roles.can_edit(user) and metrics:
        form = EntryGridForm(
            foi=foi, metrics=metrics, periods=periods, index=index, figures=figures
        )
    # One query for the review, maker-checker and version, asked even with no figures, so the
    # page's query count does not depend on the data.
    standing = review_reads.review_standing(user, foi.pk)
    history, review_events = review_reads.request_history_and_reviews(foi, limit=30)
    review = standing.review
    may_approve = roles.can_review(user) and not standing.made_by_user
    # What the Approve button says the reviewer saw (the approval is refused if it changed).
    version = standing.version if roles.can_review(user) else 0

    return {
        "foi": foi,
        "campaign": campaign,
        "metrics": metrics,
        "periods": periods,
        "figures": figures,
        "form": form,
        "review": review,
        "can_edit_figures": roles.can_edit(user),
        "can_review_figures": roles.can_review(user),
        "may_approve": may_approve,
        "figures_version": version,
        "send_back_form": SendBackForm(action_url=reverse("figures_send_back", args=[foi.pk])),
        "warnings": review_figures.request_warnings(figures, periods, index),
        "history": history,
        "review_events": review_events,
        "cell_names": {f.pk: index.cell_name(f.metric, f.period, f.category_key) for f in figures},
        "cell_files": _cell_files(foi, form),
    }


def _cell_files(foi: FoiRequest, form: EntryGridForm | None) -> list:
    """The request's files the cells page can read (to take figures from a block of cells), from
    the files the page read once (requests_app.selectors.with_files), which also fill the grid's
    "file" choice."""
    if form is None:
        return []
    field = form.fields["attachment"]
    files = list(with_files(foi).attachments.all())
    field.choices = [
        ("", field.empty_label),
        *((a.pk, field.label_from_instance(a)) for a in files),
    ]
    return [
        a
        for a in files
        if a.file and not is_quarantined(a) and a.original_name.lower().endswith(READABLE)
    ]


@view_required
def request_figures(request: HttpRequest, pk: int) -> HttpResponse:
    foi = get_request_for_user(request, pk)
    return render(
        request, "figures_app/request_figures.html", request_section_context(request, foi)
    )


def _wants_json(request: HttpRequest) -> bool:
    """The grid's script saves in the background (Enter saves and moves down) and asks for JSON;
    without the script the grid is an ordinary form and gets the page back."""
    return "application/json" in request.headers.get("Accept", "")


_NO_ANSWER_DATE = (
    "The response is not recorded from these figures: no answer date was given and no reply "
    "is filed. Give the date the force answered (Answered on), or record the response from "
    "the letter."
)


def _saved_message(result) -> str:
    if not result.written:
        return "Nothing changed."
    return (
        f"Saved: {result.created} new, {result.changed} changed, {result.deleted} removed. "
        "The figures now await review."
    )


def _json_errors(form: EntryGridForm) -> JsonResponse:
    errors = {name: [str(e) for e in errs] for name, errs in form.errors.items()}
    general = errors.pop("__all__", [])
    return JsonResponse({"saved": False, "errors": errors, "general": general}, status=400)


@require_POST
@view_required
def request_figures_save(request: HttpRequest, pk: int) -> HttpResponse:
    foi = get_request_for_user(request, pk, write=True)
    campaign = foi.campaign
    index = CategoryIndex(campaign)
    periods = list(campaign.periods.all())
    form = EntryGridForm(
        request.POST,
        foi=foi,
        metrics=list(campaign.metrics.all()),
        periods=periods,
        index=index,
        figures=review_reads.request_figures(foi),
    )
    if form.is_valid():
        attachment = form.cleaned_data.get("attachment")
        answered_on = form.cleaned_data.get("answered_on")
        if answered_on is None and attachment is not None:
            answered_on = attachment_reply_date(attachment)  # the reply that brought the file
        try:
            result = figures_save_grid(
                foi=foi,
                actor=request.user,
                cells=form.cell_inputs,
                index=index,
                attachment_id=attachment.pk if attachment else None,
                location=form.cleaned_data.get("location") or "",
                answered_on=answered_on,
            )
        except ServiceError as exc:
            form.add_error(None, str(exc))
        else:
            fresh = review_reads.request_figures(foi)
            warnings = review_figures.request_warnings(fresh, periods, CategoryIndex(campaign))
            if (
                result.written
                and "answered_on" in form.fields
                and answered_on is None
                and not reply_dates([foi.pk])
            ):
                warnings.append(_NO_ANSWER_DATE)
            if _wants_json(request):
                return JsonResponse(
                    {"saved": True, "message": _saved_message(result), "warnings": warnings}
                )
            level = messages.success if result.written else messages.info
            level(request, _saved_message(result))
            for warning in warnings:
                messages.warning(request, warning)
            return redirect(back_to(foi))
    if _wants_json(request):
        return _json_errors(form)
    context = request_section_context(request, foi, form=form)
    return render(request, "figures_app/request_figures.html", context, status=400)


@edit_required
def figure_edit(request: HttpRequest, pk: int) -> HttpResponse:
    figure = get_object_or_404(Figure.objects.select_related("metric", "period"), pk=pk)
    foi = get_request_for_user(request, figure.request_id, write=True)
    figure.request = foi
    form = FigureForm(request.POST or None, figure=figure)
    if request.method == "POST" and form.is_valid():
        attachment = form.cleaned_data["attachment"]
        try:
            figure_update(
                figure_id=figure.pk,
                actor=request.user,
                parsed=form.cleaned_data["value"],
                note=form.cleaned_data["note"],
                attachment_id=attachment.pk if attachment else None,
                location=form.cleaned_data["location"],
            )
        except ServiceError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "Figure saved; it now awaits review.")
            return redirect(back_to(foi))
    index = CategoryIndex(foi.campaign)
    return render(
        request,
        "figures_app/figure_edit.html",
        {
            "figure": figure,
            "form": form,
            "cell": index.cell_name(figure.metric, figure.period, figure.category_key),
            "history": figure.changes.select_related("actor")[:50],
        },
        status=400 if form.errors else 200,
    )
