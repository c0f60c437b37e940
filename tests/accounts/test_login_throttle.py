"""Login throttle: a hard lock on a (username, address) pair, and a slowdown (never a lock) for a
guess spread over many addresses, from which the user's own addresses are exempt.

The two attacks of issue 24: five wrong passwords from one address used to lock the account out
from everywhere, and wrong passwords from many addresses every 15 minutes kept it locked for ever.
"""

import logging
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import LoginSlowdown
from tests.conftest import authenticator_for, current_code
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

RIGHT = "correct horse battery"
HOME = "192.0.2.10"  # where the real user signs in from
ATTACKER = "203.0.113.7"
NEW_PLACE = "192.0.2.99"  # somewhere the real user has never signed in from
BOTNET = [f"198.51.100.{n}" for n in range(1, 41)]
ACCOUNT_WAIT = "Too many attempts for this account: try again in"


def attempt(username, password, ip, path=None):
    """One login from its own browser (a fresh client: no cookies carried between attempts)."""
    return Client().post(
        path or reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip
    )


def signed_in(response) -> bool:
    return "_auth_user_id" in response.client.session


def signed_in_before(username, ip):
    """The real user signed in from this address earlier: it is one of their known addresses."""
    assert signed_in(attempt(username, RIGHT, ip))


