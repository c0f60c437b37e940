"""Login throttle (django-axes): too many wrong passwords for an account, or from an address,
and even the right password is refused until the cool-down has passed."""

import logging
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

RIGHT = "correct horse battery"


def attempt(client, username, password, ip="10.0.0.1"):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip
    )


def test_it_locks_an_account_after_the_limit_until_the_cool_down_passes(
    client, staff, settings, time_machine, caplog
):
    time_machine.move_to(timezone.now(), tick=False)
    limit = settings.AXES_FAILURE_LIMIT
    assert limit == 5 and settings.AXES_COOLOFF_TIME == 0.25  # defaults: 5 tries, 15 minutes
    with caplog.at_level(logging.WARNING, logger="axes"):
        for _n in range(limit - 1):
            assert attempt(client, "sam", "wrong").status_code == 200  # the form again
        locked = attempt(client, "sam", "wrong")
    assert locked.status_code == 429
    assert "Too many failed logins" in locked.content.decode()
    assert "15 minutes" in locked.content.decode()
    assert any("login failure" in r.getMessage() for r in caplog.records)

    refused = attempt(client, "sam", RIGHT)
    assert refused.status_code == 429
    assert "_auth_user_id" not in client.session

    # From another address too: the lockout is on the account.
    assert attempt(client, "sam", RIGHT, ip="10.9.9.9").status_code == 429

    time_machine.move_to(timezone.now() + timedelta(minutes=14))
    assert attempt(client, "sam", RIGHT).status_code == 429
    time_machine.move_to(timezone.now() + timedelta(minutes=2))
    welcome = attempt(client, "sam", RIGHT)
    assert welcome.status_code == 302
    assert client.session["_auth_user_id"] == str(staff.pk)


def test_it_locks_an_address_that_tries_many_accounts(client, db, settings):
    UserFactory(username="victim")
    for _n in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, f"guess{_n}", "wrong", ip="203.0.113.7")
    assert attempt(client, "victim", RIGHT, ip="203.0.113.7").status_code == 429
    assert attempt(client, "victim", RIGHT, ip="198.51.100.2").status_code == 302


def test_a_success_before_the_limit_starts_the_count_again(client, staff, settings):
    for _n in range(settings.AXES_FAILURE_LIMIT - 1):
        attempt(client, "sam", "wrong")
    assert attempt(client, "sam", RIGHT).status_code == 302
    client.logout()
    for _n in range(settings.AXES_FAILURE_LIMIT - 1):
        attempt(client, "sam", "wrong")
    assert attempt(client, "sam", RIGHT).status_code == 302


def test_behind_proxies_it_counts_the_address_the_proxy_saw(rf, settings):
    from accounts.throttle import client_ip

    request = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.9")
    assert client_ip(request) == "10.0.0.2"
    settings.LOGIN_TRUSTED_PROXIES = 1
    assert client_ip(request) == "198.51.100.9"  # 1.2.3.4 was written by the client: ignored
    settings.LOGIN_TRUSTED_PROXIES = 3
    assert client_ip(request) == "10.0.0.2"  # fewer entries than proxies: do not guess
