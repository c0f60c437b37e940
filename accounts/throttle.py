"""The login throttle: a hard lock on a (username, address) pair, and a slowdown for the rest.

Two attacks shape it. Counting failures by username alone lets anyone keep a named user locked
out from everywhere (five wrong passwords every cool-down); counting by address alone lets one
attacker lock out everyone behind a shared address. So:

- The hard lock (django-axes) is on the pair: LOGIN_FAILURE_LIMIT wrong passwords for one
  username from one address refuse that pair, right password or not, until LOGIN_COOLOFF_MINUTES
  pass without a further attempt (attempts during the lock extend it: the attacker at that
  address gains nothing by keeping on). Other addresses are untouched.
- A guess spread over many addresses (or one address over many usernames) is slowed, never
  locked: past LOGIN_SLOWDOWN_AFTER wrong passwords for a username (or from an address), each
  further attempt from an address that username has not signed in from waits a delay that
  doubles from LOGIN_SLOWDOWN_SECONDS up to LOGIN_SLOWDOWN_MAX_SECONDS; an attempt during the
  delay is refused without its password being checked, and neither counts nor extends the delay.
  Addresses the user has signed in from in the last LOGIN_KNOWN_ADDRESS_DAYS are exempt, which
  is what keeps the real user in: however hard an attacker fails elsewhere, the user's own
  address only ever meets the pair lock, which the attacker cannot reach from another address.

Counts live in the database (django-axes' tables and accounts.models), shared by every worker.
"""

import ipaddress
import logging
import math
from dataclasses import dataclass
from datetime import timedelta

from axes.handlers.database import AxesDatabaseHandler
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import KnownLoginAddress, LoginSlowdown

log = logging.getLogger(__name__)

ACCOUNT = "account"
ADDRESS = "address"
_KEY_PREFIXES = {ACCOUNT: "username:", ADDRESS: "address:"}


def client_ip(request: HttpRequest) -> str | None:
    """REMOTE_ADDR, or behind LOGIN_TRUSTED_PROXIES proxies the address the outermost one saw.

    Each trusted proxy appends the address it received the request from to X-Forwarded-For, so
    the entry N from the right was written by our own outermost proxy; anything further left is
    whatever the client chose to send and cannot be trusted.
    """
    proxies = settings.LOGIN_TRUSTED_PROXIES
    if proxies > 0:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR")


@dataclass(frozen=True)
class Wait:
    """Why and for how long an attempt was refused before its password was checked."""

    scope: str  # ACCOUNT or ADDRESS
    seconds: int

    @property
    def message(self) -> str:
        # The same words whether or not the account exists: the count is kept for any username.
        whom = "for this account" if self.scope == ACCOUNT else "from your address"
        unit = "second" if self.seconds == 1 else "seconds"
        return f"Too many attempts {whom}: try again in {self.seconds} {unit}."


def delay_after(failures: int) -> timedelta:
    """The wait before the next unchecked-address attempt, after this many failures."""
    if failures < settings.LOGIN_SLOWDOWN_AFTER:
        return timedelta(0)
    doublings = min(failures - settings.LOGIN_SLOWDOWN_AFTER, 30)
    seconds = min(
        settings.LOGIN_SLOWDOWN_SECONDS * 2**doublings, settings.LOGIN_SLOWDOWN_MAX_SECONDS
    )
    return timedelta(seconds=seconds)


def login_attempt_claim(*, username: str, address: str | None) -> Wait | None:
    """May this attempt have its password checked? None if so, else how long to wait.

    Once a count is past the limit, the attempt that finds the delay over takes the next slot
    by pushing the delay on as if it will fail (login_failure_record then keeps that). The rows
    are locked while doing so: otherwise a thousand addresses arriving the moment the delay ends
    would all be checked. Below the limit nothing is claimed, so a burst at most as wide as the
    server's concurrent requests can pass at once, and then the count is past the limit.
    """
    address = _valid(address)
    now = timezone.now()
    if address_is_known(username=username, address=address):
        return None
    with transaction.atomic():
        rows = list(
            LoginSlowdown.objects.select_for_update()
            .filter(key__in=_keys(username, address).values())
            .filter(last_failure_at__gte=now - _reset_after())
            .order_by("key")
        )
        slowed = [row for row in rows if row.failures >= settings.LOGIN_SLOWDOWN_AFTER]
        waiting = [row for row in slowed if row.next_attempt_at > now]
        if waiting:
            row = max(waiting, key=lambda row: row.next_attempt_at)
            return Wait(
                scope=_scope(row.key),
                seconds=math.ceil((row.next_attempt_at - now).total_seconds()),
            )
        for row in slowed:
            row.next_attempt_at = now + delay_after(row.failures + 1)
            row.save(update_fields=["next_attempt_at"])
    return None


