from django.contrib.auth.models import AnonymousUser

from requests_app import roles as role_rules


def roles(request) -> dict:
    """Role flags for templates.

    An error page can be rendered before AuthenticationMiddleware has run (a bad Host header is
    refused by CommonMiddleware), so there may be no request.user yet: then nobody has a role.
    """
    user = getattr(request, "user", None) or AnonymousUser()
    return {
        "can_edit": role_rules.can_edit(user),
        "can_review": role_rules.can_review(user),
        "can_view": role_rules.can_view(user),
    }
