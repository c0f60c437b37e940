"""Forms: the entry grid (one form, every cell), import upload, review, one figure."""

from __future__ import annotations

from dataclasses import dataclass

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.utils import timezone

from figures_app.categories import CategoryIndex, dimension_name
from figures_app.models import Category, Dimension, Figure, Metric
from figures_app.ranges import first_overlaps
from figures_app.services.figures import CellInput
from figures_app.values import HELP, parse_figure
from requests_app.forms import styled_submit
from requests_app.models import FoiRequest, Period
from requests_app.selectors.answering import reply_dates
from requests_app.text import long_date
from requests_app.workflow import AWAITING_RESPONSE

NEW_ROWS = 3


@dataclass
class GridRow:
    label: str
    cells: list  # bound fields, one per period
    category: Category | None = None
    dimension: Dimension | None = None
    new_field: object = None  # bound field for a new category's name
    is_total: bool = False


@dataclass
class GridBlock:
    metric: Metric
    rows: list[GridRow]


def cell_name(metric_id: int, period_id: int, key: str) -> str:
    return f"c-{metric_id}-{period_id}-{key or 't'}"


class EntryGridForm(forms.Form):
    """Periods x metrics (and categories) in one form; saved all or nothing."""

    attachment = forms.ModelChoiceField(
        queryset=None,
        required=False,
        help_text="The file these figures came from (applied to every figure changed in this save).",
    )
    location = forms.CharField(
        max_length=200, required=False, help_text="Where in it: sheet and cell, or page."
    )
    answered_on = forms.DateField(
        label="Answered on",
        required=False,
        # Its own id: the request page's response form has an answered_on field too.
        widget=forms.DateInput(
            format="%Y-%m-%d", attrs={"type": "date", "id": "id_figures_answered_on"}
        ),
        help_text=(
            "The date the force answered, if these figures are its answer (the date of its "
            "reply, where one is filed). Left empty, the response is not recorded from the "
            "figures: record it from the letter."
        ),
    )

    def __init__(
        self,
        *args,
        foi: FoiRequest,
        metrics: list[Metric],
        periods: list[Period],
        index: CategoryIndex,
        figures: list[Figure],
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.foi, self.metrics, self.periods, self.index = foi, metrics, periods, index
        self.fields["attachment"].queryset = foi.attachments.all()
        if foi.status in AWAITING_RESPONSE:
            # Asked only while the response is still to be recorded; the reply's day by default.
            self.fields["answered_on"].initial = reply_dates([foi.pk]).get(foi.pk)
        else:
            del self.fields["answered_on"]
        existing = {(f.metric_id, f.period_id, f.category_key): f for f in figures}
        self.blocks: list[GridBlock] = []
        self._cells: list[
            tuple[str, Metric, Period, tuple]
        ] = []  # name, metric, period, (dim, cat|new row)
        for metric in metrics:
            rows: list[GridRow] = []
            specs = [(None, None, "Total", "")]
            for dim in index.dimensions.get(metric.pk, []):
                cats = sorted(
                    (c for c in index.by_id.values() if c.dimension_id == dim.pk),
                    # Ranges by where they start ('0-10' before '11-15' before '16+').
                    key=lambda c: (c.position, c.low if c.low is not None else -1, c.value),
                )
                for cat in cats:
                    specs.append((dim, cat, f"{dim.label}: {cat.label or cat.value}", str(cat.pk)))
                if dim.inferred:
                    for n in range(NEW_ROWS):
                        specs.append((dim, None, f"new-{dim.pk}-{n}", None))
            for dim, cat, label, key in specs:
                row = GridRow(
                    label=label, cells=[], category=cat, dimension=dim, is_total=dim is None
                )
                if key is None:  # a new category row
                    new_name = f"{label}-name"
                    self.fields[new_name] = forms.CharField(
                        required=False,
                        max_length=60,
                        widget=forms.TextInput(
                            attrs={
                                "placeholder": f"new {dim.label.lower()}",
                                "size": 8,
                                "class": "form-control form-control-sm",
                            }
                        ),
                    )
                    row.new_field = self[new_name]
                    row.label = ""
                for period in periods:
                    name = (
                        cell_name(metric.pk, period.pk, key)
                        if key is not None
                        else f"{label}-{metric.pk}-{period.pk}"
                    )
                    fig = existing.get((metric.pk, period.pk, key)) if key is not None else None
                    self.fields[name] = forms.CharField(
                        required=False,
                        max_length=100,
                        initial=_initial(fig),
                        widget=forms.TextInput(
                            attrs={
                                "class": "form-control form-control-sm text-end",
                                "size": 8,
                                "aria-label": f"{metric.label}, {label}, {period.label}",
                            }
                        ),
                    )
                    row.cells.append(self[name])
                    self._cells.append((name, metric, period, (dim, cat, key, label)))
                rows.append(row)
            self.blocks.append(GridBlock(metric=metric, rows=rows))
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True

    def clean_answered_on(self):
        day = self.cleaned_data.get("answered_on")
        if day is None:
            return None
        if day > timezone.localdate():
            raise forms.ValidationError("The answer date cannot be in the future.")
        if self.foi.sent_on and day < self.foi.sent_on:
            raise forms.ValidationError(
                f"The answer date cannot be before the request was sent ({long_date(self.foi.sent_on)})."
            )
        return day

    def clean(self):
        cleaned = super().clean()
        bounds = (self.foi.campaign.suppressed_lower, self.foi.campaign.suppressed_upper)
        self.cell_inputs: list[CellInput] = []
        # A new row's name is read once (not once per period: add_error drops it from
        # cleaned_data, and a second reading would then ask for a name that was given).
        names = {
            label: (cleaned.get(f"{label}-name") or "").strip()
            for _, _, _, (dim, cat, _, label) in self._cells
            if dim is not None and cat is None
        }
        self._new_refs: dict[str, object] = {}
        ranges: list[tuple[str, tuple, object]] = []
        for name, metric, period, (dim, cat, _key, label) in self._cells:
            if name not in self.data:
                # A cell missing from the POST (not an emptied one) leaves its figure alone.
                continue
            try:
                parsed = parse_figure(cleaned.get(name, ""), bounds=bounds)
            except ValueError as exc:
                self.add_error(name, str(exc))
                continue
            refs: tuple = ()
            if dim is not None:
                ref = self._row_ref(dim, cat, label, names, filled=parsed is not None)
                if ref is None or parsed is None and cat is None:
                    continue
                refs = (ref,)
                if parsed is not None and ref.range is not None:
                    ranges.append((name, (metric.pk, period.pk, dim.pk), ref))
            self.cell_inputs.append(
                CellInput(
                    request=self.foi,
                    metric=metric,
                    period=period,
                    categories=refs,
                    parsed=parsed,
                    source="entry grid",
                )
            )
        self._refuse_overlaps(ranges)
        return cleaned

    def _row_ref(self, dim, cat, label: str, names: dict, *, filled: bool):
        """The category of a grid row: its own, or the one a new row names (None, with the
        error added once on the name, when it names none)."""
        if cat is not None:
            return self.index.resolve(dim, cat.value)
        if label in self._new_refs:
            return self._new_refs[label]
        new_name, field_name, what = names.get(label, ""), f"{label}-name", dimension_name(dim)
        ref = None
        if not new_name:
            if filled:
                self.add_error(field_name, f"Name the {what} for this row.")
                self._new_refs[label] = None
            return None
        try:
            ref = self.index.resolve(dim, new_name)
        except ValueError as exc:
            self.add_error(field_name, str(exc))
        if ref is not None and ref.category is not None:
            self.add_error(field_name, f"The {what} {ref.value} already has a row above.")
            ref = None
        taken = {r.value for r in self._new_refs.values() if r is not None and r.dimension == dim}
        if ref is not None and ref.value in taken:
            self.add_error(field_name, f"The {what} {new_name} is given twice.")
            ref = None
        self._new_refs[label] = ref
        return ref

    def _refuse_overlaps(self, ranges: list[tuple[str, tuple, object]]) -> None:
        """A force's ranges for one period may not overlap: the later cell is named."""
        names = {field_name: dimension_name(ref.dimension) for field_name, _, ref in ranges}
        for field_name, rng, _, before in first_overlaps(
            (group, field_name, ref.range) for field_name, group, ref in ranges
        ):
            self.add_error(
                field_name,
                f"The {names[field_name]} {rng.label} overlaps {before.label} in the same period "
                "and measure.",
            )


def _initial(fig: Figure | None) -> str:
    if fig is None:
        return ""
    if fig.kind == "reported":
        return str(fig.value)
    return fig.raw_text or fig.get_kind_display().lower()


class FigureForm(forms.Form):
    value = forms.CharField(max_length=100, help_text=f"As the force gave it: {HELP}.")
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    attachment = forms.ModelChoiceField(
        queryset=None, required=False, help_text="The file it came from."
    )
    location = forms.CharField(max_length=200, required=False, help_text="Sheet and cell, or page.")

    def __init__(self, *args, figure: Figure, **kwargs):
        kwargs.setdefault(
            "initial",
            {
                "value": _initial(figure),
                "note": figure.note,
                "attachment": figure.attachment_id,
                "location": figure.location,
            },
        )
        super().__init__(*args, **kwargs)
        self.figure = figure
        self.fields["attachment"].queryset = figure.request.attachments.all()
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", "Save figure"))

    def clean_value(self):
        campaign = self.figure.request.campaign
        try:
            parsed = parse_figure(
                self.cleaned_data["value"],
                bounds=(campaign.suppressed_lower, campaign.suppressed_upper),
            )
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from None
        if parsed is None:
            raise forms.ValidationError(
                "Give a value; to remove the figure clear its cell in the grid."
            )
        return parsed


class SendBackForm(forms.Form):
    comment = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="What needs correcting (the maker sees this).",
    )

    def __init__(self, *args, action_url: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_action = action_url
        self.helper.add_input(styled_submit("Send back", "btn-outline-danger"))


class ImportForm(forms.Form):
    file = forms.FileField(
        help_text="CSV or XLSX, one row per figure: force, period, metric, one column per "
        "dimension, value, and optionally status and note."
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.attrs = {"enctype": "multipart/form-data"}
        self.helper.add_input(Submit("submit", "Check file"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".csv", ".xlsx")):
            raise forms.ValidationError("Use a .csv or .xlsx file.")
        if upload.size > 20 * 1024 * 1024:
            raise forms.ValidationError("The file is larger than 20 MB.")
        return upload
