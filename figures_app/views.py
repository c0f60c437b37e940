"""Thin views: load with a role check, call a service or selector, render."""

from __future__ import annotations

import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from figures_app import charts, selectors
from figures_app.forms import EntryGridForm, FigureForm, ImportForm, MetricForm, SendBackForm
from figures_app.models import Figure, FigureImport, FigureReview, Metric
from figures_app.presentation import fmt_pct, headlines, round_by_rule, rule_words
from figures_app.services import (
    CategoryIndex,
    MetricSpec,
    figure_import_stage,
    figure_update,
    figures_apply,
    figures_approve,
    figures_resubmit,
    figures_send_back,
    metric_save,
    plan_cells,
)
from figures_app.tidy import (
    ImportFileError,
    export_rows,
    import_figures,
    plan_import,
    rows_to_csv,
    rows_to_xlsx,
    totals_rows,
)
from requests_app import roles
from requests_app.models import Campaign, FoiRequest
from requests_app.services.errors import ServiceError


def _campaign(request, slug: str, *, write: bool = False) -> Campaign:
    (roles.require_edit if write else roles.require_view)(request.user)
    return get_object_or_404(Campaign, slug=slug)


def _foi(request, pk: int, *, write: bool = False) -> FoiRequest:
    (roles.require_edit if write else roles.require_view)(request.user)
    return get_object_or_404(FoiRequest.objects.select_related("force", "campaign"), pk=pk)


def _back_to(foi: FoiRequest) -> str:
    return reverse("request_detail", args=[foi.pk]) + "#figures"


# --- the request page section ---------------------------------------------------------------


def request_section_context(
    http_request, foi: FoiRequest, *, form: EntryGridForm | None = None
) -> dict:
    campaign = foi.campaign
    metrics = list(campaign.metrics.all())
    periods = list(campaign.periods.all())
    index = CategoryIndex(campaign)
    figures = selectors.request_figures(foi)
    user = http_request.user
    if form is None and roles.can_edit(user) and metrics:
        form = EntryGridForm(
            foi=foi, metrics=metrics, periods=periods, index=index, figures=figures
        )
    review = (
        FigureReview.objects.filter(request=foi)
        .select_related("reviewed_by", "submitted_by")
        .first()
    )
    own = any(f.entered_by_id == user.pk or f.updated_by_id == user.pk for f in figures)

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
        "may_approve": roles.can_review(user) and (settings.FIGURES_ALLOW_SELF_APPROVAL or not own),
        "own_figures": own,
        "send_back_form": SendBackForm(action_url=reverse("figures_send_back", args=[foi.pk])),
        "warnings": selectors.request_warnings(figures, periods, index),
        "history": selectors.request_history(foi, limit=30),
        "review_events": selectors.request_review_events(foi),
        "cell_names": {f.pk: index.cell_name(f.metric, f.period, f.category_key) for f in figures},
    }


@login_required
def request_figures(request, pk):
    foi = _foi(request, pk)
    return render(
        request, "figures_app/request_figures.html", request_section_context(request, foi)
    )


@require_POST
@login_required
def request_figures_save(request, pk):
    foi = _foi(request, pk, write=True)
    campaign = foi.campaign
    index = CategoryIndex(campaign)
    form = EntryGridForm(
        request.POST,
        foi=foi,
        metrics=list(campaign.metrics.all()),
        periods=list(campaign.periods.all()),
        index=index,
        figures=selectors.request_figures(foi),
    )
    if form.is_valid():
        try:
            result = _save_grid(campaign, request.user, form, index)
        except ServiceError as exc:
            form.add_error(None, str(exc))
        else:
            if result.written:
                messages.success(
                    request,
                    f"Saved: {result.created} new, {result.changed} changed, {result.deleted} removed. "
                    "The figures now await review.",
                )
            else:
                messages.info(request, "Nothing changed.")
            fresh = selectors.request_figures(foi)
            for warning in selectors.request_warnings(
                fresh, list(campaign.periods.all()), CategoryIndex(campaign)
            ):
                messages.warning(request, warning)
            return redirect(_back_to(foi))
    context = request_section_context(request, foi, form=form)
    return render(request, "figures_app/request_figures.html", context, status=400)


def _save_grid(campaign, actor, form: EntryGridForm, index: CategoryIndex):
    """Save every cell; the provenance given with this save goes to the cells that change."""
    cells = form.cell_inputs
    attachment, location = form.cleaned_data.get("attachment"), form.cleaned_data.get("location")
    if attachment or location:
        plan = plan_cells(cells, index)
        for cell in plan["created"] + plan["changed"]:
            if attachment:
                cell.attachment_id = attachment.pk
            if location:
                cell.location = location
    return figures_apply(
        campaign=campaign, actor=actor, cells=cells, index=index, summary="Entered in the grid."
    )