def login_failure_record(*, username: str, address: str | None) -> None:
    """Count a checked, wrong password against the username and the address, unless the user
    has signed in from that address (then only the pair lock counts it)."""
    address = _valid(address)
    now = timezone.now()
    if address_is_known(username=username, address=address):
        return
    with transaction.atomic():
        # Counts nobody has added to for a reset period are as good as zero: keep the table small.
        LoginSlowdown.objects.filter(last_failure_at__lt=now - _reset_after()).delete()
        for key in sorted(_keys(username, address).values()):  # one lock order: no deadlocks
            row, _created = LoginSlowdown.objects.select_for_update().get_or_create(
                key=key, defaults={"last_failure_at": now, "next_attempt_at": now}
            )
            row.failures += 1
            row.last_failure_at = now
            row.next_attempt_at = now + delay_after(row.failures)
            row.save(update_fields=["failures", "last_failure_at", "next_attempt_at"])
            if row.failures >= settings.LOGIN_SLOWDOWN_AFTER:
                log.warning(
                    "Login slowed down for %s after %d failures: next attempt from an unknown "
                    "address in %d s",
                    key,
                    row.failures,
                    (row.next_attempt_at - now).total_seconds(),
                )


def address_is_known(*, username: str, address: str | None) -> bool:
    """Has the user of this name signed in from this address lately? (False for no such user.)"""
    if address is None:
        return False
    since = timezone.now() - timedelta(days=settings.LOGIN_KNOWN_ADDRESS_DAYS)
    lookup = {f"user__{get_user_model().USERNAME_FIELD}": username}
    return KnownLoginAddress.objects.filter(
        **lookup, address=address, last_login_at__gte=since
    ).exists()


def known_address_record(*, user, address: str | None) -> None:
    """Remember that the user signed in from this address (and forget their stale ones)."""
    address = _valid(address)
    if address is None:
        return
    now = timezone.now()
    KnownLoginAddress.objects.update_or_create(
        user=user, address=address, defaults={"last_login_at": now}
    )
    KnownLoginAddress.objects.filter(
        user=user, last_login_at__lt=now - timedelta(days=settings.LOGIN_KNOWN_ADDRESS_DAYS)
    ).delete()


def remember_address_on_login(sender, request, user, **kwargs) -> None:
    """user_logged_in receiver (connected in AccountsConfig.ready)."""
    if request is not None:
        known_address_record(user=user, address=client_ip(request))


class PairLockHandler(AxesDatabaseHandler):
    """django-axes' database handler, except that an attempt the slowdown refused is not a
    failure: its password was never checked, so it must not count towards (or extend) the pair
    lock of a real user who retries too soon from a new address."""

    def user_login_failed(self, sender, credentials: dict, request=None, **kwargs):
        if request is not None and getattr(request, "login_wait", None) is not None:
            return None
        return super().user_login_failed(sender, credentials, request, **kwargs)


def _keys(username: str, address: str | None) -> dict[str, str]:
    # Within the key column (200) for any username the login form accepts (150).
    keys = {ACCOUNT: _KEY_PREFIXES[ACCOUNT] + username[:150]}
    if address is not None:
        keys[ADDRESS] = _KEY_PREFIXES[ADDRESS] + address
    return keys


def _scope(key: str) -> str:
    return ACCOUNT if key.startswith(_KEY_PREFIXES[ACCOUNT]) else ADDRESS


def _reset_after() -> timedelta:
    return timedelta(hours=settings.LOGIN_SLOWDOWN_RESET_HOURS)


def _valid(address: str | None) -> str | None:
    """The address in its canonical form, or None if it is not one (then only the username
    counts: better than storing whatever a misconfigured proxy header held)."""
    if not address:
        return None
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None
