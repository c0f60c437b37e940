"""Send pages: preview what will go (and what cannot, and why), then send on confirm."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from requests_app.access import edit_required, get_campaign_for_user, get_request_for_user
from requests_app.body_words import body_nouns
from requests_app.forms import ForceAddressForm
from requests_app.letters import from_address
from requests_app.models import Force, ForceAddressChange
from requests_app.selectors.sending import campaign_sent_summary, requests_plan
from requests_app.services.errors import ServiceError
from requests_app.services.forces import force_set_foi_email
from requests_app.services.sending import requests_send
from requests_app.text import plural
from requests_app.workflow import Status


def _posted_ids(request) -> list[int]:
    return [int(v) for v in request.POST.getlist("request_ids") if v.isdigit()]


def _confirm(request, *, ids: list[int], back):
    try:
        plan = requests_send(request_ids=ids, actor=request.user)
    except ServiceError as exc:
        messages.error(request, str(exc))
        return redirect(back)
    if plan.ready:
        messages.success(
            request,
            f"Sending {plural(len(plan.ready), 'request')}; each moves to sent when its email has gone.",
        )
    else:
        messages.error(request, "Nothing was sent: none of these requests can be sent now.")
    if plan.no_address:
        names = ", ".join(foi.force.name for foi in plan.no_address)
        messages.warning(request, f"Not sent, no FOI address: {names}.")
    return redirect(back)


def _preview(request, *, campaign, plan, action_url, back_url, single=False, summary=None):
    return render(
        request,
        "requests_app/send_preview.html",
        {
            "campaign": campaign,
            "plan": plan,
            "action_url": action_url,
            "back_url": back_url,
            "single": single,
            "summary": summary,
            "from_email": from_address(),
            "nouns": body_nouns(
                campaign.requests.order_by().values_list("force__kind", "force__country").distinct()
            ),
        },
    )


@edit_required
def campaign_send(request, slug):
    """GET: every request not yet sent (or ?force=<slug>...); POST: the ticked ones."""
    campaign = get_campaign_for_user(request, slug, write=True)
    in_campaign = campaign.requests.all()
    url = reverse("campaign_send", args=[campaign.slug])
    if request.method == "POST":
        ids = list(in_campaign.filter(pk__in=_posted_ids(request)).values_list("pk", flat=True))
        if request.POST.get("confirm"):
            return _confirm(request, ids=ids, back=campaign)
        if not ids:
            ids = list(in_campaign.filter(status=Status.DRAFT).values_list("pk", flat=True))
    else:
        chosen = in_campaign.filter(status=Status.DRAFT)
        if request.GET.getlist("force"):
            chosen = in_campaign.filter(force__slug__in=request.GET.getlist("force"))
        ids = list(chosen.values_list("pk", flat=True))
    plan = requests_plan(request_ids=ids)
    return _preview(
        request,
        campaign=campaign,
        plan=plan,
        action_url=url,
        back_url=campaign.get_absolute_url(),
        summary=campaign_sent_summary(campaign_id=campaign.pk),
    )


@edit_required
def request_send_page(request, pk):
    foi = get_request_for_user(request, pk, write=True)
    if request.method == "POST" and request.POST.get("confirm"):
        return _confirm(request, ids=[foi.pk], back=foi)
    plan = requests_plan(request_ids=[foi.pk])
    url = reverse("request_send", args=[foi.pk])
    return _preview(
        request,
        campaign=foi.campaign,
        plan=plan,
        action_url=url,
        back_url=foi.get_absolute_url(),
        single=True,
    )


@edit_required
def force_address(request, pk):
    """Set a force's FOI address (where requests and chasers go); back to `next` after."""
    force = get_object_or_404(Force, pk=pk)
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = ""
    form = ForceAddressForm(request.POST or None, initial={"foi_email": force.foi_email})
    if request.method == "POST" and form.is_valid():
        force_set_foi_email(
            force_id=force.pk,
            actor=request.user,
            foi_email=form.cleaned_data["foi_email"],
            via=ForceAddressChange.Via.PAGE,
        )
        messages.success(request, f"FOI address of {force.name} saved.")
        return redirect(next_url or reverse("force_list"))
    return render(
        request,
        "requests_app/force_address.html",
        {"force": force, "form": form, "next": next_url},
        status=400 if form.is_bound else 200,
    )
