"""Error pages that keep the site's layout and say what went wrong."""

from django.contrib.auth import get_user_model
from django.http import HttpResponseServerError
from django.shortcuts import render
from django.template.loader import render_to_string

from requests_app import roles


def bad_request(request, exception=None):
    return render(
        request,
        "errors/error.html",
        {"code": 400, "title": "Bad request", "message": "The request could not be understood."},
        status=400,
    )


def permission_denied(request, exception=None):
    user = getattr(request, "user", None)
    if (
        user is not None
        and user.is_authenticated
        and not any(roles.has_role(user, role) for role in roles.ROLES)
    ):
        # Signed in but given no role yet: say what to ask for and whom, not just "no".
        admins = get_user_model().objects.filter(is_superuser=True, is_active=True)
        return render(
            request,
            "errors/no_role.html",
            {
                "roles": roles.ROLE_DESCRIPTIONS.values(),
                "admins": admins.order_by("username")[:10],
            },
            status=403,
        )
    message = (
        str(exception) if exception and str(exception) else "You do not have access to this page."
    )
    return render(
        request,
        "errors/error.html",
        {"code": 403, "title": "Not allowed", "message": message},
        status=403,
    )


def page_not_found(request, exception=None):
    return render(
        request,
        "errors/error.html",
        {"code": 404, "title": "Not found", "message": "There is nothing at this address."},
        status=404,
    )


def server_error(request):
    # Rendered without the request, so no context processor touches the user or the database:
    # the error may be that the database has gone, and this page must still render.
    content = render_to_string(
        "errors/error.html",
        {
            "code": 500,
            "title": "Something went wrong",
            "message": "The error has been logged. Please try again.",
        },
    )
    return HttpResponseServerError(content)
