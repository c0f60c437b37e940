"""The campaign form (create and edit): requests_app's campaign and periods with figures_app's
"Figures asked for" section, saved together by one service in one transaction."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render

from figures_app.metrics_form import MetricsSection
from foi_tracker.campaign_setup import campaign_save_with_metrics
from requests_app.access import edit_required, get_campaign_for_user
from requests_app.forms import CampaignForm, PeriodFormSet
from requests_app.models import Campaign, Force
from requests_app.periods import PeriodSpec
from requests_app.selectors.forces import list_member_ids
from requests_app.services.errors import ServiceError
from requests_app.text import plural

SETTINGS = (
    "chase_forces",
    "chase_again_after",
    "rounding_rule",
    "suppressed_lower",
    "suppressed_upper",
)


def _period_initial(campaign: Campaign | None) -> list[dict]:
    if not campaign:
        return []
    return [{"label": p.label, "start": p.start, "end": p.end} for p in campaign.periods.all()]


def _periods_from(formset) -> list[PeriodSpec]:
    return [
        PeriodSpec(f.cleaned_data["label"].strip(), f.cleaned_data["start"], f.cleaned_data["end"])
        for f in formset.forms
        if f.cleaned_data and not f.cleaned_data.get("DELETE")
    ]


def _fields_from(form, periods) -> dict:
    data = form.cleaned_data
    return {
        "title": data["title"],
        "request_text": data["request_text"],
        "notes": data["notes"],
        "forces": data["all_forces"],
        "force_list": data["force_list"],
        "periods": _periods_from(periods),
        **{key: data[key] for key in SETTINGS},
    }


def _initial(campaign: Campaign | None) -> dict:
    if not campaign:
        return {}
    return {
        "title": campaign.title,
        "slug": campaign.slug,
        "request_text": campaign.request_text,
        "notes": campaign.notes,
        "force_list": campaign.force_list,
        "forces": list(Force.objects.filter(requests__campaign=campaign)),
        **{key: getattr(campaign, key) for key in SETTINGS},
    }


def _show_error(exc: ServiceError, form, periods, metrics: MetricsSection) -> None:
    if exc.field == "periods":
        periods._non_form_errors = periods.error_class([str(exc)])
    elif exc.field == "metrics":
        metrics.add_error(str(exc))
    else:
        form.add_error(exc.field if exc.field in form.fields else None, str(exc))


def _render(request, campaign, form, periods, metrics, status):
    list_members = list_member_ids(form.fields["force_list"].queryset)
    return render(
        request,
        "requests_app/campaign_form.html",
        {
            "form": form,
            "periods": periods,
            "sections": [metrics],
            "campaign": campaign,
            "list_members": list_members,
        },
        status=status,
    )


def _campaign_form_page(request, *, campaign: Campaign | None):
    if request.method != "POST":
        form = CampaignForm(initial=_initial(campaign), instance=campaign)
        periods = PeriodFormSet(initial=_period_initial(campaign), prefix="periods")
        return _render(request, campaign, form, periods, MetricsSection(campaign), 200)
    metrics = MetricsSection(campaign, request.POST)
    form = CampaignForm(request.POST, instance=campaign)
    periods = PeriodFormSet(request.POST, prefix="periods")
    metrics_valid = metrics.is_valid()
    if form.is_valid() and periods.is_valid() and metrics_valid:
        try:
            saved = campaign_save_with_metrics(
                campaign_id=campaign.pk if campaign else None,
                actor=request.user,
                slug=form.cleaned_data.get("slug", ""),
                fields=_fields_from(form, periods),
                metrics=metrics.edits(),
            )
        except ServiceError as exc:
            _show_error(exc, form, periods, metrics)
        else:
            if campaign:
                messages.success(request, "Campaign saved.")
            else:
                messages.success(
                    request,
                    f"Campaign created with {plural(saved.requests.count(), 'draft request')}.",
                )
            return redirect(saved)
    return _render(request, campaign, form, periods, metrics, 400)


@edit_required
def campaign_new(request):
    return _campaign_form_page(request, campaign=None)


@edit_required
def campaign_edit(request, slug):
    campaign = get_campaign_for_user(request, slug, write=True)
    return _campaign_form_page(request, campaign=campaign)
