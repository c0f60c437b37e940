"""Forms: validation and layout. Workflow lives in services; forms offer only legal moves."""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.conf import settings
from django.utils import timezone

from requests_app.body_words import body_nouns
from requests_app.deadlines import LAWS
from requests_app.exemptions import exemption_choices
from requests_app.models import Campaign, Force, ForceList, StaffProfile
from requests_app.models.campaigns import DEFAULT_REQUEST_TEXT, PLACEHOLDERS, RoundingRule
from requests_app.models.forces import BodyKind, Country
from requests_app.models.requests import SENT_HOW_OTHER_MAX, SentOutside
from requests_app.series_names import readable_slug
from requests_app.services.campaigns import SLUG_MAX_LENGTH, campaign_slug_problem
from requests_app.workflow import (
    Action,
    CommissionerOutcome,
    Outcome,
    ReviewOutcome,
    refusal_problem,
)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


def date_field(label: str, *, required: bool = True, help_text: str = "") -> forms.DateField:
    return forms.DateField(label=label, required=required, widget=DateInput(), help_text=help_text)


def today():
    return timezone.localdate()


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [single(item, initial) for item in data]
        return [single(data, initial)] if data else []


def styled_submit(value: str, style: str) -> Submit:
    """A submit button in Bootstrap's `style` alone ("btn-outline-danger"): crispy's Submit
    always carries btn-primary, and added classes come after it, so an outline button came out
    as red text on a blue button."""
    button = Submit("submit", value)
    button.field_classes = f"btn {style}"
    return button


def _helper(label: str, *, action: str | None = None, form_tag: bool = True) -> FormHelper:
    helper = FormHelper()
    helper.form_tag = form_tag
    if action:
        helper.form_action = action
    helper.add_input(Submit("submit", label))
    return helper


# ---- campaign --------------------------------------------------------------------------------


class CampaignForm(forms.Form):
    title = forms.CharField(max_length=200)
    slug = forms.SlugField(
        max_length=SLUG_MAX_LENGTH,
        required=False,
        help_text=(
            "Lower-case letters, digits, '-' and '_'; used in addresses and files. "
            "Left blank: made from the title."
        ),
    )
    request_text = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 8}),
        initial=DEFAULT_REQUEST_TEXT,
        help_text="Placeholders: "
        + ", ".join(f"{{{name}}}" for name in PLACEHOLDERS)
        + " ({act}: the Act the force answers under, FOIA 2000 or FOISA 2002).",
    )
    force_list = forms.ModelChoiceField(
        queryset=ForceList.objects.all(),
        required=False,
        help_text="Every force in this list is asked, plus any ticked below.",
    )
    forces = forms.ModelMultipleChoiceField(
        queryset=Force.objects.filter(active=True),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Individual forces",
    )
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    chase_forces = forms.BooleanField(required=False, help_text="Email forces politely when late.")
    chase_again_after = forms.IntegerField(
        min_value=1,
        max_value=60,
        initial=10,
        help_text="Working days between the first and second chaser.",
    )
    rounding_rule = forms.ChoiceField(choices=RoundingRule.choices, initial=RoundingRule.HALF_UP)
    suppressed_lower = forms.IntegerField(min_value=0, initial=1, label="'*' lower bound")
    suppressed_upper = forms.IntegerField(min_value=0, initial=4, label="'*' upper bound")

    def __init__(self, *args, instance: Campaign | None = None, **kwargs):
        self.instance = instance
        super().__init__(*args, **kwargs)
        if instance:
            self.fields["slug"].disabled = True
            self.fields["slug"].help_text = "The slug cannot change once the campaign exists."
        # The bodies offered are the registry's: "forces" while it holds police forces only
        # (the police journey reads as it always has), "authorities" for a mix (body_words).
        self.nouns = body_nouns(
            Force.objects.filter(active=True).values_list("kind", "country").distinct()
        )
        if not self.nouns.police:
            singular, many = self.nouns.singular, self.nouns.plural
            self.fields["forces"].label = f"Individual {many}"
            self.fields["force_list"].label = "Saved list"
            self.fields[
                "force_list"
            ].help_text = f"Every {singular} in this list is asked, plus any ticked below."
            self.fields["chase_forces"].label = f"Chase {many}"
            self.fields["chase_forces"].help_text = f"Email {many} politely when late."
            self.fields["request_text"].help_text = self.fields["request_text"].help_text.replace(
                "the Act the force answers under", f"the Act the {singular} answers under"
            )

    def clean(self):
        data = super().clean()
        if not self.instance and self.is_valid_so_far():
            slug = data.get("slug") or readable_slug(data.get("title", ""), SLUG_MAX_LENGTH)
            problem = campaign_slug_problem(slug)
            if problem:
                self.add_error("slug", problem)
            data["slug"] = slug
        chosen = set(data.get("forces") or [])
        if data.get("force_list"):
            chosen |= set(data["force_list"].members())
        if not chosen:
            self.add_error("forces", f"Choose a list or at least one {self.nouns.singular}.")
        data["all_forces"] = sorted(chosen, key=lambda f: f.name)
        lower, upper = data.get("suppressed_lower"), data.get("suppressed_upper")
        if lower is not None and upper is not None and upper < lower:
            self.add_error("suppressed_upper", "The upper bound must be at least the lower bound.")
        return data

    def is_valid_so_far(self) -> bool:
        return "title" in self.cleaned_data


