"""A returned file as cells, and taking a request's figures from a block of them."""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from figures_app.categories import CategoryIndex
from figures_app.cell_mapping import AXES, BlockSpec, propose, spec_from_template
from figures_app.cells import (
    CellsUnavailable,
    a1,
    column_letter,
    parse_a1,
    parse_range,
    read_sheets,
)
from figures_app.models import Figure
from figures_app.selectors.cells import layout_for
from figures_app.services.cell_mapping import figures_from_cells
from requests_app import roles
from requests_app.access import get_request_for_user, view_required
from requests_app.models import RequestAttachment
from requests_app.selectors.quarantine import is_quarantined
from requests_app.services.errors import ServiceError


class BlockForm(forms.Form):
    field_order = [
        "sheet", "block", "rows_are", "columns_are", "first_row_labels", "first_column_labels",
        "metric", "period", "keep_layout",
    ]  # fmt: skip
    sheet = forms.ChoiceField(label="Sheet")
    block = forms.CharField(
        label="Block",
        max_length=20,
        help_text="e.g. B5:D9: click its first cell, then its last. Every cell of it is "
        "saved, or nothing is.",
    )
    first_row_labels = forms.BooleanField(
        label="The block's first row holds the column labels",
        required=False,
        help_text="Otherwise the labels are found above the block, in words; numbers (such as "
        "ages) are labels only when you tick this.",
    )
    first_column_labels = forms.BooleanField(
        label="The block's first column holds the row labels",
        required=False,
        help_text="Otherwise the labels are found left of the block, in words; numbers (such as "
        "ages) are labels only when you tick this.",
    )
    rows_are = forms.ChoiceField(label="Rows are", choices=list(AXES.items()))
    columns_are = forms.ChoiceField(label="Columns are", choices=list(AXES.items()))
    metric = forms.ModelChoiceField(
        label="Metric",
        queryset=None,
        required=False,
        help_text="When neither rows nor columns are metrics.",
    )
    period = forms.ModelChoiceField(
        label="Period",
        queryset=None,
        required=False,
        help_text="When neither rows nor columns are periods.",
    )
    keep_layout = forms.BooleanField(
        label="Keep this layout for this force's next file", required=False, initial=True
    )

    def __init__(self, *args, sheets, metrics, periods, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sheet"].choices = [
            (s.name, s.name + (" (hidden)" if s.hidden else "")) for s in sheets
        ]
        self.fields["metric"].queryset = metrics
        self.fields["period"].queryset = periods

    def clean_block(self):
        try:
            parse_range(self.cleaned_data["block"])
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from exc
        return self.cleaned_data["block"].strip().upper()

    def spec(self) -> BlockSpec:
        data = self.cleaned_data
        return BlockSpec(
            sheet=data["sheet"],
            block=data["block"],
            rows_are=data["rows_are"],
            columns_are=data["columns_are"],
            metric=data.get("metric"),
            period=data.get("period"),
            first_row_labels=data["first_row_labels"],
            first_column_labels=data["first_column_labels"],
        )


def _highlight(cell_param: str, sheets) -> tuple[int, tuple[int, int] | None]:
    """'Sheet 1!B5' -> (the sheet's position, (row, col)); unknown parts are ignored."""
    name, _, ref = cell_param.rpartition("!")
    index = next((i for i, s in enumerate(sheets) if s.name == name), 0)
    try:
        return index, parse_a1(ref)
    except ValueError:
        return index, None


def _grid(sheet, *, highlight, block) -> list[list[tuple[str, str, str]]]:
    """(A1 reference, text, CSS class) for each cell shown: the cited cell and the block marked."""
    grid = []
    for r in range(len(sheet.rows)):
        line = []
        for c in range(sheet.width):
            css = ""
            if block and block[0] <= r <= block[2] and block[1] <= c <= block[3]:
                css = "cell-block"
            if highlight == (r, c):
                css = "cell-cited"
            line.append((a1(r, c), sheet.cell(r, c), css))
        grid.append(line)
    return grid


@view_required
def figure_source(request: HttpRequest, pk: int) -> HttpResponse:
    """Where a figure was read, as a stable address (the exports' `taken_from_url`): the file's
    cells with the figure's cell highlighted."""
    figure = get_object_or_404(
        Figure.objects.only("request_id", "attachment_id", "location"), pk=pk
    )
    get_request_for_user(request, figure.request_id)
    if figure.attachment_id is None:
        raise Http404("This figure was not taken from a file.")
    url = reverse("figures_cells", args=[figure.attachment_id])
    return redirect(f"{url}?{urlencode({'cell': figure.location})}" if figure.location else url)


