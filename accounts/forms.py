from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code",
        max_length=32,
        help_text="The six digits your authenticator app shows, or one of your recovery codes.",
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autofocus": True, "inputmode": "text"}
        ),
    )

    def __init__(self, *args, submit_label: str = "Continue", **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", submit_label))


# The error code of "too many attempts: try again in N seconds" (the login view answers 429).
SLOWED_DOWN = "slowed_down"


class SlowdownMessageMixin:
    """Say "try again in N seconds" when the slowdown refused the attempt unchecked, instead of
    "wrong password" (which would be untrue, and would waste the user's next try)."""

    def get_invalid_login_error(self):
        wait = getattr(self.request, "login_wait", None)
        if wait is not None:
            return forms.ValidationError(wait.message, code=SLOWED_DOWN)
        return super().get_invalid_login_error()


class LoginForm(SlowdownMessageMixin, AuthenticationForm):
    pass


class AdminLoginForm(SlowdownMessageMixin, AdminAuthenticationForm):
    pass
