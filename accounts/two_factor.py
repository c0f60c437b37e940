"""Two-factor sign-in: who needs it, enrolment, verification and one-time recovery codes.

Reviewers approve the figures that get published and admins can change anything, so both must
pass a second factor (a TOTP code from an authenticator app, or a one-time recovery code). Staff
may turn it on; once a user has a device, every session of theirs must pass it.
"""

from __future__ import annotations

import logging
import re

import segno
from django.conf import settings
from django.db import transaction
from django_otp import user_has_device, verify_token
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from requests_app import roles

log = logging.getLogger(__name__)

AUTHENTICATOR_NAME = "Authenticator app"
RECOVERY_NAME = "Recovery codes"


class AlreadyEnrolled(Exception):
    """The user already has a confirmed authenticator: verify with it, do not add another."""


def required_for(user) -> bool:
    """Must this user pass a second factor whatever they chose? (reviewers and admins)"""
    return user.is_authenticated and (user.is_superuser or roles.has_role(user, roles.REVIEWER))


def must_verify(user) -> bool:
    """Must this signed-in user pass a second factor before any private page?"""
    return required_for(user) or user_has_device(user, confirmed=True)


def has_device(user) -> bool:
    return user_has_device(user, confirmed=True)


def authenticator_for(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


@transaction.atomic
def enrolment_start(*, user) -> TOTPDevice:
    """The unconfirmed authenticator the user is setting up (the same one on every reload)."""
    if has_device(user):
        raise AlreadyEnrolled
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=AUTHENTICATOR_NAME, confirmed=False)
    return device


@transaction.atomic
def enrolment_confirm(*, user, token: str) -> tuple[TOTPDevice, list[str]] | None:
    """Confirm the pending authenticator with a code from the app; return it and new recovery
    codes, or None if the code is wrong."""
    if has_device(user):
        raise AlreadyEnrolled
    device = (
        TOTPDevice.objects.select_for_update()
        .filter(user=user, confirmed=False)
        .order_by("pk")
        .first()
    )
    if device is None or not device.verify_token(_digits(token)):
        log.info("two-factor enrolment: wrong code for user %s", user.pk)
        return None
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    codes = recovery_codes_replace(user=user)
    log.info("two-factor enrolment: user %s turned it on", user.pk)
    return device, codes


@transaction.atomic
def recovery_codes_replace(*, user) -> list[str]:
    """New one-time recovery codes; the old ones stop working. Shown once, stored as given."""
    device, _ = StaticDevice.objects.get_or_create(
        user=user, name=RECOVERY_NAME, defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(settings.TWO_FACTOR_RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=c) for c in codes])
    return codes


def verify(*, user, token: str) -> Device | None:
    """The device that accepts this code (six digits: the app; otherwise a recovery code, which
    is then used up), or None. django-otp throttles each device after failures."""
    cleaned = _digits(token)
    if re.fullmatch(r"\d{6,8}", cleaned):
        candidates = TOTPDevice.objects.filter(user=user, confirmed=True)
        cleaned_token = cleaned
    else:
        candidates = StaticDevice.objects.filter(user=user, confirmed=True)
        cleaned_token = re.sub(r"[\s-]", "", token).lower()
    for device in candidates:
        verified = verify_token(user, device.persistent_id, cleaned_token)
        if verified is not None:
            log.info("two-factor: user %s verified with %s", user.pk, device.persistent_id)
            return verified
    log.warning("two-factor: wrong code for user %s", user.pk)
    return None


def grouped_secret(device: TOTPDevice) -> str:
    """The base32 secret in groups of four, for typing into an app by hand."""
    from base64 import b32encode

    secret = b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def qr_svg(uri: str) -> str:
    """The otpauth:// URI as an inline SVG QR code, drawn on the server (no script, no CDN)."""
    return segno.make(uri, error="m").svg_inline(
        scale=4, light="#fff", title="Authenticator set-up code"
    )


def _digits(token: str) -> str:
    return re.sub(r"\s", "", token or "")


def demo_authenticator(*, user) -> TOTPDevice:
    """A confirmed authenticator for a demo user (made once), so the demo needs no enrolment."""
    device = authenticator_for(user)
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=AUTHENTICATOR_NAME, confirmed=True)
        recovery_codes_replace(user=user)
    return device


def current_code(device: TOTPDevice) -> str:
    """The code the device's app shows now (for the demo's helper command only)."""
    from django_otp.oath import TOTP

    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"
