"""Who may do what. Roles are Django groups; superusers (admins) hold every role.

- staff: see everything, run campaigns and requests, enter figures.
- reviewer: see everything, and approve or send back figures entered by someone else (their own
  too only when FIGURES_ALLOW_SELF_APPROVAL is on). Nothing more: a user who is only a reviewer
  cannot change campaigns, requests or figures; the usual second checker holds both roles.
- a logged-in user in neither group (an outsider) sees nothing but a 403.
"""

from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied

STAFF = "staff"
REVIEWER = "reviewer"
ROLES = (STAFF, REVIEWER)
# What each role lets a person do, in the words shown to someone who has none yet.
ROLE_DESCRIPTIONS = {
    STAFF: "Staff: see every campaign and request, run campaigns, log replies and enter figures.",
    REVIEWER: (
        "Reviewer: see everything, and approve or send back figures someone else entered "
        "(needs two-factor sign-in). The usual second checker holds both roles."
    ),
}


def _groups(user) -> set[str]:
    if not user.is_authenticated:
        return set()
    cached = getattr(user, "_foi_role_cache", None)
    if cached is None:
        cached = set(user.groups.values_list("name", flat=True))
        user._foi_role_cache = cached
    return cached


def cache_roles(user, names: set[str]) -> None:
    """Remember the user's roles for this request (accounts.backends reads them with the user,
    so that no page spends a query on them)."""
    user._foi_role_cache = set(names)


def has_role(user, role: str) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    return user.is_superuser or role in _groups(user)


def can_view(user) -> bool:
    return has_role(user, STAFF) or has_role(user, REVIEWER)


def can_edit(user) -> bool:
    return has_role(user, STAFF)


def can_review(user) -> bool:
    return has_role(user, REVIEWER)


def require_view(user) -> None:
    if not can_view(user):
        raise PermissionDenied("You need the staff or reviewer role to see this.")


def require_edit(user) -> None:
    if not can_edit(user):
        raise PermissionDenied("You need the staff role to change this.")


def require_review(user) -> None:
    if not can_review(user):
        raise PermissionDenied("You need the reviewer role to do this.")


def grant(user, *roles: str) -> None:
    for role in roles:
        group, _ = Group.objects.get_or_create(name=role)
        user.groups.add(group)
    if hasattr(user, "_foi_role_cache"):
        del user._foi_role_cache
