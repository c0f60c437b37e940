"""A staff member's own settings: the address the digest goes to, and whether to send it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction

from requests_app.models import StaffProfile

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractUser


def profile_for(user: AbstractUser) -> StaffProfile:
    profile, _ = StaffProfile.objects.get_or_create(user=user)
    return profile


@transaction.atomic
def profile_update(*, user: AbstractUser, email: str, receive_digest: bool) -> StaffProfile:
    """`user` changes their own profile, so they are both the actor and the subject."""
    user.email = email.strip()
    user.save(update_fields=["email"])
    profile = profile_for(user)
    profile.receive_digest = receive_digest
    profile.save(update_fields=["receive_digest"])
    return profile