@login_required
def figure_edit(request, pk):
    roles.require_edit(request.user)
    figure = get_object_or_404(
        Figure.objects.select_related("request__force", "request__campaign", "metric", "period"),
        pk=pk,
    )
    form = FigureForm(request.POST or None, figure=figure)
    if request.method == "POST" and form.is_valid():
        try:
            figure_update(
                figure_id=figure.pk,
                actor=request.user,
                parsed=form.cleaned_data["value"],
                note=form.cleaned_data["note"],
                attachment_id=form.cleaned_data["attachment"].pk
                if form.cleaned_data["attachment"]
                else None,
                location=form.cleaned_data["location"],
            )
        except ServiceError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "Figure saved; it now awaits review.")
            return redirect(_back_to(figure.request))
    index = CategoryIndex(figure.request.campaign)
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


# --- review ---------------------------------------------------------------------------------


@require_POST
@login_required
def figures_approve_view(request, pk):
    roles.require_review(request.user)
    foi = _foi(request, pk)
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
    return redirect(
        request.POST.get("next") == "queue" and reverse("figures_review_queue") or _back_to(foi)
    )


@require_POST
@login_required
def figures_send_back_view(request, pk):
    roles.require_review(request.user)
    foi = _foi(request, pk)
    form = SendBackForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Say what needs correcting before sending figures back.")
        return redirect(_back_to(foi))
    try:
        figures_send_back(
            request_id=foi.pk, actor=request.user, comment=form.cleaned_data["comment"]
        )
    except ServiceError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Figures for {foi.force.name} sent back.")
    return redirect(_back_to(foi))


@require_POST
@login_required
def figures_resubmit_view(request, pk):
    foi = _foi(request, pk, write=True)
    try:
        figures_resubmit(request_id=foi.pk, actor=request.user)
    except ServiceError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Figures resubmitted for review.")
    return redirect(_back_to(foi))


@login_required
def review_queue(request):
    roles.require_review(request.user)
    pending = list(selectors.review_queue())
    mine = set(selectors.reviews_awaiting(request.user).values_list("pk", flat=True))
    return render(
        request,
        "figures_app/review_queue.html",
        {
            "pending": pending,
            "approvable": mine,
            "sent_back": list(selectors.sent_back()[:200]),
        },
    )


# --- totals ---------------------------------------------------------------------------------


def _metric_and_basis(request, campaign) -> tuple[Metric | None, str, str]:
    """(metric, basis, error)."""
    basis = request.GET.get("basis", selectors.APPROVED)
    if basis not in selectors.BASES:
        return None, basis, f"basis must be one of {', '.join(selectors.BASES)}."
    metrics = list(campaign.metrics.all())
    slug = request.GET.get("metric")
    if not slug:
        if len(metrics) == 1:
            return metrics[0], basis, ""
        if not metrics:
            return None, basis, "This campaign has no metrics."
        return None, basis, "Say which metric: " + ", ".join(m.slug for m in metrics) + "."
    metric = next((m for m in metrics if m.slug == slug), None)
    if metric is None:
        return (
            None,
            basis,
            f"Unknown metric '{slug}'; metrics are {', '.join(m.slug for m in metrics) or 'none'}.",
        )
    return metric, basis, ""


def totals_api(request, slug):
    if not request.user.is_authenticated:
        return JsonResponse({"error": "Log in to use the API."}, status=401)
    if not roles.can_view(request.user):
        return JsonResponse({"error": "You need the staff or reviewer role."}, status=403)
    campaign = Campaign.objects.filter(slug=slug).first()
    if campaign is None:
        return JsonResponse({"error": f"No campaign '{slug}'."}, status=404)
    metric, basis, error = _metric_and_basis(request, campaign)
    if metric is None:
        return JsonResponse({"error": error}, status=404 if "Unknown metric" in error else 400)
    metric.campaign = campaign
    totals = selectors.metric_totals(metric=metric, basis=basis, today=timezone.localdate())
    return JsonResponse(selectors.totals_json(totals, headlines(totals)))