@view_required
def attachment_cells(request: HttpRequest, pk: int) -> HttpResponse:
    attachment = get_object_or_404(RequestAttachment, pk=pk)
    foi = get_request_for_user(request, attachment.request_id)
    if not attachment.file or is_quarantined(attachment):
        # Deleted, or quarantined (it may hold personal data): its own page says what to do,
        # and only a reviewer opens it there, after ticking that they understand.
        return redirect("attachment_detail", pk=attachment.pk)
    campaign = foi.campaign
    context = {"attachment": attachment, "foi": foi, "campaign": campaign}
    try:
        with attachment.file.open("rb") as handle:
            data = handle.read()
        sheets = read_sheets(attachment.original_name, data)
    except FileNotFoundError:
        raise Http404("The file is missing from storage.") from None
    except CellsUnavailable as exc:
        return render(request, "figures_app/cells.html", {**context, "unavailable": str(exc)})
    metrics = campaign.metrics.all()
    periods = campaign.periods.all()
    may_enter = roles.can_edit(request.user) and metrics.exists()
    shown, cell = _highlight(request.GET.get("cell", ""), sheets)
    layout_changes: list[str] = []
    proposal = None
    index = CategoryIndex(campaign)
    bounds = (campaign.suppressed_lower, campaign.suppressed_upper)
    metric_list, period_list = list(metrics), list(periods)
    form_kwargs = {"sheets": sheets, "metrics": metrics, "periods": periods}

    if request.method == "POST":
        if not may_enter:
            roles.require_edit(request.user)
            raise Http404("This campaign asks for no figures.")
        form = BlockForm(request.POST, **form_kwargs)
        if form.is_valid():
            spec = form.spec()
            sheet = next(s for s in sheets if s.name == spec.sheet)
            shown = sheets.index(sheet)
            proposal = propose(
                sheet, spec, metrics=metric_list, periods=period_list, index=index, bounds=bounds
            )
            if "save" in request.POST and not proposal.errors:
                try:
                    result = figures_from_cells(
                        foi=foi,
                        attachment=attachment,
                        actor=request.user,
                        spec=spec,
                        proposal=proposal,
                        index=index,
                        keep_layout=form.cleaned_data["keep_layout"],
                    )
                except ServiceError as exc:
                    form.add_error(None, str(exc))
                else:
                    messages.success(
                        request,
                        f"Taken from {attachment.original_name}: {result.created} new, "
                        f"{result.changed} changed, {result.unchanged} as they were. "
                        + ("The figures now await review." if result.written else ""),
                    )
                    return redirect(reverse("request_detail", args=[foi.pk]) + "#figures")
    else:
        form = BlockForm(initial={"sheet": sheets[shown].name}, **form_kwargs)
        layout = layout_for(foi) if may_enter else None
        if layout is not None:
            spec, layout_changes = spec_from_template(
                layout.layout, sheets, metrics=metric_list, periods=period_list
            )
            if spec is not None:
                form = BlockForm(
                    initial={
                        "sheet": spec.sheet,
                        "block": spec.block,
                        "rows_are": spec.rows_are,
                        "columns_are": spec.columns_are,
                        "metric": spec.metric,
                        "period": spec.period,
                        "first_row_labels": spec.first_row_labels,
                        "first_column_labels": spec.first_column_labels,
                        "keep_layout": True,
                    },
                    **form_kwargs,
                )
                sheet = next(s for s in sheets if s.name == spec.sheet)
                shown = sheets.index(sheet)
                proposal = propose(
                    sheet,
                    spec,
                    metrics=metric_list,
                    periods=period_list,
                    index=index,
                    bounds=bounds,
                )
            context["layout"] = layout

    sheet = sheets[shown]
    block = (
        parse_range(proposal.block)
        if proposal is not None and proposal.sheet == sheet.name
        else None
    )
    return render(
        request,
        "figures_app/cells.html",
        {
            **context,
            "sheets": sheets,
            "shown": shown,
            "sheet": sheet,
            "grid": _grid(sheet, highlight=cell, block=block),
            "letters": [column_letter(c) for c in range(sheet.width)],
            "form": form if may_enter else None,
            "proposal": proposal,
            "layout_changes": layout_changes,
        },
        status=400
        if request.method == "POST" and (form.errors or (proposal and proposal.errors))
        else 200,
    )
