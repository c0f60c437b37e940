"""Every page carries the Content-Security-Policy, and no page needs it relaxed: no inline
script, no style attribute or block, no on* handler. Also: a bad Host is a 400, sessions
expire when idle."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.test import override_settings
from django.urls import reverse

from tests import test_permissions
from tests.test_permissions import ALL_URLS, PUBLIC, url_for

samples = test_permissions.samples  # the URL walk's sample objects (a fixture)

# JSON data islands (json_script) are not executed, so CSP does not apply to them.
DATA_SCRIPT_TYPES = {"application/json", "application/ld+json"}


class InlineFinder(HTMLParser):
    def __init__(self):
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        names = dict(attrs)
        if tag == "style":
            self.found.append("<style> block")
        if tag == "script" and not names.get("src") and names.get("type") not in DATA_SCRIPT_TYPES:
            self.found.append("inline <script>")
        for name, value in attrs:
            if name == "style":
                self.found.append(f"style= on <{tag}>")
            if name.startswith("on"):
                self.found.append(f"{name}= on <{tag}>")
            if value and value.strip().lower().startswith("javascript:"):
                self.found.append(f"javascript: URL on <{tag}>")


def inline_code(html: str) -> list[str]:
    finder = InlineFinder()
    finder.feed(html)
    return finder.found


def test_it_finds_inline_code_when_there_is_some():
    assert inline_code('<p style="color:red" onclick="x()">') == [
        "style= on <p>",
        "onclick= on <p>",
    ]
    assert inline_code("<script>alert(1)</script><style>p{}</style>") == [
        "inline <script>",
        "<style> block",
    ]
    assert inline_code('<script src="/static/js/site.js"></script>') == []
    assert inline_code('<script id="d" type="application/json">{}</script>') == []


@pytest.mark.parametrize("name,converters", ALL_URLS, ids=[n for n, _ in ALL_URLS])
def test_every_page_has_the_policy_and_no_inline_code(client, samples, reviewer, name, converters):
    if name not in PUBLIC:
        client.force_login(reviewer)
    url = url_for(name, converters, samples)
    response = client.get(url)
    assert response.status_code in (200, 302, 400, 403, 404, 405), url
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "style-src 'self'" in policy
    assert "unsafe-inline" not in policy
    if response.get("Content-Type", "").startswith("text/html") and not response.streaming:
        assert inline_code(response.content.decode()) == [], url


def test_the_two_factor_and_lockout_pages_have_no_inline_code(client, reviewer, settings):
    client.force_login(reviewer, otp_verified=False)
    enrol = client.get(reverse("two_factor_enrol"))
    assert enrol.status_code == 200 and "<svg" in enrol.content.decode()
    assert inline_code(enrol.content.decode()) == []
    client.logout()
    settings.AXES_FAILURE_LIMIT = 1
    client.post(reverse("login"), {"username": "riley", "password": "wrong"})
    locked = client.post(reverse("login"), {"username": "riley", "password": "wrong"})
    assert locked.status_code == 429
    assert inline_code(locked.content.decode()) == []


@pytest.mark.parametrize("path", ["/", "/accounts/login/", "/no-such-page/"])
@override_settings(DEBUG=False, ALLOWED_HOSTS=["foi.example.org"])
def test_it_answers_a_bad_host_with_400_not_500(client, db, path):
    response = client.get(path, HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert "Bad request" in response.content.decode()
    assert "Content-Security-Policy" in response


def test_it_ends_a_session_after_the_idle_timeout(client, staff, settings, time_machine):
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    start = datetime(2026, 11, 2, 9, 0, tzinfo=ZoneInfo("Europe/London"))
    time_machine.move_to(start, tick=False)
    assert settings.SESSION_COOKIE_AGE == settings.SESSION_IDLE_TIMEOUT_SECONDS == 8 * 60 * 60
    assert not settings.SESSION_SAVE_EVERY_REQUEST  # renewed once a minute instead
    client.force_login(staff)
    idle = timedelta(seconds=settings.SESSION_IDLE_TIMEOUT_SECONDS)

    # Active all day: each request renews the session, so it outlives the idle limit.
    for hour in range(1, 11):
        time_machine.move_to(start + timedelta(hours=hour), tick=False)
        assert client.get(reverse("dashboard")).status_code == 200

    time_machine.move_to(start + timedelta(hours=10) + idle + timedelta(seconds=1), tick=False)
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_a_session_is_renewed_once_a_minute_not_on_every_request(
    client, staff, time_machine, settings
):
    """Renewing (an UPDATE in a transaction of its own) on every page cost three queries a
    page; once a minute keeps the idle timeout to within that minute."""
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    settings.SESSION_RENEW_SECONDS = 60  # the default (tests renew hourly)
    start = datetime(2026, 11, 2, 9, 0, tzinfo=ZoneInfo("Europe/London"))
    time_machine.move_to(start, tick=False)
    client.force_login(staff)  # signing in counts as the first renewal

    def session_writes(at: timedelta) -> int:
        time_machine.move_to(start + at, tick=False)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("dashboard"))
        assert response.status_code == 200
        return sum('UPDATE "django_session"' in q["sql"] for q in queries.captured_queries)

    assert session_writes(timedelta(seconds=30)) == 0
    assert session_writes(timedelta(seconds=59)) == 0
    assert session_writes(timedelta(seconds=61)) == 1
    assert session_writes(timedelta(seconds=62)) == 0
    # An anonymous visitor is not given a session by the renewal.
    client.logout()
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("login"))
    assert not any("django_session" in q["sql"] for q in queries.captured_queries)


def test_the_idle_timeout_comes_from_the_environment(monkeypatch):
    import importlib

    import foi_tracker.settings as base

    monkeypatch.setenv("SESSION_IDLE_TIMEOUT_SECONDS", "1800")
    try:
        reloaded = importlib.reload(base)
        assert reloaded.SESSION_COOKIE_AGE == 1800
    finally:
        monkeypatch.delenv("SESSION_IDLE_TIMEOUT_SECONDS")
        importlib.reload(base)


def test_the_database_connection_is_checked_before_reuse():
    import foi_tracker.settings as base

    if base.DATABASE_URL:
        assert base.DATABASES["default"]["CONN_HEALTH_CHECKS"] is True
        assert base.DATABASES["default"]["CONN_MAX_AGE"] > 0


def test_the_500_page_renders_without_touching_the_database(rf):
    from requests_app.views.errors import server_error

    response = server_error(rf.get("/"))  # no db fixture: any query would raise
    assert response.status_code == 500
    assert "Something went wrong" in response.content.decode()