@login_required
def campaign_totals(request, slug):
    campaign = _campaign(request, slug)
    metric, basis, error = _metric_and_basis(request, campaign)
    metrics = list(campaign.metrics.all())
    if metric is None and metrics and not request.GET.get("metric") and basis in selectors.BASES:
        metric, error = metrics[0], ""
    if metric is None:
        return render(
            request,
            "figures_app/totals.html",
            {
                "campaign": campaign,
                "metrics": metrics,
                "error": error,
                "basis": basis,
            },
            status=404 if metrics else 200,
        )
    metric.campaign = campaign
    totals = selectors.metric_totals(metric=metric, basis=basis, today=timezone.localdate())
    rule = campaign.rounding_rule
    latest = totals.periods[-1] if totals.periods else None
    ranked = sorted(
        [r for r in totals.forces if latest and r.value(latest) is not None],
        key=lambda r: (-r.value(latest), r.foi.force.name),
    )
    force_rows = [
        {
            "name": r.foi.force.name,
            "code": r.foi.force.ons_code,
            "pk": r.foi.pk,
            "values": [(r.cells.get(p.pk), r.reasons.get(p.pk, "")) for p in totals.periods],
            "change": fmt_pct(r.change_pct, rule),
            "change_exact": r.change_pct,
        }
        for r in totals.forces
    ]
    breakdown_tables = []
    for dim in metric.dimensions.all():
        cats, seen = [], set()
        for b in totals.breakdown:
            if b.dimension.pk == dim.pk and b.category.pk not in seen:
                seen.add(b.category.pk)
                cats.append(b.category)
        cell = {
            (b.category.pk, b.period.pk): b for b in totals.breakdown if b.dimension.pk == dim.pk
        }
        rows = [
            {"category": c, "cells": [cell.get((c.pk, p.pk)) for p in totals.periods]} for c in cats
        ]
        # 'Unknown' stays in the table but not the chart, where it would dwarf the rest.
        known = [c for c in cats if not c.is_unknown]
        chart = (
            charts.grouped_columns(
                f"{metric.label} by {dim.label.lower()}, where recorded",
                [c.label or c.value for c in known],
                [
                    (
                        p.label,
                        [cell[(c.pk, p.pk)].total if (c.pk, p.pk) in cell else 0 for c in known],
                    )
                    for p in totals.periods
                ],
            )
            if known
            else ""
        )
        breakdown_tables.append({"dimension": dim, "rows": rows, "chart": chart})
    context = {
        "campaign": campaign,
        "metrics": metrics,
        "metric": metric,
        "basis": basis,
        "totals": totals,
        "headlines": headlines(totals),
        "rule_words": rule_words(rule),
        "period_rows": [
            {"t": t, "per_day": round_by_rule(t.per_day, rule, 1)} for t in totals.period_totals
        ],
        "change_rows": [
            {
                "c": c,
                "pct": fmt_pct(c.change_pct, rule),
                "lfl_pct": fmt_pct(c.like_for_like.change_pct, rule),
            }
            for c in totals.changes
        ],
        "force_rows": force_rows,
        "breakdown_tables": breakdown_tables,
        "chart_ranked": charts.hbar(
            f"{metric.label}, {latest.label if latest else ''}, by force",
            [(r.foi.force.short_name, r.value(latest)) for r in ranked],
        )
        if ranked
        else "",
        "chart_periods": charts.grouped_columns(
            f"{metric.label} by period",
            [t.period.label for t in totals.period_totals],
            [
                ("Total (reported)", [t.total for t in totals.period_totals]),
                ("Upper bound", [t.total_upper for t in totals.period_totals]),
            ],
        )
        if totals.period_totals
        else "",
        "api_url": reverse("figures_totals_api", args=[campaign.slug])
        + f"?metric={metric.slug}&basis={basis}",
    }
    return render(request, "figures_app/totals.html", context)


