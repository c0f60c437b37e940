"""Run a campaign again for the next period (issue 14): a page saying what will be created,
and the POST that creates it through requests_app/services/series.py. foi_tracker/pages/run_again.py
wires it with `copy_more`, what the figures copy (the metrics)."""

from __future__ import annotations

from collections.abc import Callable

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render

from requests_app.access import edit_required, get_campaign_for_user
from requests_app.services.campaigns import SLUG_MAX_LENGTH
from requests_app.services.errors import ServiceError
from requests_app.services.series import campaign_run_again, run_again_plan
from requests_app.text import plural


class RunAgainForm(forms.Form):
    slug = forms.SlugField(
        max_length=SLUG_MAX_LENGTH,
        help_text="The new campaign's identifier in addresses and files.",
    )
    title = forms.CharField(max_length=200)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_id = "run-again-form"
        self.helper.add_input(Submit("submit", "Create the next campaign", css_id="run-again"))


@edit_required
def campaign_run_again_page(request, slug, *, copy_more: Callable[..., None]):
    campaign = get_campaign_for_user(request, slug, write=True)
    try:
        followed, periods, default_slug, default_title = run_again_plan(campaign)
    except ServiceError as exc:
        messages.error(request, str(exc))
        return redirect(campaign)
    form = RunAgainForm(
        request.POST or None, initial={"slug": default_slug, "title": default_title}
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                result = campaign_run_again(
                    campaign_id=campaign.pk,
                    actor=request.user,
                    slug=form.cleaned_data["slug"],
                    title=form.cleaned_data["title"],
                    copy_more=copy_more,
                )
            except ServiceError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, str(exc))
            else:
                new = result.campaign
                messages.success(
                    request,
                    f"Created {new.title}: {plural(new.requests.count(), 'request')} not yet "
                    f"sent, periods {', '.join(p.label for p in result.periods)}; metrics "
                    "copied. Check the letter, then send.",
                )
                return redirect(new)
        status = 400
    return render(
        request,
        "requests_app/campaign_run_again.html",
        {
            "campaign": campaign,
            "form": form,
            "plan": followed,
            "periods": periods,
        },
        status=status,
    )
