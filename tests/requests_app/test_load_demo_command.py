"""load_demo makes a superuser with a published password: never on a production site."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

pytestmark = pytest.mark.django_db


def test_it_refuses_the_demo_on_a_site_that_is_not_the_demo(settings):
    settings.DEBUG = False
    settings.FOI_DEMO = False
    with pytest.raises(CommandError, match="only on the local demo site"):
        call_command("load_demo", stdout=io.StringIO())
    assert not get_user_model().objects.filter(username="demo").exists()


def test_it_loads_the_demo_and_prints_how_to_sign_in(settings):
    settings.FOI_DEMO = True  # as ./run.sh sets it; DEBUG stays off
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    text = out.getvalue()
    assert "demo / demo-password" in text
    assert "otpauth://totp/" in text
    assert "manage.py demo_code" in text
    demo = get_user_model().objects.get(username="demo")
    assert demo.is_superuser
    assert demo.totpdevice_set.filter(confirmed=True).exists()


def test_it_prints_a_demo_users_current_code(settings):
    from accounts.two_factor import authenticator_for, verify

    settings.DEBUG = True
    call_command("load_demo", stdout=io.StringIO())
    out = io.StringIO()
    call_command("demo_code", "riley", stdout=out)
    riley = get_user_model().objects.get(username="riley")
    assert authenticator_for(riley) is not None
    assert verify(user=riley, token=out.getvalue().strip()) is not None
    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("demo_code", "riley", stdout=io.StringIO())