class PeriodForm(forms.Form):
    label = forms.CharField(max_length=40, help_text="e.g. 2016/17")
    start = date_field("First day")
    end = date_field("Last day")

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            self.add_error("end", "The last day is before the first day.")
        return data


class BasePeriodFormSet(forms.BaseFormSet):
    def clean(self):
        if any(self.errors):
            return
        labels = []
        for form in self.forms:
            if not form.cleaned_data or form.cleaned_data.get("DELETE"):
                continue
            label = form.cleaned_data["label"].strip()
            if label in labels:
                raise forms.ValidationError(f"The period label '{label}' is used twice.")
            labels.append(label)
        if not labels:
            raise forms.ValidationError("Add at least one period.")


PeriodFormSet = forms.formset_factory(
    PeriodForm, formset=BasePeriodFormSet, extra=1, can_delete=True
)


class ForceAddressForm(forms.Form):
    foi_email = forms.EmailField(
        required=False,
        label="FOI email address",
        help_text="Where requests and chasers to this force are sent. Blank: none.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False


class ForceListForm(forms.Form):
    name = forms.CharField(max_length=120)
    kind = forms.ChoiceField(
        choices=[("", "None: the bodies ticked below"), *BodyKind.choices],
        required=False,
        label="Every body of a kind",
        help_text="Chosen: the list is every active body of this kind as the registry stands "
        "(a body imported later is in it); the ticks below are not used.",
    )
    nation = forms.ChoiceField(
        choices=[("", "Any nation"), *Country.choices],
        required=False,
        help_text="With a kind: only bodies in this nation.",
    )
    forces = forms.ModelMultipleChoiceField(
        queryset=Force.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label="Bodies",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper("Save list")


# ---- request actions -------------------------------------------------------------------------


class ActionForm(forms.Form):
    """Base: every action form has a note and a submit button posting to the action's URL."""

    action: str = ""
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def __init__(self, *args, foi, action_url: str = "", **kwargs):
        self.foi = foi
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            if isinstance(field, forms.DateField) and name not in ("received_on", "estimated_on"):
                field.initial = today
        self.helper = _helper(Action(self.action).label, action=action_url)
        self.helper.form_id = f"form-{self.action}"

    def service_kwargs(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if k != "attachments"}


class MarkSentForm(ActionForm):
    """A request sent outside the tracker (Send by email records its own sending)."""

    action = Action.MARK_SENT
    sent_on = date_field("Sent on")
    sent_how = forms.ChoiceField(
        label="How it was sent",
        choices=[("", "Choose…"), *SentOutside.choices],
        error_messages={"required": "Choose how it was sent."},
    )
    sent_how_other = forms.CharField(
        label="How it was sent (other)", max_length=SENT_HOW_OTHER_MAX, required=False
    )
    received_on = date_field(
        "Received by the force on", required=False, help_text="Blank: the day it was sent (email)."
    )
    field_order = ["sent_on", "sent_how", "sent_how_other", "received_on", "note"]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("sent_how") == SentOutside.OTHER and not cleaned.get("sent_how_other"):
            self.add_error("sent_how_other", "Say how it was sent.")
        return cleaned


class AcknowledgeForm(ActionForm):
    action = Action.ACKNOWLEDGE
    acknowledged_on = date_field("Acknowledged on")
    force_reference = forms.CharField(max_length=100, required=False)
    field_order = ["acknowledged_on", "force_reference", "note"]


class ClarificationRequestedForm(ActionForm):
    action = Action.REQUEST_CLARIFICATION
    requested_on = date_field("Force asked on", help_text="The clock stops until we reply.")
    field_order = ["requested_on", "note"]


class ClarificationSentForm(ActionForm):
    action = Action.SEND_CLARIFICATION
    sent_on = date_field(
        "Clarification sent on", help_text="s.1(3): the 20 working days restart from this day."
    )
    field_order = ["sent_on", "note"]


class FeesNoticeForm(ActionForm):
    action = Action.FEES_NOTICE
    notice_on = date_field("Notice dated")
    amount = forms.DecimalField(
        max_digits=9, decimal_places=2, min_value=0, required=False, label="Fee (GBP)"
    )
    field_order = ["notice_on", "amount", "note"]


class FeePaidForm(ActionForm):
    action = Action.FEE_PAID
    paid_on = date_field(
        "Paid on", help_text="Working days from the notice to payment do not count."
    )
    field_order = ["paid_on", "note"]


class PitExtensionForm(ActionForm):
    action = Action.PIT_EXTENSION
    notice_on = date_field("s.17 notice dated")
    estimated_on = date_field("Force's estimated date")
    field_order = ["notice_on", "estimated_on", "note"]


class ResponseForm(ActionForm):
    action = Action.RECORD_RESPONSE
    outcome = forms.ChoiceField(choices=Outcome.choices)
    answered_on = date_field("Answered on")
    exemptions = forms.MultipleChoiceField(required=False, widget=forms.CheckboxSelectMultiple)
    force_reference = forms.CharField(max_length=100, required=False)
    attachments = MultipleFileField(
        required=False,
        help_text=f"PDF, XLSX, CSV, DOCX, ODS or images, up to {settings.ATTACHMENT_MAX_BYTES // (1024 * 1024)} MB each.",
    )
    field_order = ["outcome", "answered_on", "exemptions", "force_reference", "attachments", "note"]

    def __init__(self, *args, foi, **kwargs):
        super().__init__(*args, foi=foi, **kwargs)
        self.fields["exemptions"].choices = exemption_choices(foi.force.law)
        self.fields["force_reference"].initial = foi.force_reference
        self.helper.attrs = {"enctype": "multipart/form-data"}

    def clean(self):
        data = super().clean()
        problem = refusal_problem(data.get("outcome", ""), data.get("exemptions") or [])
        if problem:
            self.add_error("exemptions", problem)
        return data


class ReviewRequestedForm(ActionForm):
    action = Action.REQUEST_REVIEW
    requested_on = date_field("Review requested on")
    field_order = ["requested_on", "note"]


class ReviewAnsweredForm(ActionForm):
    action = Action.RECORD_REVIEW
    answered_on = date_field("Review answered on")
    review_outcome = forms.ChoiceField(choices=ReviewOutcome.choices, label="Outcome")
    field_order = ["answered_on", "review_outcome", "note"]


class ComplainForm(ActionForm):
    action = Action.COMPLAIN
    complained_on = date_field("Complained on")
    field_order = ["complained_on", "note"]


class DecisionForm(ActionForm):
    action = Action.RECORD_DECISION
    decided_on = date_field("Decision notice dated")
    decision_outcome = forms.ChoiceField(choices=CommissionerOutcome.choices, label="Decision")
    field_order = ["decided_on", "decision_outcome", "note"]


class WithdrawForm(ActionForm):
    action = Action.WITHDRAW
    withdrawn_on = date_field("Withdrawn on")
    field_order = ["withdrawn_on", "note"]


ACTION_FORMS: dict[str, type[ActionForm]] = {
    form.action: form
    for form in [
        MarkSentForm,
        AcknowledgeForm,
        ClarificationRequestedForm,
        ClarificationSentForm,
        FeesNoticeForm,
        FeePaidForm,
        PitExtensionForm,
        ResponseForm,
        ReviewRequestedForm,
        ReviewAnsweredForm,
        ComplainForm,
        DecisionForm,
        WithdrawForm,
    ]
}


class NoteForm(forms.Form):
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))


