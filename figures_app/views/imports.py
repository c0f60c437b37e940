"""Import (upload, preview, confirm) and export (CSV, XLSX) of a campaign's figures."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from figures_app.exports import export_rows, figures_workbook_sheets
from figures_app.forms import ImportForm
from figures_app.models import FigureImport
from figures_app.readers import ImportFileError
from figures_app.selectors.totals import ALL, BASES
from figures_app.services.imports import (
    figure_import_apply,
    figure_import_stage,
    may_approve_on_import,
    plan_import,
)
from requests_app.access import edit_required, get_campaign_for_user, view_required
from requests_app.services.errors import ServiceError
from requests_app.tabular import write_csv, write_xlsx

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _export_basis(request: HttpRequest) -> str:
    basis = request.GET.get("basis", ALL)
    if basis not in BASES:
        raise Http404("Unknown basis.")
    return basis


@view_required
def export_csv(request: HttpRequest, slug: str) -> HttpResponse:
    campaign = get_campaign_for_user(request, slug)
    rows = export_rows(campaign, basis=_export_basis(request))
    response = HttpResponse(write_csv(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{campaign.slug}-figures.csv"'
    return response


@view_required
def export_xlsx(request: HttpRequest, slug: str) -> HttpResponse:
    campaign = get_campaign_for_user(request, slug)
    sheets = figures_workbook_sheets(
        campaign, basis=_export_basis(request), today=timezone.localdate()
    )
    response = HttpResponse(write_xlsx(sheets, numbers_from_text=True), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{campaign.slug}-figures.xlsx"'
    return response


@edit_required
def import_upload(request: HttpRequest, slug: str) -> HttpResponse:
    campaign = get_campaign_for_user(request, slug, write=True)
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        batch = figure_import_stage(
            campaign=campaign, actor=request.user, filename=upload.name, data=upload.read()
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


def _batch(request: HttpRequest, slug: str, pk: int) -> FigureImport:
    campaign = get_campaign_for_user(request, slug, write=True)
    return get_object_or_404(
        FigureImport.objects.select_related("campaign"), pk=pk, campaign=campaign
    )


def _preview(request: HttpRequest, batch: FigureImport, *, plan, errors, status) -> HttpResponse:
    return render(
        request,
        "figures_app/import_preview.html",
        {
            "campaign": batch.campaign,
            "batch": batch,
            "plan": plan,
            "errors": errors,
            "can_approve": may_approve_on_import(request.user),
        },
        status=status,
    )


@edit_required
def import_preview(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    batch = _batch(request, slug, pk)
    try:
        plan = plan_import(batch.campaign, bytes(batch.data), batch.filename)
    except ImportFileError as exc:
        return _preview(request, batch, plan=None, errors=exc.errors, status=400)
    return _preview(request, batch, plan=plan, errors=[], status=200)


@require_POST
@edit_required
def import_confirm(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    batch = _batch(request, slug, pk)
    if batch.applied_at:
        messages.info(request, f"{batch.filename} was already imported.")
        return redirect("figures_campaign_totals", slug=batch.campaign.slug)
    approve = request.POST.get("approve") == "1"
    if approve and not may_approve_on_import(request.user):
        raise PermissionDenied(
            "The person who imports figures cannot also approve them: ask another reviewer."
        )
    try:
        batch = figure_import_apply(batch_id=batch.pk, actor=request.user, approve=approve)
    except ImportFileError as exc:
        return _preview(request, batch, plan=None, errors=exc.errors, status=400)
    except ServiceError as exc:
        return _preview(request, batch, plan=None, errors=[str(exc)], status=400)
    messages.success(request, f"Imported {batch.filename}: {batch.summary}.")
    return redirect(reverse("campaign_detail", args=[batch.campaign.slug]))
