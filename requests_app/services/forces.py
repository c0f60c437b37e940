"""Writes to the force registry made from the web."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from django.db import transaction

from requests_app.models import Force

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser

logger = logging.getLogger(__name__)


@transaction.atomic
def force_set_foi_email(*, force_id: int, actor: AbstractBaseUser, foi_email: str) -> Force:
    """Set (or, with "", clear) where a force's requests and chasers are sent."""
    force = Force.objects.select_for_update().get(pk=force_id)
    old = force.foi_email
    force.foi_email = foi_email.strip()
    fields = ["foi_email"]
    if force.foi_email.lower() != old.lower():
        # A bounce said the old address fails; nothing is known yet of the new one.
        force.email_failing_since = None
        force.email_failure = ""
        fields += ["email_failing_since", "email_failure"]
    force.save(update_fields=fields)
    logger.info(
        "FOI address of %s changed from %r to %r by %s", force.name, old, force.foi_email, actor
    )
    return force
