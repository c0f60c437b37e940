"""Headless Chromium (Debian's package) driven by Playwright against pytest-django's live server.

Without Chromium the browser tests are skipped, unless FOI_REQUIRE_BROWSER=1 (CI sets it), in
which case they fail: CI must never pass without having driven a browser.
"""

import os
import shutil

import pytest

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make are
# still ordinary synchronous calls, so Django's async-safety guard does not apply here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def chromium_path() -> str | None:
    for candidate in (
        os.environ.get("FOI_CHROMIUM"),
        "chromium",
        "chromium-browser",
        "google-chrome",
    ):
        if candidate and shutil.which(candidate):
            return shutil.which(candidate)
    return None


@pytest.fixture(scope="session")
def browser():
    path = chromium_path()
    if not path:
        message = "Chromium not found (apt-get install chromium, or set FOI_CHROMIUM)"
        if os.environ.get("FOI_REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(autouse=True)
def _no_connection_outlives_its_request():
    """The live server's request threads close their database connection when the request ends
    (CONN_MAX_AGE 0), rather than keep it for 60 s in a thread that is about to exit: a
    connection left behind, unclosed, with a transaction open, held its row locks until
    garbage collection, and the next request needing those rows waited on them (the final
    submit of test_mail_flow hung in CI). The settings dict is shared by every thread's
    connection, so the request threads see this too."""
    from django.db import connections

    settings_dict = connections.settings["default"]
    before = settings_dict["CONN_MAX_AGE"]
    settings_dict["CONN_MAX_AGE"] = 0
    yield
    settings_dict["CONN_MAX_AGE"] = before


@pytest.fixture
def page(browser):
    """A fresh page; the test fails if the browser blocked anything under the site's CSP."""
    yield from page_in(browser, width=1400, height=1000)


def page_in(browser, *, width: int, height: int):
    """A fresh page in a window of this size (generator for a fixture); fails the test if the
    browser blocked anything under the site's CSP."""
    # Reduced motion: Bootstrap's collapse (the request page's action accordion) then opens at
    # once. A click on a form's submit button while its panel was still animating open could land
    # on nothing, the form never posted, and the test waited out its timeout (CI, under load).
    context = browser.new_context(
        viewport={"width": width, "height": height}, reduced_motion="reduce"
    )
    page = context.new_page()
    # Generous: CI runs the browser tests beside the rest of the suite on two shared cores.
    page.set_default_timeout(30000)
    violations = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    yield page
    context.close()
    assert violations == [], "the Content-Security-Policy blocked something"


def log_in_on(page, base_url: str, username: str, password: str = "correct horse battery"):
    """Log in through the form on `page`; a reviewer or admin then types their authenticator's
    code."""
    from django.contrib.auth import get_user_model

    from accounts import two_factor
    from tests.conftest import authenticator_for, current_code

    user = get_user_model().objects.get(username=username)
    device = authenticator_for(user) if two_factor.required_for(user) else None
    page.goto(f"{base_url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    if device is not None:
        page.wait_for_url(f"{base_url}/accounts/two-factor/?next=*")
        page.fill("#id_code", current_code(device))
        page.click("#two-factor-verify button[type=submit]")
    page.wait_for_url(f"{base_url}/")


@pytest.fixture
def log_in(page, live_server):
    """Log in through the form; a reviewer or admin then types their authenticator's code."""

    def log_in_as(username: str, password: str = "correct horse battery"):
        log_in_on(page, live_server.url, username, password)

    return log_in_as


def _live_server_state() -> str:
    """Every thread's stack (the live server's request threads included) and, on PostgreSQL,
    who holds or waits for which lock: what a hung browser step needs to be understood."""
    import sys
    import traceback

    from django.db import connection

    lines = []
    names = {thread.ident: thread.name for thread in __import__("threading").enumerate()}
    for ident, frame in sys._current_frames().items():
        lines.append(f"--- thread {names.get(ident, ident)}")
        lines.extend(line.rstrip() for line in traceback.format_stack(frame))
    if connection.vendor == "postgresql":
        import psycopg

        settings = connection.settings_dict
        with psycopg.connect(
            dbname=settings["NAME"],
            user=settings["USER"],
            host=settings["HOST"] or None,
            port=settings["PORT"] or None,
            password=settings["PASSWORD"] or None,
            autocommit=True,
        ) as own:
            rows = own.execute(
                "SELECT a.pid, a.state, a.xact_start, a.wait_event_type, a.wait_event, "
                "l.locktype, l.relation::regclass, l.mode, l.granted, left(a.query, 200) "
                "FROM pg_stat_activity a LEFT JOIN pg_locks l ON l.pid = a.pid "
                "WHERE a.datname = current_database() AND a.pid <> pg_backend_pid() "
                "ORDER BY a.pid"
            ).fetchall()
        lines.append("--- pg_stat_activity x pg_locks")
        lines.extend(repr(row) for row in rows)
    return "\n".join(lines)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """When a browser test fails (or fails as a known flake), attach the server's state to its
    report and keep a copy under var/e2e-diagnostics/ (CI prints them): an intermittent hang
    seen only in CI cannot be understood from a timeout alone."""
    outcome = yield
    report = outcome.get_result()
    if call.when != "call" or call.excinfo is None:
        return
    try:
        state = _live_server_state()
    except Exception as error:  # diagnostics must never hide the test's own failure
        state = f"(could not collect the server state: {error!r})"
    report.sections.append(("live server state", state))
    from pathlib import Path

    from django.conf import settings

    folder = Path(settings.BASE_DIR) / "var" / "e2e-diagnostics"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{item.name}.txt").write_text(f"{item.nodeid}\n{call.excinfo.exconly()}\n{state}\n")
