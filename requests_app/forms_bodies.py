"""The form of the staff page that imports a list of public bodies (issue 30)."""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms

from requests_app.models.forces import BodyKind, Country

COLUMN_HELP = "Only where the file calls this column something the tracker does not recognise."


class BodiesImportForm(forms.Form):
    file = forms.FileField(help_text="A .csv or .xlsx list with a header row.")
    kind = forms.ChoiceField(choices=BodyKind.choices, initial=BodyKind.COUNCIL)
    nation = forms.ChoiceField(
        choices=[("", "From the file (a nation column or GSS codes)"), *Country.choices],
        required=False,
        help_text="For rows that give no nation.",
    )
    name_column = forms.CharField(required=False, help_text=COLUMN_HELP)
    code_column = forms.CharField(required=False, help_text=COLUMN_HELP)
    nation_column = forms.CharField(required=False, help_text=COLUMN_HELP)
    email_column = forms.CharField(required=False, help_text=COLUMN_HELP)
    aliases_column = forms.CharField(required=False, help_text=COLUMN_HELP)
    check_only = forms.BooleanField(
        required=False, help_text="Show what the import would do; write nothing."
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", "Import"))

    def overrides(self) -> dict[str, str]:
        names = ("name", "code", "nation", "email", "aliases")
        return {
            n: self.cleaned_data[f"{n}_column"] for n in names if self.cleaned_data[f"{n}_column"]
        }