@login_required
def totals_csv(request, slug):
    campaign = _campaign(request, slug)
    metric, basis, error = _metric_and_basis(request, campaign)
    if metric is None:
        return HttpResponse(error, status=400, content_type="text/plain")
    totals = selectors.metric_totals(metric=metric, basis=basis, today=timezone.localdate())
    response = HttpResponse(
        rows_to_csv(totals_rows(totals)), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = (
        f'attachment; filename="{campaign.slug}-{metric.slug}-totals-{basis}.csv"'
    )
    return response


# --- import / export ------------------------------------------------------------------------


@login_required
def export_csv(request, slug):
    campaign = _campaign(request, slug)
    basis = request.GET.get("basis", selectors.ALL)
    if basis not in selectors.BASES:
        raise Http404("Unknown basis.")
    response = HttpResponse(
        rows_to_csv(export_rows(campaign, basis=basis)), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{campaign.slug}-figures.csv"'
    return response


@login_required
def export_xlsx(request, slug):
    campaign = _campaign(request, slug)
    basis = request.GET.get("basis", selectors.ALL)
    if basis not in selectors.BASES:
        raise Http404("Unknown basis.")
    sheets = {"figures": export_rows(campaign, basis=basis)}
    today = timezone.localdate()
    for metric in campaign.metrics.all():
        totals = selectors.metric_totals(metric=metric, basis=selectors.APPROVED, today=today)
        sheets[f"totals {metric.slug}"[:31]] = (
            list(totals_rows(totals)) + [[], ["headlines"]] + [[h] for h in headlines(totals)]
        )
    response = HttpResponse(
        rows_to_xlsx(sheets),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{campaign.slug}-figures.xlsx"'
    return response


@login_required
def import_upload(request, slug):
    campaign = _campaign(request, slug, write=True)
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        data = upload.read()
        batch = figure_import_stage(
            campaign=campaign, actor=request.user, filename=upload.name, data=data
        )
        return redirect("figures_import_preview", slug=campaign.slug, pk=batch.pk)
    return render(
        request,
        "figures_app/import.html",
        {
            "campaign": campaign,
            "form": form,
            "metrics": campaign.metrics.prefetch_related("dimensions"),
            "recent": campaign.figure_imports.select_related("uploaded_by")[:10],
        },
        status=400 if form.errors else 200,
    )


def _batch(request, slug, pk) -> FigureImport:
    campaign = _campaign(request, slug, write=True)
    return get_object_or_404(
        FigureImport.objects.select_related("campaign"), pk=pk, campaign=campaign
    )


@login_required
def import_preview(request, slug, pk):
    batch = _batch(request, slug, pk)
    errors, plan = [], None
    try:
        plan = plan_import(batch.campaign, bytes(batch.data), batch.filename)
    except ImportFileError as exc:
        errors = exc.errors
    return render(
        request,
        "figures_app/import_preview.html",
        {
            "campaign": batch.campaign,
            "batch": batch,
            "plan": plan,
            "errors": errors,
            "can_approve": _may_approve_on_import(request.user),
        },
        status=400 if errors else 200,
    )


def _may_approve_on_import(user) -> bool:
    """The importer is the maker: approving in the same step is the checker's job, so on the web
    it is offered only to reviewers on teams that allow self-approval (one-person teams)."""
    return roles.can_review(user) and settings.FIGURES_ALLOW_SELF_APPROVAL


@require_POST
@login_required
def import_confirm(request, slug, pk):
    batch = _batch(request, slug, pk)
    if batch.applied_at:
        messages.info(request, f"{batch.filename} was already imported.")
        return redirect("figures_campaign_totals", slug=batch.campaign.slug)
    approve = request.POST.get("approve") == "1"
    if approve and not _may_approve_on_import(request.user):
        raise PermissionDenied(
            "The person who imports figures cannot also approve them: ask another reviewer."
        )
    try:
        with transaction.atomic():
            result = import_figures(
                campaign=batch.campaign,
                actor=request.user,
                data=bytes(batch.data),
                filename=batch.filename,
                approve=approve,
            )
            batch.applied_at = timezone.now()
            batch.summary = (
                f"{result.created} created, {result.changed} changed, "
                f"{result.unchanged} unchanged" + (", approved" if approve else "")
            )
            batch.save(update_fields=["applied_at", "summary"])
    except ImportFileError as exc:
        return render(
            request,
            "figures_app/import_preview.html",
            {
                "campaign": batch.campaign,
                "batch": batch,
                "plan": None,
                "errors": exc.errors,
            },
            status=400,
        )
    messages.success(request, f"Imported {batch.filename}: {batch.summary}.")
    return redirect(reverse("campaign_detail", args=[batch.campaign.slug]))


# --- metrics --------------------------------------------------------------------------------


@login_required
def metrics(request, slug):
    campaign = _campaign(request, slug)
    form = None
    if roles.can_edit(request.user):
        form = MetricForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                metric_save(
                    campaign=campaign,
                    actor=request.user,
                    spec=MetricSpec(
                        data["slug"], data["label"], data["unit"], data["notes"], data["dimensions"]
                    ),
                )
            except ServiceError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, f"Metric '{data['slug']}' saved.")
                return redirect("figures_metrics", slug=campaign.slug)
    elif request.method == "POST":
        roles.require_edit(request.user)
    return render(
        request,
        "figures_app/metrics.html",
        {
            "campaign": campaign,
            "form": form,
            "metrics": campaign.metrics.prefetch_related("dimensions__categories"),
            "example": json.dumps(
                {
                    "metrics": [
                        {
                            "slug": "online-child-sex-offences",
                            "label": "Online-flagged child sex offences",
                            "unit": "offences",
                            "dimensions": ["victim_age"],
                        }
                    ]
                },
                indent=2,
            ),
        },
        status=400 if form is not None and form.errors else 200,
    )
