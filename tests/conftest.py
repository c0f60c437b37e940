"""Shared fixtures: named personas so permission tests read like sentences."""

from datetime import date

import pytest

from requests_app.models import Force
from requests_app.roles import REVIEWER, STAFF
from requests_app.services.campaigns import PeriodSpec, campaign_create
from tests.factories import UserFactory


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
