"""Writes to the force registry: its FOI addresses, each change with its audit row."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from requests_app.models import Force, ForceAddressChange
from requests_app.services.needs_you_version import needs_you_changed

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser

logger = logging.getLogger(__name__)


@transaction.atomic
def force_set_foi_email(
    *,
    force_id: int,
    actor: AbstractBaseUser | None,
    foi_email: str,
    via: str,
    note: str = "",
) -> Force:
    """Set (or, with "", clear) where a force's requests and chasers are sent: the one way an
    address changes (the address page, the admin, update_forces), with its audit row."""
    force = Force.objects.select_for_update().get(pk=force_id)
    old = force.foi_email
    new = foi_email.strip()
    if new == old:
        return force
    force.foi_email = new
    fields = ["foi_email"]
    if new.lower() != old.lower():
        # A bounce said the old address fails; nothing is known yet of the new one.
        force.email_failing_since = None
        force.email_failure = ""
        fields += ["email_failing_since", "email_failure"]
    force.save(update_fields=fields)
    needs_you_changed()  # the bouncing list names the address
    ForceAddressChange.objects.create(
        force=force,
        kind=ForceAddressChange.Kind.SET,
        via=via,
        changed_by=actor,
        from_email=old,
        to_email=new,
        note=note,
    )
    logger.info("FOI address of %s changed from %r to %r by %s", force.name, old, new, actor)
    return force


@transaction.atomic
def force_mark_address_failing(
    *,
    force_id: int,
    reason: str,
    actor: AbstractBaseUser | None,
    via: str,
    note: str = "",
    message_id: int | None = None,
) -> None:
    """A bounce says mail to the force's address fails: shown on its requests, its page, the
    dashboard and the digest until the address changes or a person clears it."""
    force = Force.objects.select_for_update().get(pk=force_id)
    force.email_failing_since = timezone.now()
    force.email_failure = (reason or "Mail bounced.")[:500]
    force.save(update_fields=["email_failing_since", "email_failure"])
    needs_you_changed()
    _same_address_row(
        force,
        ForceAddressChange.Kind.FAILING,
        via=via,
        actor=actor,
        note="\n".join(filter(None, [force.email_failure, note])),
        message_id=message_id,
    )


@transaction.atomic
def force_clear_address_failing(
    *,
    force_id: int,
    actor: AbstractBaseUser | None,
    via: str,
    note: str = "",
    message_id: int | None = None,
) -> bool:
    """A person says the bounce was not one: the address is no longer marked failing. With
    `message_id`, only if that message is what marked it (another, real bounce stands)."""
    force = Force.objects.select_for_update().get(pk=force_id)
    if force.email_failing_since is None:
        return False
    if message_id is not None:
        marked_by = (
            ForceAddressChange.objects.filter(force=force, kind=ForceAddressChange.Kind.FAILING)
            .order_by("-changed_at", "-pk")
            .values_list("message_id", flat=True)
            .first()
        )
        if marked_by != message_id:
            return False
    force.email_failing_since = None
    force.email_failure = ""
    force.save(update_fields=["email_failing_since", "email_failure"])
    needs_you_changed()
    _same_address_row(
        force,
        ForceAddressChange.Kind.CLEARED,
        via=via,
        actor=actor,
        note=note,
        message_id=message_id,
    )
    return True


def _same_address_row(
    force: Force, kind: str, *, via: str, actor, note: str, message_id: int | None
) -> ForceAddressChange:
    """The trail's row for a change of the address's state, not of the address itself."""
    return ForceAddressChange.objects.create(
        force=force,
        kind=kind,
        via=via,
        changed_by=actor,
        from_email=force.foi_email,
        to_email=force.foi_email,
        note=note,
        message_id=message_id,
    )
