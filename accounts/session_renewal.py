"""Renew a signed-in session at most once a minute, rather than writing it on every request.

The idle timeout (SESSION_IDLE_TIMEOUT_SECONDS) counts from the session's last save, so a
session must be saved as people work; Django's SESSION_SAVE_EVERY_REQUEST does that with an
UPDATE in its own transaction on every page (three of a page's queries). Saving when the last
renewal is SESSION_RENEW_SECONDS old keeps the timeout to within that minute.
"""

import time

from django.conf import settings

RENEWED_AT = "_renewed_at"


class SessionRenewalMiddleware:
    """After SessionMiddleware in MIDDLEWARE, so its response handling sees the change."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        # Only an existing session: an anonymous visitor with none is not given one here.
        if session is not None and session.session_key is not None:
            now = int(time.time())
            if now - session.get(RENEWED_AT, 0) >= settings.SESSION_RENEW_SECONDS:
                session[RENEWED_AT] = now
        return response


def stamp_on_login(sender, request, user, **kwargs) -> None:
    """Signing in saves a new session: count that as its first renewal."""
    session = getattr(request, "session", None)
    if session is not None:
        session[RENEWED_AT] = int(time.time())
