from django.contrib.auth.models import AnonymousUser
from django.urls import reverse

from requests_app.roles import can_edit, can_review

# The figures' pages in the top navigation: (label, url name, who sees it).
FIGURE_NAV = (
    ("Review queue", "figures_review_queue", can_review),
    ("Sent back to you", "figures_sent_back_to_you", can_edit),
)


def nav(request) -> dict:
    """The figures' links in the navigation, beside requests_app's own (base.html).

    An error page can be rendered before AuthenticationMiddleware has run, so there may be no
    request.user yet (requests_app.context_processors.roles says the same)."""
    user = getattr(request, "user", None) or AnonymousUser()
    if not user.is_authenticated:
        return {"extra_nav": []}
    return {
        "extra_nav": [
            (label, reverse(url_name)) for label, url_name, allowed in FIGURE_NAV if allowed(user)
        ]
    }
