"""Campaign pages: list, the campaign table with filters and bulk actions, exports."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Case, F, IntegerField, Value, When
from django.db.models.functions import Coalesce, Lower, NullIf
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from requests_app import roles as role_rules
from requests_app.access import edit_required, get_campaign_for_user, view_required
from requests_app.body_words import body_nouns
from requests_app.campaign_rows import campaign_rows_html
from requests_app.exports import requests_csv_chunks, requests_xlsx
from requests_app.filters import CampaignListFilter, RequestStateFilter
from requests_app.forms import BulkMarkSentForm
from requests_app.models import Campaign, Force
from requests_app.models.requests import SENT_HOW_OTHER_MAX, SentOutside
from requests_app.selectors.campaigns import (
    campaign_progress,
    campaigns_with_progress,
    progress_of_rows,
)
from requests_app.selectors.requests import campaign_requests, request_rows
from requests_app.services.errors import ServiceError
from requests_app.services.lifecycle import requests_bulk_mark_sent
from requests_app.text import long_date, plural
from requests_app.workflow import InvalidTransition, Status


def _sort_param(request, allowed, default):
    sort = request.GET.get("sort", default)
    key = sort.lstrip("-")
    return sort if key in allowed else default


@view_required
def campaign_list(request):
    today = timezone.localdate()
    filters = CampaignListFilter(
        request.GET, queryset=campaigns_with_progress(Campaign.objects.all(), today)
    )
    page = Paginator(filters.qs, 25).get_page(request.GET.get("page"))
    return render(
        request,
        "requests_app/campaign_list.html",
        {"page": page, "sort": filters.sort_value, "q": filters.query},
    )


# The campaign table's columns. Those the database holds are sorted there, nulls last whichever
# way (a request paused for a clarification has no due date; an unsent one no sent date); the
# working days left and late are computed per row, so those sort here, nulls last too.
REQUEST_DB_SORTS = {
    "force": F("force__name"),
    "state": Case(
        *(When(status=status, then=Value(i)) for i, status in enumerate(Status.values)),
        output_field=IntegerField(),
    ),
    "sent": F("sent_on"),
    "due": Coalesce("next_due_on", "due_on"),
    "reference": NullIf(Lower("force_reference"), Value("")),
    "law": F("force__law"),
}
REQUEST_ROW_SORTS = {
    "left": lambda r: r.working_days_left,
    "late": lambda r: r.working_days_late,
}
REQUEST_SORTS = REQUEST_DB_SORTS.keys() | REQUEST_ROW_SORTS.keys()


def _sorted_requests(queryset, sort: str):
    key, descending = sort.lstrip("-"), sort.startswith("-")
    expression = REQUEST_DB_SORTS.get(key)
    if expression is None:
        return queryset.order_by("force__name")
    ordered = expression.desc(nulls_last=True) if descending else expression.asc(nulls_last=True)
    return queryset.order_by(ordered, "force__name")


def _sorted_rows(rows: list, sort: str) -> list:
    value = REQUEST_ROW_SORTS.get(sort.lstrip("-"))
    if value is None:
        return rows
    known = [r for r in rows if value(r) is not None]
    known.sort(key=value, reverse=sort.startswith("-"))  # stable: force name breaks ties
    return known + [r for r in rows if value(r) is None]


@view_required
def campaign_detail(request, slug, *, links: Callable[..., list[tuple[str, str]]]):
    """`links(campaign)` -> (label, url) of other apps' pages about it (the figures' totals,
    import, export), wired by foi_tracker/pages/campaign_page.py."""
    campaign = get_campaign_for_user(request, slug)
    today = timezone.localdate()
    states = RequestStateFilter(request.GET, queryset=campaign_requests(campaign), today=today)
    state = states.state_value
    sort = _sort_param(request, REQUEST_SORTS, "force")
    rows = _sorted_rows(request_rows(_sorted_requests(states.qs, sort), today), sort)
    periods = list(campaign.periods.all())
    # Unfiltered, the rows are all the campaign's requests: the progress line adds them up.
    progress = campaign_progress(campaign, today) if state else progress_of_rows(rows)
    # The rows' bodies say what they are called ("force", "council"): no query of their own.
    nouns = body_nouns((row.foi.force.kind, row.foi.force.country) for row in rows)
    return render(
        request,
        "requests_app/campaign_detail.html",
        {
            "campaign": campaign,
            "periods": periods,
            "rows": rows,
            "rows_html": campaign_rows_html(rows, can_edit=role_rules.can_edit(request.user)),
            "progress": progress,
            # The status chips, from the progress line's counts.
            "counts": progress.status_counts(),
            "state": state,
            "sort": sort,
            "today": today,
            "links": links(campaign),
            "nouns": nouns,
            "reference_label": f"{nouns.singular.capitalize()} reference",
            "statuses": Status.choices,
            "sent_how_choices": SentOutside.choices,
            "sent_how_other_max": SENT_HOW_OTHER_MAX,
        },
    )


@view_required
def campaign_preview(request, slug):
    campaign = get_campaign_for_user(request, slug)
    forces = Force.objects.filter(requests__campaign=campaign).order_by("name")
    force = None
    if request.GET.get("force"):
        force = get_object_or_404(forces, slug=request.GET["force"])
    force = force or forces.first()
    text = campaign.render_request_text(force) if force else ""
    return render(
        request,
        "requests_app/campaign_preview.html",
        {
            "campaign": campaign,
            "forces": forces,
            "force": force,
            "text": text,
            "nouns": body_nouns(forces.order_by().values_list("kind", "country").distinct()),
        },
    )


@require_POST
@edit_required
def campaign_bulk_mark_sent(request, slug):
    campaign = get_campaign_for_user(request, slug, write=True)
    form = BulkMarkSentForm(request.POST, campaign=campaign)
    if not form.is_valid():
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            messages.error(request, f"{label}: {' '.join(errors)}" if label else " ".join(errors))
        return redirect(campaign)
    try:
        count = requests_bulk_mark_sent(
            request_ids=form.cleaned_data["request_ids"],
            actor=request.user,
            sent_on=form.cleaned_data["sent_on"],
            received_on=form.cleaned_data["received_on"],
            sent_how=form.cleaned_data["sent_how"],
            sent_how_other=form.cleaned_data["sent_how_other"],
        )
    except (ServiceError, InvalidTransition) as exc:
        messages.error(request, f"Nothing was changed: {exc}")
        return redirect(campaign)
    sent_on = form.cleaned_data["sent_on"]
    messages.success(
        request,
        f"Recorded {plural(count, 'request')} as sent outside the tracker on {long_date(sent_on)}.",
    )
    return redirect(campaign)


def _export_rows(request, slug):
    campaign = get_campaign_for_user(request, slug)
    return campaign, request_rows(campaign_requests(campaign), timezone.localdate())


@view_required
def campaign_requests_csv(request, slug):
    campaign, rows = _export_rows(request, slug)
    response = StreamingHttpResponse(
        requests_csv_chunks(rows), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{campaign.slug}-requests.csv"'
    return response


@view_required
def campaign_requests_xlsx(request, slug):
    campaign, rows = _export_rows(request, slug)
    response = HttpResponse(
        requests_xlsx(rows, campaign.title),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{campaign.slug}-requests.xlsx"'
    return response
