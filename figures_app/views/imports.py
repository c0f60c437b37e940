"""Import (upload, preview, confirm) and export (CSV, XLSX) of a campaign's figures."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from figures_app.exports import (
    export_csv_chunks,
    figures_workbook_sheets,
    import_template_rows,
)
from figures_app.forms import ImportForm
from figures_app.models import FigureImport, ImportState
from figures_app.selectors.basis import ALL, APPROVED, BASES, basis_words
from figures_app.services.import_batches import (
    figure_import_confirm,
    figure_import_resume,
    figure_import_stage,
)
from figures_app.services.imports import may_approve_on_import
from requests_app.access import edit_required, get_campaign_for_user, view_required
from requests_app.services.errors import ServiceError
from requests_app.tabular import iter_csv, write_xlsx
from requests_app.text import plural

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _export_basis(request: HttpRequest) -> str:
    basis = request.GET.get("basis", ALL)
    if basis not in BASES:
        raise Http404("Unknown basis.")
    return basis


@view_required
def export_csv(request: HttpRequest, slug: str) -> StreamingHttpResponse:
    """?basis=approved (approved figures only) or all (the default: every figure, so that the
    export re-imports as a whole); the file name says which, and each row's `review` column its
    review state. Streamed: rows are written as they are read (on PostgreSQL by COPY)."""
    campaign = get_campaign_for_user(request, slug)
    basis = _export_basis(request)
    response = StreamingHttpResponse(
        export_csv_chunks(campaign, basis=basis), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = (
        f'attachment; filename="{campaign.slug}-figures-{_basis_name(basis)}.csv"'
    )
    return response


@view_required
def export_xlsx(request: HttpRequest, slug: str) -> HttpResponse:
    """As export_csv, with each metric's approved totals and an 'about' sheet saying which
    figures the file holds."""
    campaign = get_campaign_for_user(request, slug)
    basis = _export_basis(request)
    sheets = figures_workbook_sheets(campaign, basis=basis, today=timezone.localdate())
    response = HttpResponse(
        write_xlsx(sheets, title=f"{campaign.title}: figures ({basis_words(basis)})"),
        content_type=XLSX,
    )
    response["Content-Disposition"] = (
        f'attachment; filename="{campaign.slug}-figures-{_basis_name(basis)}.xlsx"'
    )
    return response


@view_required
def import_template_csv(request: HttpRequest, slug: str) -> StreamingHttpResponse:
    """The campaign's import template (its forces, periods and categories in the tidy import's
    columns), streamed."""
    campaign = get_campaign_for_user(request, slug)
    response = StreamingHttpResponse(
        iter_csv(import_template_rows(campaign)), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{campaign.slug}-template.csv"'
    return response


@view_required
def import_template_xlsx(request: HttpRequest, slug: str) -> HttpResponse:
    campaign = get_campaign_for_user(request, slug)
    response = HttpResponse(
        write_xlsx(
            {"figures": import_template_rows(campaign)},
            title=f"{campaign.title}: import template",
            freeze_header=True,
        ),
        content_type=XLSX,
    )
    response["Content-Disposition"] = f'attachment; filename="{campaign.slug}-template.xlsx"'
    return response


def _basis_name(basis: str) -> str:
    return "approved" if basis == APPROVED else "all"


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
            "recent": campaign.figure_imports.defer("data").select_related("uploaded_by")[:10],
        },
        status=400 if form.errors else 200,
    )


def _batch(request: HttpRequest, slug: str, pk: int) -> FigureImport:
    """The batch without its file: pages only ever show what the check stored."""
    campaign = get_campaign_for_user(request, slug, write=True)
    batch = get_object_or_404(
        FigureImport.objects.defer("data").select_related("uploaded_by", "confirmed_by"),
        pk=pk,
        campaign=campaign,
    )
    batch.campaign = campaign
    if batch.working and figure_import_resume(batch_id=batch.pk):
        batch.refresh_from_db(fields=["state", "rows_checked", "rows_total", "result", "errors"])
    return batch


def _progress_text(batch: FigureImport) -> str:
    if batch.state == ImportState.STAGED:
        return "Waiting for a worker to check the file…"
    if batch.state == ImportState.CHECKING:
        if not batch.rows_total:
            return "Reading the file…"
        return f"Checked {batch.rows_checked:,} of {plural(batch.rows_total, 'row')}…"
    if batch.state == ImportState.APPLYING:
        return f"Importing {plural(batch.result.get('rows', 0), 'row')}…"
    return batch.get_state_display()


PREVIEW_LINES_PER_PAGE = 50


@edit_required
def import_preview(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    batch = _batch(request, slug, pk)
    plan = batch.result if batch.state == ImportState.CHECKED else None
    lines = None
    if plan is not None:
        # The plan stored by the check lists each line: paging it reads nothing more.
        lines = Paginator(plan.get("lines", []), PREVIEW_LINES_PER_PAGE).get_page(
            request.GET.get("page")
        )
    return render(
        request,
        "figures_app/import_preview.html",
        {
            "campaign": batch.campaign,
            "batch": batch,
            "plan": plan,
            "lines": lines,
            "errors": batch.errors if batch.state == ImportState.FAILED else [],
            "progress_text": _progress_text(batch),
            "can_approve": may_approve_on_import(user=request.user),
        },
        status=400 if batch.state == ImportState.FAILED else 200,
    )


@edit_required
def import_status(request: HttpRequest, slug: str, pk: int) -> JsonResponse:
    """What the preview page polls while a worker checks or applies the batch."""
    batch = _batch(request, slug, pk)
    return JsonResponse(
        {
            "state": batch.state,
            "working": batch.working,
            "rows_checked": batch.rows_checked,
            "rows_total": batch.rows_total,
            "progress_text": _progress_text(batch),
        }
    )


@require_POST
@edit_required
def import_confirm(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    batch = _batch(request, slug, pk)
    if batch.state == ImportState.APPLIED:
        messages.info(request, f"{batch.filename} was already imported.")
        return redirect("figures_campaign_totals", slug=batch.campaign.slug)
    approve = request.POST.get("approve") == "1"
    if approve and not may_approve_on_import(user=request.user):
        raise PermissionDenied(
            "The person who imports figures cannot also approve them: ask another reviewer."
        )
    try:
        figure_import_confirm(batch_id=batch.pk, actor=request.user, approve=approve)
    except ServiceError as exc:
        messages.error(request, str(exc))
    return redirect("figures_import_preview", slug=batch.campaign.slug, pk=batch.pk)
