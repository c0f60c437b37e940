from django.db import transaction

from requests_app.models import StaffProfile


def profile_for(user) -> StaffProfile:
    profile, _ = StaffProfile.objects.get_or_create(user=user)
    return profile


@transaction.atomic
def profile_update(*, user, email: str, receive_digest: bool) -> StaffProfile:
    user.email = email.strip()
    user.save(update_fields=["email"])
    profile = profile_for(user)
    profile.receive_digest = receive_digest
    profile.save(update_fields=["receive_digest"])
    return profile
