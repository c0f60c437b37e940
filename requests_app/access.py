"""Login and role checks for views: decorators and loaders that 404 / 403 inside."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404

from requests_app import roles
from requests_app.models import Campaign, FoiRequest


def view_required(view):
    """Logged in, with the staff or reviewer role."""

    @login_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        roles.require_view(request.user)
        return view(request, *args, **kwargs)

    return wrapped


def edit_required(view):
    """Logged in, with the staff role."""

    @login_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        roles.require_edit(request.user)
        return view(request, *args, **kwargs)

    return wrapped


def get_campaign_for_user(request, slug: str, *, write: bool = False) -> Campaign:
    (roles.require_edit if write else roles.require_view)(request.user)
    return get_object_or_404(Campaign.objects.select_related("owner"), slug=slug)


def get_request_for_user(request, pk: int, *, write: bool = False) -> FoiRequest:
    (roles.require_edit if write else roles.require_view)(request.user)
    return get_object_or_404(
        FoiRequest.objects.visible_to(request.user).select_related("force", "campaign"), pk=pk
    )
