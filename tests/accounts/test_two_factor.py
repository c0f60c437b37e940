"""Two-factor sign-in: reviewers and admins must pass it before any private page; staff may."""

from base64 import b32decode
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import two_factor
from tests.conftest import authenticator_for, current_code

pytestmark = pytest.mark.django_db

DASHBOARD = "/"


def code_for_key(base32_key: str) -> str:
    """What an authenticator app shows for the key typed in from the set-up page."""
    key = b32decode(base32_key.replace(" ", "") + "=" * (-len(base32_key.replace(" ", "")) % 8))
    return f"{TOTP(key).token():06d}"


def test_it_sends_a_reviewer_without_an_authenticator_to_set_one_up(client, reviewer):
    client.force_login(reviewer, otp_verified=False)
    response = client.get(reverse("campaign_list"))
    assert response.status_code == 302
    assert response["Location"] == reverse("two_factor_enrol") + "?next=%2Fcampaigns%2F"


def test_it_sends_an_admin_to_set_one_up_too(client, admin_user):
    client.force_login(admin_user, otp_verified=False)
    assert client.get(DASHBOARD)["Location"].startswith(reverse("two_factor_enrol"))
    assert client.get("/admin/")["Location"].startswith(reverse("two_factor_enrol"))


def test_it_enrols_with_a_code_and_shows_recovery_codes_once(client, reviewer, time_machine):
    client.force_login(reviewer, otp_verified=False)
    page = client.get(reverse("two_factor_enrol"), {"next": "/campaigns/"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "<svg" in html and "otpauth://totp/FOI%20tracker%3Ariley?secret=" in html
    secret = page.context["secret"]
    assert client.get(reverse("two_factor_enrol")).context["secret"] == secret  # same on reload

    wrong = client.post(reverse("two_factor_enrol"), {"code": "000000"})
    assert wrong.status_code == 400
    assert not two_factor.has_device(reviewer)

    time_machine.move_to(timezone.now() + timedelta(seconds=5))  # past django-otp's throttle
    done = client.post(
        reverse("two_factor_enrol"), {"code": code_for_key(secret), "next": "/campaigns/"}
    )
    assert done.status_code == 200
    codes = done.context["codes"]
    assert len(codes) == 10 and len(set(codes)) == 10
    assert all(code in done.content.decode() for code in codes)
    assert two_factor.has_device(reviewer)
    assert client.get("/campaigns/").status_code == 200  # verified for this session
    # Shown once: the set-up page will not show the key or make another device now.
    assert client.get(reverse("two_factor_enrol")).status_code == 302
    assert TOTPDevice.objects.filter(user=reviewer).count() == 1


def test_it_asks_a_reviewer_with_an_authenticator_for_a_code(client, reviewer, time_machine):
    device = authenticator_for(reviewer)
    client.force_login(reviewer, otp_verified=False)
    response = client.get("/campaigns/")
    assert response["Location"] == reverse("two_factor_verify") + "?next=%2Fcampaigns%2F"
    # Nor can they set up a second authenticator to get round it.
    assert client.get(reverse("two_factor_enrol"))["Location"] == reverse("two_factor_verify")

    wrong = client.post(reverse("two_factor_verify"), {"code": "123456", "next": "/campaigns/"})
    assert wrong.status_code == 400
    assert "not right" in wrong.content.decode()
    assert client.get("/campaigns/").status_code == 302

    time_machine.move_to(timezone.now() + timedelta(seconds=5))  # past django-otp's throttle
    right = client.post(
        reverse("two_factor_verify"), {"code": current_code(device), "next": "/campaigns/"}
    )
    assert right.status_code == 302 and right["Location"] == "/campaigns/"
    assert client.get("/campaigns/").status_code == 200


def test_it_refuses_a_code_used_once_already(client, reviewer):
    device = authenticator_for(reviewer)
    code = current_code(device)
    client.force_login(reviewer, otp_verified=False)
    assert client.post(reverse("two_factor_verify"), {"code": code}).status_code == 302
    client.logout()
    client.force_login(reviewer, otp_verified=False)
    assert client.post(reverse("two_factor_verify"), {"code": code}).status_code == 400


def test_a_recovery_code_works_once(client, reviewer):
    authenticator_for(reviewer)
    codes = two_factor.recovery_codes_replace(user=reviewer)
    client.force_login(reviewer, otp_verified=False)
    typed = f"  {codes[3].upper()} "  # as people type them
    response = client.post(reverse("two_factor_verify"), {"code": typed})
    assert response.status_code == 302 and response["Location"] == DASHBOARD
    assert client.get(DASHBOARD).status_code == 200

    client.logout()
    client.force_login(reviewer, otp_verified=False)
    assert client.post(reverse("two_factor_verify"), {"code": codes[3]}).status_code == 400
    assert client.get(DASHBOARD).status_code == 302


def test_new_recovery_codes_replace_the_old(client, reviewer):
    client.force_login(reviewer)
    old = two_factor.recovery_codes_replace(user=reviewer)
    response = client.post(reverse("two_factor_recovery_codes"))
    new = response.context["codes"]
    assert len(new) == 10 and not set(new) & set(old)
    client.logout()
    client.force_login(reviewer, otp_verified=False)
    assert client.post(reverse("two_factor_verify"), {"code": old[0]}).status_code == 400


def test_it_does_not_force_a_staff_member(client, staff):
    client.force_login(staff, otp_verified=False)
    assert client.get(DASHBOARD).status_code == 200
    profile = client.get(reverse("profile")).content.decode()
    assert "Turn on two-factor sign-in" in profile


def test_a_staff_member_who_turns_it_on_must_use_it(client, staff):
    client.force_login(staff, otp_verified=False)
    page = client.get(reverse("two_factor_enrol"), {"next": "/profile/"})
    done = client.post(
        reverse("two_factor_enrol"),
        {"code": code_for_key(page.context["secret"]), "next": "/profile/"},
    )
    assert done.status_code == 200 and len(done.context["codes"]) == 10
    assert "New recovery codes" in client.get(reverse("profile")).content.decode()

    client.logout()
    client.force_login(staff, otp_verified=False)
    assert client.get(DASHBOARD)["Location"].startswith(reverse("two_factor_verify"))


def test_the_api_answers_403_json_until_verified(client, reviewer):
    client.force_login(reviewer, otp_verified=False)
    response = client.get(reverse("api_campaigns"))
    assert response.status_code == 403
    assert response.json() == {"error": "Two-factor sign-in needed."}


def test_it_does_not_redirect_off_site_after_the_code(client, reviewer):
    device = authenticator_for(reviewer)
    client.force_login(reviewer, otp_verified=False)
    response = client.post(
        reverse("two_factor_verify"),
        {"code": current_code(device), "next": "https://evil.example/"},
    )
    assert response["Location"] == DASHBOARD


def test_logging_in_again_needs_the_code_again(client, reviewer):
    """The verified mark belongs to the session, which a new login replaces."""
    authenticator_for(reviewer)
    client.force_login(reviewer)
    assert client.get(DASHBOARD).status_code == 200
    client.logout()
    response = client.post(
        reverse("login"), {"username": "riley", "password": "correct horse battery"}
    )
    assert response.status_code == 302
    assert client.get(DASHBOARD)["Location"].startswith(reverse("two_factor_verify"))


def menu_shown(response) -> bool:
    return 'id="nav"' in response.content.decode()


def test_the_code_page_shows_no_menu(client, reviewer):
    authenticator_for(reviewer)
    client.force_login(reviewer, otp_verified=False)
    page = client.get(reverse("two_factor_verify"))
    assert page.status_code == 200
    assert not menu_shown(page)
    assert "Log out" in page.content.decode()  # its own button, below the form


def test_the_set_up_page_shows_no_menu_to_someone_who_must_set_it_up(client, reviewer):
    client.force_login(reviewer, otp_verified=False)
    page = client.get(reverse("two_factor_enrol"))
    assert page.status_code == 200
    assert not menu_shown(page)


def test_the_set_up_page_keeps_the_menu_for_a_staff_member_choosing_it(client, staff):
    client.force_login(staff, otp_verified=False)
    page = client.get(reverse("two_factor_enrol"))
    assert page.status_code == 200
    assert menu_shown(page)


def test_the_login_page_says_what_the_site_is(client):
    page = client.get(reverse("login")).content.decode()
    assert "Freedom of Information requests to UK police forces" in page
