"""The password backend, reading the signed-in user's roles with the user on every request."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db.models import Exists, OuterRef

from requests_app import roles


class RolesModelBackend(ModelBackend):
    """ModelBackend whose get_user (run on every request for the session's user) reads the
    user's roles in the same query, as EXISTS columns, and leaves them where requests_app.roles
    looks first: one query per request instead of two, on every page."""

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
