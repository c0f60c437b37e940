"""Keep every private page behind the second factor for those who must pass it."""

from urllib.parse import urlencode

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse

from accounts import two_factor

# Pages a signed-in user may reach before passing the second factor.
OPEN_URL_NAMES = ("login", "logout", "two_factor_verify", "two_factor_enrol", "admin:logout")


class TwoFactorRequiredMiddleware:
    """Send a signed-in user who must use two-factor sign-in, and has not passed it in this
    session, to the code page (or to set it up if they have no authenticator yet).

    Runs after django-otp's OTPMiddleware, which marks the user verified from the session.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self._open_paths: tuple[str, ...] | None = None

    def __call__(self, request):
        user = request.user
        if (
            user.is_authenticated
            and not user.is_verified()
            and not self._is_open(request.path_info)
            and two_factor.must_verify(user)
        ):
            if request.path_info.startswith("/api/"):
                return JsonResponse({"error": "Two-factor sign-in needed."}, status=403)
            target = "two_factor_verify" if two_factor.has_device(user) else "two_factor_enrol"
            return redirect(f"{reverse(target)}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)

    def _is_open(self, path: str) -> bool:
        if self._open_paths is None:
            self._open_paths = tuple(reverse(name) for name in OPEN_URL_NAMES)
        return path in self._open_paths or path.startswith("/" + settings.STATIC_URL.lstrip("/"))
