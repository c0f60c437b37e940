"""The password backend: the login slowdown around the password check, and the signed-in user's
roles read with the user on every request."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef

from accounts import throttle
from requests_app import roles


class RolesModelBackend(ModelBackend):
    """ModelBackend whose get_user (run on every request for the session's user) reads the
    user's roles in the same query, as EXISTS columns, and leaves them where requests_app.roles
    looks first: one query per request instead of two, on every page.

    Its authenticate applies the slowdown (accounts/throttle.py) here, in the backend that checks
    the password, so it covers every login form (the site's and the admin's) and counts exactly
    the attempts whose password was checked. django-axes' backend, first in the list, has
    already refused a locked (username, address) pair.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(get_user_model().USERNAME_FIELD)
        if request is None or username is None or password is None:
            return super().authenticate(request, username, password, **kwargs)
        address = throttle.client_ip(request)
        wait = throttle.login_attempt_claim(username=username, address=address)
        if wait is not None:
            # Read by the login forms (the message) and throttle.PairLockHandler (not a failure).
            request.login_wait = wait
            # Stops django.contrib.auth.authenticate: no later backend checks the password.
            raise PermissionDenied(wait.message)
        user = super().authenticate(request, username, password, **kwargs)
        if user is None:
            throttle.login_failure_record(username=username, address=address)
        return user

    def get_user(self, user_id):
        User = get_user_model()
        memberships = User.groups.through.objects.filter(user_id=OuterRef("pk"))
        user = (
            User._default_manager.annotate(
                **{
                    f"_has_role_{role}": Exists(memberships.filter(group__name=role))
                    for role in roles.ROLES
                }
            )
            .filter(pk=user_id)
            .first()
        )
        if user is None or not self.user_can_authenticate(user):
            return None
        roles.cache_roles(
            user, {role for role in roles.ROLES if getattr(user, f"_has_role_{role}")}
        )
        return user
