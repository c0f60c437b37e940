"""The client address the login throttle counts failures against."""

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str | None:
    """REMOTE_ADDR, or behind LOGIN_TRUSTED_PROXIES proxies the address the outermost one saw.

    Each trusted proxy appends the address it received the request from to X-Forwarded-For, so
    the entry N from the right was written by our own outermost proxy; anything further left is
    whatever the client chose to send and cannot be trusted.
    """
    proxies = settings.LOGIN_TRUSTED_PROXIES
    if proxies > 0:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR")
