"""Two-factor pages: enter a code, set up an authenticator, replace recovery codes."""

import django_otp
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.forms.forms import NON_FIELD_ERRORS
from django.shortcuts import redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from accounts import two_factor
from accounts.forms import SLOWED_DOWN, CodeForm, LoginForm


class LoginView(auth_views.LoginView):
    """Django's login page, saying "try again in N seconds" (HTTP 429) when the slowdown refused
    the attempt before checking the password (accounts/throttle.py)."""

    form_class = LoginForm

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if form.has_error(NON_FIELD_ERRORS, code=SLOWED_DOWN):
            response.status_code = 429
        return response


def _next_url(request) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return resolve_url(settings.LOGIN_REDIRECT_URL)


@login_required
def verify(request):
    if request.user.is_verified():
        return redirect(_next_url(request))
    if not two_factor.has_device(request.user):
        return redirect("two_factor_enrol")
    form = CodeForm(request.POST or None, submit_label="Verify")
    if request.method == "POST" and form.is_valid():
        device = two_factor.verify(user=request.user, token=form.cleaned_data["code"])
        if device is not None:
            django_otp.login(request, device)
            return redirect(_next_url(request))
        form.add_error("code", "That code is not right (or was already used). Try again.")
    return render(
        request,
        "accounts/verify.html",
        {"form": form, "next": _next_url(request)},
        status=400 if form.errors else 200,
    )


@login_required
def enrol(request):
    if two_factor.has_device(request.user):
        if request.user.is_verified():
            messages.info(request, "Two-factor sign-in is already on.")
            return redirect("profile")
        return redirect("two_factor_verify")
    form = CodeForm(request.POST or None, submit_label="Turn on two-factor sign-in")
    if request.method == "POST" and form.is_valid():
        result = two_factor.enrolment_confirm(user=request.user, token=form.cleaned_data["code"])
        if result is not None:
            device, codes = result
            django_otp.login(request, device)
            return render(
                request,
                "accounts/recovery_codes.html",
                {"codes": codes, "next": _next_url(request), "just_enrolled": True},
            )
        form.add_error("code", "That code is not right. Check the app's clock and try again.")
    device = two_factor.enrolment_start(user=request.user)
    uri = device.config_url
    return render(
        request,
        "accounts/enrol.html",
        {
            "form": form,
            "secret": two_factor.grouped_secret(device),
            "otpauth_uri": uri,
            "qr_svg": two_factor.qr_svg(uri),
            "required": two_factor.required_for(request.user),
            "next": _next_url(request),
        },
        status=400 if form.errors else 200,
    )


@require_POST
@login_required
def recovery_codes(request):
    """New recovery codes (the old ones stop working), shown once."""
    if not request.user.is_verified():
        return redirect("two_factor_verify")
    codes = two_factor.recovery_codes_replace(user=request.user)
    return render(
        request,
        "accounts/recovery_codes.html",
        {"codes": codes, "next": resolve_url("profile"), "just_enrolled": False},
    )


def locked_out(request, original_response=None, credentials=None):
    """What django-axes shows instead of the login page once a (username, address) pair reaches
    the failure limit."""
    return render(
        request,
        "accounts/locked_out.html",
        {
            "failure_limit": settings.AXES_FAILURE_LIMIT,
            "cooloff_minutes": round(settings.AXES_COOLOFF_TIME * 60),
        },
        status=429,
    )
