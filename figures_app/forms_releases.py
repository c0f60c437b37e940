"""Forms for releases: prepare and publish (or the next version), and a campaign's own grouping
of forces. They validate and lay out; the rules (who may publish, what a slug may be, which
forces a caveat may name) live in services/releases.py."""

from __future__ import annotations

import re
from datetime import timedelta

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.utils import timezone
from django.utils.html import format_html

from figures_app.selectors.release_data import standard_grouping
from figures_app.selectors.releases import custom_groupings
from figures_app.services.releases import ReleaseError, ReleaseSpec, parse_caveats
from requests_app.body_words import body_nouns
from requests_app.series_names import readable_slug

RELEASE_SLUG_MAX = 80


def release_slug_from_title(title: str) -> str:
    """A release's slug made from its title, periods kept readable ("Online offences 2016/17"
    -> "online-offences-2016-17"), in the release rule: single hyphens, no underscores."""
    return re.sub(r"[-_]+", "-", readable_slug(title, RELEASE_SLUG_MAX)).strip("-")


def _address_preview(slug: str) -> str:
    # The preview is HTML (crispy shows help text as it is): "<slug>" written out as text was
    # read as a tag and the page said "/releases//". static/figures_app/release_form.js
    # keeps the span in step with the field as it is typed.
    return format_html(
        'The public address: <code>/releases/<span id="release-address-slug">{}</span>/</code>. '
        "Left blank: made from the title. Cannot be changed later.",
        slug,
    )


class ReleaseForm(forms.Form):
    title = forms.CharField(max_length=200)
    slug = forms.SlugField(max_length=RELEASE_SLUG_MAX, required=False)
    metrics = forms.MultipleChoiceField(widget=forms.CheckboxSelectMultiple)
    periods = forms.MultipleChoiceField(widget=forms.CheckboxSelectMultiple)
    methodology = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 6}),
        required=False,
        help_text="Markdown. How the figures were asked for, checked and totalled.",
    )
    caveats = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        label="Caveats per force",
        help_text="One a line, 'Force: caveat', e.g. 'Norfolk: could not flag online offences "
        "before 2016/17'. Shown with that force's figures everywhere in the release.",
    )
    regions_grouping = forms.ChoiceField(
        required=False,
        label="Also total by",
        help_text="Regional totals always use the ONS police regions; add one of the "
        "campaign's own groupings.",
    )
    include_answering = forms.BooleanField(
        required=False,
        label="Include how each force answered (working days, on time or late, refusals)",
    )
    publish_at = forms.DateTimeField(
        required=False,
        label="Public from",
        help_text="Leave empty to publish now; a future date and time embargoes the release "
        "(staff can preview it until then). Format 2017-06-01 00:01.",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d"],
    )
    note = forms.CharField(
        max_length=500,
        required=False,
        label="Reason for this version",
        help_text="Shown in the changelog, e.g. 'Kent corrected its 2016/17 figure'.",
    )

    def __init__(self, *args, campaign, next_version: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.campaign = campaign
        self.fields["metrics"].choices = [(m.slug, m.label) for m in campaign.metrics.all()]
        self.fields["periods"].choices = [
            (label, label) for label in campaign.periods.values_list("label", flat=True)
        ]
        nouns = body_nouns(campaign.requests.values_list("force__kind", "force__country"))
        standard = standard_grouping(nouns)  # "ONS police regions", "Nations and regions"
        self.fields["regions_grouping"].choices = [("", f"{standard} only")] + [
            (g, g) for g in custom_groupings(campaign)
        ]
        if not nouns.police:
            singular = nouns.singular
            self.fields["regions_grouping"].help_text = (
                f"Regional totals always use the {standard.lower()}; add one of the campaign's own "
                "groupings."
            )
            self.fields["caveats"].label = f"Caveats per {singular}"
            self.fields["caveats"].help_text = (
                f"One a line, '{singular.capitalize()}: caveat'. Shown with that {singular}'s "
                "figures everywhere in the release."
            )
            self.fields[
                "include_answering"
            ].label = (
                f"Include how each {singular} answered (working days, on time or late, refusals)"
            )
        if next_version:
            self.fields["slug"].disabled = True
            self.fields["note"].required = True
        else:
            del self.fields["note"]
        self.fields["slug"].help_text = _address_preview(self._slug_shown())
        self.helper = FormHelper()
        self.helper.add_input(
            Submit("submit", "Publish next version" if next_version else "Publish release")
        )

    def _slug_shown(self) -> str:
        """The slug as typed (or as it will be made from the title typed), else the saved one."""
        if self.is_bound and not self.fields["slug"].disabled:
            typed = self.data.get("slug", "").strip()
            return typed or release_slug_from_title(self.data.get("title", ""))
        return self.initial.get("slug", "")

    def clean_slug(self) -> str:
        slug = self.cleaned_data["slug"]
        if not slug and not self.fields["slug"].disabled:
            slug = release_slug_from_title(self.data.get("title", ""))
            if not slug:
                raise forms.ValidationError(
                    "Slug: type one, or a title it can be made from (letters or digits)."
                )
        return slug

    def clean_caveats(self) -> dict[str, list[str]]:
        try:
            return parse_caveats(campaign=self.campaign, text=self.cleaned_data["caveats"])
        except ReleaseError as error:
            raise forms.ValidationError(str(error)) from None

    def clean_publish_at(self):
        value = self.cleaned_data["publish_at"]
        if value is not None and value < timezone.now() - timedelta(minutes=1):
            raise forms.ValidationError(
                "Public from: that time has passed; leave it empty to publish now."
            )
        return value

    def spec(self) -> ReleaseSpec:
        data = self.cleaned_data
        return ReleaseSpec(
            title=data["title"],
            metric_slugs=list(data["metrics"]),
            period_labels=list(data["periods"]),
            methodology=data["methodology"],
            caveats=data["caveats"],
            include_answering=data["include_answering"],
            regions_grouping=data["regions_grouping"],
        )


class GroupingForm(forms.Form):
    grouping = forms.CharField(
        max_length=120, label="Grouping name", help_text="e.g. 'NSPCC areas'."
    )
    areas = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 10}),
        required=False,
        help_text="One area a line: 'Area: force, force, ...'. Forces named as anywhere "
        "('Kent', 'the Met', an ONS code). Empty removes the grouping.",
    )

    def __init__(self, *args, campaign, **kwargs):
        super().__init__(*args, **kwargs)
        self.campaign = campaign
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", "Save grouping"))
