"""A new reviewer sets up two-factor sign-in in the browser, then signs in with a recovery code."""

from base64 import b32decode

import pytest
from django_otp.oath import TOTP
from playwright.sync_api import expect

from requests_app.roles import REVIEWER, STAFF
from tests.conftest import authenticator_for
from tests.e2e.conftest import page_in
from tests.factories import UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def app_code(shown_key: str) -> str:
    """What an authenticator app shows for the key the set-up page displays."""
    key = shown_key.replace(" ", "")
    return f"{TOTP(b32decode(key + '=' * (-len(key) % 8))).token():06d}"


def password_step(page, live_server, username):
    page.goto(f"{live_server.url}/campaigns/")
    page.fill("#id_username", username)
    page.fill("#id_password", "correct horse battery")
    page.click("button[type=submit]")


def test_a_reviewer_enrols_then_uses_a_recovery_code(page, live_server):
    UserFactory(username="rita", roles=[STAFF, REVIEWER])

    password_step(page, live_server, "rita")
    page.wait_for_url(f"{live_server.url}/accounts/two-factor/set-up/?next=*")
    assert page.locator("#two-factor-qr svg").count() == 1
    assert page.inner_text("#two-factor-uri").startswith("otpauth://totp/")
    page.fill("#id_code", "000000")
    page.click("#two-factor-enrol button[type=submit]")
    # expect() waits for the answer page; a bare read can see the page the click left
    expect(page.locator("main")).to_contain_text("not right")
    page.wait_for_timeout(1500)  # django-otp slows retries after a wrong code
    page.fill("#id_code", app_code(page.inner_text("#two-factor-secret")))
    page.click("#two-factor-enrol button[type=submit]")
    expect(page.locator("#recovery-codes code")).to_have_count(10)
    codes = page.locator("#recovery-codes code").all_inner_texts()
    page.click("text=I have saved them: continue")
    page.wait_for_url(f"{live_server.url}/campaigns/")

    page.context.clear_cookies()
    password_step(page, live_server, "rita")
    page.wait_for_url(f"{live_server.url}/accounts/two-factor/?next=*")
    page.goto(f"{live_server.url}/")  # no way round it
    page.wait_for_url(f"{live_server.url}/accounts/two-factor/?next=*")
    page.fill("#id_code", codes[0])
    page.click("#two-factor-verify button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    assert "Dashboard" in page.inner_text("nav")

    page.context.clear_cookies()
    password_step(page, live_server, "rita")
    page.fill("#id_code", codes[0])  # used up
    page.click("#two-factor-verify button[type=submit]")
    expect(page.locator("main")).to_contain_text("not right")


@pytest.fixture(params=[(390, 844), (1400, 1000)], ids=["phone", "desktop"])
def sized_page(browser, request):
    width, height = request.param
    yield from page_in(browser, width=width, height=height)


def test_the_login_page_says_what_the_site_is_and_the_code_page_shows_no_menu(
    sized_page, live_server
):
    page = sized_page
    authenticator_for(UserFactory(username="rita", roles=[STAFF, REVIEWER]))
    page.goto(f"{live_server.url}/accounts/login/")
    summary = page.locator("#site-summary")
    expect(summary).to_contain_text("Freedom of Information requests to UK police forces")
    box = summary.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= page.viewport_size["width"]

    password_step(page, live_server, "rita")
    page.wait_for_url(f"{live_server.url}/accounts/two-factor/?next=*")
    expect(page.locator("#two-factor-verify")).to_be_visible()
    expect(page.locator("nav .navbar-brand")).to_be_visible()
    expect(page.locator("nav #nav")).to_have_count(0)
    expect(page.locator("nav .navbar-toggler")).to_have_count(0)
