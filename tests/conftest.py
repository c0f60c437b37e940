"""Shared fixtures: named personas so permission tests read like sentences."""

import importlib
from datetime import date
from pathlib import Path

import pytest
from django.test import Client

from requests_app.models import Force
from requests_app.periods import PeriodSpec
from requests_app.roles import REVIEWER, STAFF
from requests_app.services.campaigns import campaign_create
from tests.factories import UserFactory


def ensure_forces_registry() -> None:
    """Put back the forces and built-in lists that the data migration loads.

    A transactional test (browser tests, race tests) ends by flushing every table, which takes
    migrated reference data with it; the next transactional test on that worker needs it back.
    """
    from django.apps import apps

    if not Force.objects.exists():
        migration = importlib.import_module("requests_app.migrations.0002_load_forces")
        migration.load(apps, None)
        # Found by name, not number: a merge may renumber the migration.
        (bodies,) = Path(migration.__file__).parent.glob("*_public_body_lists.py")
        importlib.import_module(f"requests_app.migrations.{bodies.stem}").add_lists(apps, None)


@pytest.fixture(autouse=True)
def _reference_data_for_transactional_tests(request):
    marker = request.node.get_closest_marker("django_db")
    transactional = (marker is not None and marker.kwargs.get("transaction")) or {
        "transactional_db",
        "live_server",
    } & set(request.fixturenames)
    if transactional:
        request.getfixturevalue("transactional_db")
        ensure_forces_registry()
        # The flush at the end of a transactional test empties the models' tables, not the
        # cache's: an entry keyed on ids and versions a later test reuses would leak into it.
        from django.core.cache import cache

        cache.clear()


def authenticator_for(user):
    """The user's confirmed TOTP device, made if they have none (as if they had enrolled)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return device or TOTPDevice.objects.create(user=user, name="Test phone", confirmed=True)


def current_code(device) -> str:
    """The code the user's authenticator app would show now."""
    from accounts.two_factor import current_code as code_now

    return code_now(device)


def mark_two_factor_verified(client: Client, user) -> None:
    """What passing the code page leaves in the session (django_otp.login)."""
    from django_otp import DEVICE_ID_SESSION_KEY

    session = client.session
    session[DEVICE_ID_SESSION_KEY] = authenticator_for(user).persistent_id
    session.save()


_plain_force_login = Client.force_login


@pytest.fixture(autouse=True)
def _force_login_passes_two_factor(monkeypatch):
    """client.force_login(user) also passes the second factor when the user must have one.

    Reviewers and admins must pass two-factor sign-in before any private page; tests about
    something else log them in as if they had. The middleware stays on in every test, so the URL
    walks still go through it. Tests of two-factor itself pass otp_verified=False.
    """
    from accounts import two_factor

    def force_login(self, user, backend=None, *, otp_verified=True):
        _plain_force_login(self, user, backend)
        if otp_verified and two_factor.required_for(user):
            mark_two_factor_verified(self, user)

    monkeypatch.setattr(Client, "force_login", force_login)


@pytest.fixture
def staff(db):
    """A staff member: runs campaigns and enters figures."""
    return UserFactory(username="sam", roles=[STAFF])


@pytest.fixture
def reviewer(db):
    """A reviewer: checks figures someone else entered."""
    return UserFactory(username="riley", roles=[STAFF, REVIEWER])


@pytest.fixture
def outsider(db):
    """Logged in, but with no role: sees nothing."""
    return UserFactory(username="olly")


@pytest.fixture
def admin_user(db):
    user = UserFactory(username="ada")
    user.is_superuser = user.is_staff = True
    user.save()
    return user


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


@pytest.fixture
def forces(db):
    """name -> Force for every force in the registry."""
    return {f.name: f for f in Force.objects.all()}


@pytest.fixture
def england_and_wales(db):
    return list(Force.objects.filter(lists__slug="england-and-wales"))


NSPCC_PERIODS = [
    PeriodSpec("2015/16", date(2015, 4, 1), date(2016, 3, 31)),
    PeriodSpec("2016/17", date(2016, 4, 1), date(2017, 3, 31)),
]


@pytest.fixture
def campaign(db, staff, england_and_wales):
    """A draft campaign to the 43 forces of England and Wales about 2015/16 and 2016/17."""
    return campaign_create(
        actor=staff,
        owner=staff,
        slug="online-child-sex-offences",
        title="Online child sex offences",
        request_text="Dear {force_name}, how many online-flagged offences in {periods}?",
        forces=england_and_wales,
        periods=NSPCC_PERIODS,
    )
