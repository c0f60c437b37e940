"""The "Figures asked for" section of the campaign form (foi_tracker/pages/campaign_form.py):
a row per metric, named in words. Slugs are made from the labels and never shown; a metric can be
removed, or its breakdowns changed, only while no figure uses it (the service refuses otherwise).
"""

from __future__ import annotations

from django import forms
from django.db.models import Count

from figures_app.models import Metric
from figures_app.services.metrics import (
    MetricEdit,
    bands_from_text,
    bands_text,
    dimension_spec_from_text,
)
from requests_app.models import Campaign


def breakdown_text(metric: Metric) -> str:
    """The breakdowns as the form shows them: 'Victim age' or 'Offence: rape, other'."""
    lines = []
    for dim in metric.dimensions.all():
        if dim.inferred:
            lines.append(dim.label)
        else:
            names = [c.label or c.value for c in dim.categories.all()]
            lines.append(f"{dim.label}: {', '.join(names)}")
    return "\n".join(lines)


class MetricRowForm(forms.Form):
    metric_id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    label = forms.CharField(
        max_length=200,
        required=False,
        label="What is counted",
        help_text="e.g. Online-flagged child sex offences",
    )
    unit = forms.CharField(max_length=60, required=False, initial="offences", label="Unit")
    breakdowns = forms.CharField(
        required=False,
        label="Broken down by",
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="One per line: 'Victim age' (the values come from the figures) or "
        "'Offence: rape, sexual assault, other' (only these). Leave empty for one number.",
    )
    bands = forms.CharField(
        required=False,
        label="Reported in bands",
        widget=forms.Textarea(attrs={"rows": 1}),
        help_text="For a numeric breakdown, one per line: 'Victim age: 0-10, 11-12, 13, 14-15, "
        "16-17 (maximum 17)'. Forces' own ranges are totalled into these; the maximum is where "
        "an open range such as '16 and over' ends. Leave empty to report the values as given.",
    )
    notes = forms.CharField(
        required=False,
        label="Definition and caveats",
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Shown with the totals.",
    )

    def __init__(self, *args, in_use: dict[int, int] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.in_use = in_use or {}

    @property
    def figures_using(self) -> int:
        metric_id = self.initial.get("metric_id")
        return self.in_use.get(metric_id, 0) if metric_id else 0

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        deleting = data.get("DELETE")
        if not data.get("label", "").strip():
            if data.get("metric_id") and not deleting:
                self.add_error("label", "Say what is counted, or tick Remove.")
            return data
        if not data.get("unit", "").strip():
            data["unit"] = "offences"
        try:
            data["dimension_specs"] = dimension_spec_from_text(data.get("breakdowns", ""))
        except ValueError as exc:
            self.add_error("breakdowns", str(exc))
            return data
        try:
            data["dimension_specs"] = bands_from_text(
                data.get("bands", ""), tuple(data["dimension_specs"])
            )
        except ValueError as exc:
            self.add_error("bands", str(exc))
        return data


class BaseMetricFormSet(forms.BaseFormSet):
    def __init__(self, *args, in_use=None, **kwargs):
        self.in_use = in_use or {}
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        return {**super().get_form_kwargs(index), "in_use": self.in_use}

    def clean(self):
        if any(self.errors):
            return
        seen = set()
        for form in self.forms:
            data = form.cleaned_data
            label = (data.get("label") or "").strip()
            if not label or data.get("DELETE"):
                continue
            if label.casefold() in seen:
                raise forms.ValidationError(f"'{label}' is listed twice.")
            seen.add(label.casefold())


MetricFormSet = forms.formset_factory(
    MetricRowForm, formset=BaseMetricFormSet, extra=1, can_delete=True
)


class MetricsSection:
    """The metrics formset, bound to a campaign (None while it is being created)."""

    template_name = "figures_app/_campaign_form_metrics.html"
    prefix = "metrics"

    def __init__(self, campaign: Campaign | None, data=None):
        self.campaign = campaign
        self.metrics: dict[int, Metric] = {}
        in_use: dict[int, int] = {}
        initial = []
        if campaign is not None:
            metrics = (
                campaign.metrics.annotate(n_figures=Count("figures"))
                .prefetch_related("dimensions__categories")
                .order_by("position", "pk")
            )
            for metric in metrics:
                self.metrics[metric.pk] = metric
                in_use[metric.pk] = metric.n_figures
                initial.append(
                    {
                        "metric_id": metric.pk,
                        "label": metric.label,
                        "unit": metric.unit,
                        "notes": metric.notes,
                        "breakdowns": breakdown_text(metric),
                        "bands": bands_text(metric),
                    }
                )
        self.formset = MetricFormSet(data, initial=initial, prefix=self.prefix, in_use=in_use)
        self.service_errors: list[str] = []

    def is_valid(self) -> bool:
        valid = self.formset.is_valid()
        if valid:
            for form in self.formset.forms:
                metric_id = form.cleaned_data.get("metric_id")
                if metric_id and metric_id not in self.metrics:
                    form.add_error(None, "This metric is no longer in the campaign: reload.")
                    valid = False
        return valid

    def add_error(self, message: str) -> None:
        self.service_errors.append(message)

    def edits(self) -> list[MetricEdit]:
        """The rows, checked by is_valid(), for campaign_metrics_sync."""
        edits = []
        for form in self.formset.forms:
            data = form.cleaned_data
            edits.append(
                MetricEdit(
                    metric=self.metrics.get(data.get("metric_id") or 0),
                    label=(data.get("label") or "").strip(),
                    unit=data.get("unit", ""),
                    notes=data.get("notes", ""),
                    dimensions=tuple(data.get("dimension_specs", ())),
                    remove=bool(data.get("DELETE")),
                )
            )
        return edits