@pytest.fixture
def frozen(time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    return time_machine


def later(frozen, **delta):
    frozen.move_to(timezone.now() + timedelta(**delta), tick=False)


def test_it_locks_the_pair_after_the_limit_and_keeps_it_locked_while_it_fails(
    staff, settings, frozen, caplog
):
    """Replaces "locks an account ... until the cool-down passes": the lock is now on the
    (username, address) pair, and attempts during it restart the cool-down, so an attacker at
    that address cannot resume guessing every 15 minutes."""
    limit = settings.AXES_FAILURE_LIMIT
    assert limit == 5 and settings.AXES_COOLOFF_TIME == 0.25  # defaults: 5 tries, 15 minutes
    with caplog.at_level(logging.WARNING, logger="axes"):
        for _n in range(limit - 1):
            assert attempt("sam", "wrong", ATTACKER).status_code == 200  # the form again
        locked = attempt("sam", "wrong", ATTACKER)
    assert locked.status_code == 429
    assert "Too many failed logins" in locked.content.decode()
    assert "15 minutes" in locked.content.decode()
    assert any("login failure" in r.getMessage() for r in caplog.records)

    refused = attempt("sam", RIGHT, ATTACKER)
    assert refused.status_code == 429 and not signed_in(refused)

    for _n in range(6):  # an hour of one guess every 10 minutes: locked throughout
        later(frozen, minutes=10)
        assert attempt("sam", "wrong", ATTACKER).status_code == 429
    later(frozen, minutes=14)
    assert attempt("sam", RIGHT, ATTACKER).status_code == 429  # and that try restarts it
    later(frozen, minutes=16)
    assert signed_in(attempt("sam", RIGHT, ATTACKER))


def test_five_wrong_passwords_from_one_address_do_not_keep_the_user_out_elsewhere(staff, frozen):
    """Attack 1: the victim's username locked by someone else's failures."""
    signed_in_before("sam", HOME)
    for _n in range(5):
        attempt("sam", "wrong", ATTACKER)
    assert attempt("sam", RIGHT, ATTACKER).status_code == 429

    assert signed_in(attempt("sam", RIGHT, HOME))
    # One address's failures never slow the account either: a place never used before works.
    assert signed_in(attempt("sam", RIGHT, NEW_PLACE))


def test_a_distributed_attack_every_15_minutes_does_not_keep_the_user_out(staff, frozen):
    """Attack 2: wrong passwords from many addresses, repeated every 15 minutes for an hour.
    The real user, from their own address with the right password, gets in at once each time,
    while the attackers are slowed."""
    signed_in_before("sam", HOME)
    slowed = 0
    for _round in range(4):
        for ip in BOTNET[:10]:
            for _n in range(5):
                slowed += attempt("sam", "wrong", ip).status_code == 429
        welcome = attempt("sam", RIGHT, HOME)
        assert welcome.status_code == 302 and signed_in(welcome)
        later(frozen, minutes=15)
    assert slowed > 150  # of 200 guesses, nearly all refused unchecked


def test_a_reviewer_gets_in_with_the_second_factor_during_a_distributed_attack(reviewer, frozen):
    device = authenticator_for(reviewer)
    signed_in_before("riley", HOME)
    for ip in BOTNET:
        attempt("riley", "wrong", ip)
    assert ACCOUNT_WAIT in attempt("riley", RIGHT, NEW_PLACE).content.decode()

    browser = Client(REMOTE_ADDR=HOME)
    password = browser.post(reverse("login"), {"username": "riley", "password": RIGHT})
    assert password.status_code == 302
    verify = browser.get(password.url, follow=True)
    assert verify.resolver_match.url_name == "two_factor_verify"
    code = browser.post(reverse("two_factor_verify"), {"code": current_code(device)})
    assert code.status_code == 302
    assert browser.get(reverse("dashboard")).status_code == 200


def test_it_slows_a_distributed_guess_without_checking_passwords_during_the_delay(
    staff, settings, frozen
):
    assert settings.LOGIN_SLOWDOWN_AFTER == 10  # defaults: 10 failures, then 30 s doubling
    assert (settings.LOGIN_SLOWDOWN_SECONDS, settings.LOGIN_SLOWDOWN_MAX_SECONDS) == (30, 300)
    for ip in BOTNET[:10]:
        assert attempt("sam", "wrong", ip).status_code == 200

    slowed = attempt("sam", "wrong", BOTNET[10])
    assert slowed.status_code == 429
    assert f"{ACCOUNT_WAIT} 30 seconds." in slowed.content.decode()
    # Not checked during the delay, even the right password from an unknown address...
    right = attempt("sam", RIGHT, NEW_PLACE)
    assert right.status_code == 429 and not signed_in(right)
    # ...and the refused attempts neither count nor extend it.
    later(frozen, seconds=29)
    assert f"{ACCOUNT_WAIT} 1 second." in attempt("sam", "wrong", BOTNET[11]).content.decode()
    assert LoginSlowdown.objects.get(key="username:sam").failures == 10

    # Each checked failure doubles the delay, up to five minutes.
    for n, delay in enumerate((30, 60, 120, 240, 300, 300)):
        later(frozen, seconds=delay)
        checked = attempt("sam", "wrong", BOTNET[20 + n])
        assert checked.status_code == 200 and "correct username" in checked.content.decode()
        assert attempt("sam", "wrong", BOTNET[13]).status_code == 429

    # An hour of a guess every 10 seconds, each from a fresh address: a dozen are checked.
    checked = 0
    for n in range(360):
        later(frozen, seconds=10)
        checked += attempt("sam", "wrong", f"10.7.{n // 200}.{n % 200}").status_code != 429
    assert checked <= 13


def test_it_lets_the_real_user_in_from_a_new_place_once_the_delay_is_over(staff, frozen):
    """Attempts refused by the slowdown are not failures: retrying too soon from a new place
    does not pair-lock the user there."""
    for ip in BOTNET[:10]:
        attempt("sam", "wrong", ip)
    for _n in range(8):
        later(frozen, seconds=3)
        assert attempt("sam", RIGHT, NEW_PLACE).status_code == 429
    later(frozen, seconds=10)
    assert signed_in(attempt("sam", RIGHT, NEW_PLACE))


def test_it_says_the_same_for_an_account_that_does_not_exist(db, frozen):
    for ip in BOTNET[:10]:
        attempt("nobody", "wrong", ip)
    assert f"{ACCOUNT_WAIT} 30 seconds." in attempt("nobody", "x", NEW_PLACE).content.decode()


def test_the_admin_login_is_slowed_too(admin_user, frozen):
    for ip in BOTNET[:10]:
        attempt("ada", "wrong", ip)
    refused = attempt("ada", RIGHT, NEW_PLACE, path=reverse("admin:login"))
    assert ACCOUNT_WAIT in refused.content.decode() and not signed_in(refused)


def test_it_slows_an_address_that_tries_many_accounts(db, frozen):
    """Replaces "locks an address that tries many accounts": an address is no longer locked
    (that locked out everyone behind it), but past the limit it waits before trying an account
    nobody has signed in to from it; the users who have are not held up."""
    UserFactory(username="victim")
    UserFactory(username="colleague")
    signed_in_before("colleague", ATTACKER)  # the same office network
    for n in range(10):
        attempt(f"guess{n}", "wrong", ATTACKER)

    slowed = attempt("victim", RIGHT, ATTACKER)
    assert slowed.status_code == 429
    assert "Too many attempts from your address: try again in 30 seconds." in (
        slowed.content.decode()
    )
    assert signed_in(attempt("victim", RIGHT, NEW_PLACE))
    assert signed_in(attempt("colleague", RIGHT, ATTACKER))


def test_it_forgets_old_failures_and_old_addresses(staff, settings, frozen):
    signed_in_before("sam", HOME)
    for ip in BOTNET[:10]:
        attempt("sam", "wrong", ip)
    later(frozen, hours=settings.LOGIN_SLOWDOWN_RESET_HOURS, seconds=1)
    assert attempt("sam", "wrong", BOTNET[0]).status_code == 200  # the count started again
    assert attempt("sam", "wrong", BOTNET[1]).status_code == 200

    for ip in BOTNET[:10]:
        attempt("sam", "wrong", ip)
    assert signed_in(attempt("sam", RIGHT, HOME))
    later(frozen, days=settings.LOGIN_KNOWN_ADDRESS_DAYS, seconds=1)
    for ip in BOTNET[:10]:
        attempt("sam", "wrong", ip)
    assert attempt("sam", RIGHT, HOME).status_code == 429  # not used for 90 days: unknown


def test_a_success_before_the_limit_starts_the_count_again(client, staff, settings):
    for _n in range(settings.AXES_FAILURE_LIMIT - 1):
        attempt("sam", "wrong", HOME)
    assert attempt("sam", RIGHT, HOME).status_code == 302
    for _n in range(settings.AXES_FAILURE_LIMIT - 1):
        attempt("sam", "wrong", HOME)
    assert attempt("sam", RIGHT, HOME).status_code == 302


def test_behind_proxies_it_counts_the_address_the_proxy_saw(rf, settings):
    from accounts.throttle import client_ip

    request = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.9")
    assert client_ip(request) == "10.0.0.2"
    settings.LOGIN_TRUSTED_PROXIES = 1
    assert client_ip(request) == "198.51.100.9"  # 1.2.3.4 was written by the client: ignored
    settings.LOGIN_TRUSTED_PROXIES = 3
    assert client_ip(request) == "10.0.0.2"  # fewer entries than proxies: do not guess