class BulkMarkSentForm(forms.Form):
    """Record requests as sent outside the tracker: when, and how (the timeline says so)."""

    sent_on = date_field("Sent on")
    received_on = date_field("Received on", required=False, help_text="Blank: the day sent.")
    sent_how = forms.ChoiceField(
        label="How it was sent",
        choices=SentOutside.choices,
        error_messages={"required": "Choose how they were sent."},
    )
    sent_how_other = forms.CharField(
        label="How it was sent (other)", max_length=SENT_HOW_OTHER_MAX, required=False
    )
    request_ids = forms.TypedMultipleChoiceField(coerce=int, label="Requests")

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("sent_how") == SentOutside.OTHER and not cleaned.get("sent_how_other"):
            self.add_error("sent_how_other", "Say how they were sent.")
        return cleaned

    def __init__(self, *args, campaign: Campaign, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sent_on"].initial = today
        self.fields["request_ids"].choices = [
            (pk, pk) for pk in campaign.requests.values_list("pk", flat=True)
        ]
        self.fields["request_ids"].error_messages["required"] = "Tick at least one force."


class DeadlineCalculatorForm(forms.Form):
    received_on = date_field("Request received on")
    law = forms.ChoiceField(choices=[(law, law.upper()) for law in LAWS], initial="foia")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper("Calculate")
        self.helper.form_method = "get"


class ProfileForm(forms.Form):
    email = forms.EmailField(required=False, help_text="Where your morning digest goes.")
    receive_digest = forms.BooleanField(required=False, label=StaffProfile.DIGEST_SETTING_LABEL)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper("Save")
