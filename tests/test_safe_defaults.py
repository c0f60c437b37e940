"""Safe by default (issue 24, section 2): a deployment that sets nothing runs neither in debug
mode nor on a published key; the demo is a setting of its own; PostgreSQL sessions cannot wait
on a lock for ever."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent
READ = (
    "import json, foi_tracker.settings as s; print(json.dumps({"
    "'DEBUG': s.DEBUG, 'FOI_DEMO': s.FOI_DEMO, 'ALLOWED_HOSTS': s.ALLOWED_HOSTS, "
    "'SESSION_COOKIE_SECURE': getattr(s, 'SESSION_COOKIE_SECURE', False), "
    "'SECURE_SSL_REDIRECT': getattr(s, 'SECURE_SSL_REDIRECT', False), "
    "'WHITENOISE_USE_FINDERS': s.WHITENOISE_USE_FINDERS, "
    "'options': s.DATABASES['default'].get('OPTIONS', {}).get('options', '')}))"
)
# What a deployment's environment might hold that the test run's does not decide here.
CLEARED = ("DEBUG", "SECRET_KEY", "FOI_DEMO", "ALLOWED_HOSTS", "FOI_PROCESS", "PGOPTIONS")


def settings_with(**env: str) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if k not in CLEARED}
    base.pop("DJANGO_SETTINGS_MODULE", None)
    return subprocess.run(
        [sys.executable, "-c", READ],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def read(**env: str) -> dict:
    result = settings_with(**env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_it_refuses_to_start_with_nothing_set():
    result = settings_with()
    assert result.returncode != 0
    assert "Set SECRET_KEY" in result.stderr and "DEBUG is off (the default)" in result.stderr


def test_a_deployment_that_sets_only_its_key_is_not_in_debug_mode():
    found = read(SECRET_KEY="a-real-deployment-key-" + "x" * 40)
    assert found["DEBUG"] is False and found["FOI_DEMO"] is False
    assert found["SESSION_COOKIE_SECURE"] is True and found["SECURE_SSL_REDIRECT"] is True
    assert "testserver" not in found["ALLOWED_HOSTS"]
    assert found["WHITENOISE_USE_FINDERS"] is False


def test_the_demo_runs_without_debug_over_plain_http():
    found = read(SECRET_KEY="demo-key-" + "x" * 40, FOI_DEMO="true")
    assert found["DEBUG"] is False
    assert found["SESSION_COOKIE_SECURE"] is False and found["SECURE_SSL_REDIRECT"] is False
    assert found["WHITENOISE_USE_FINDERS"] is True


def test_the_development_key_is_refused_on_the_demo_too():
    assert settings_with(FOI_DEMO="true").returncode != 0


def test_postgresql_sessions_get_lock_and_idle_timeouts_and_web_ones_a_statement_timeout():
    url = "postgres://postgres@127.0.0.1:5432/any"
    key = {"SECRET_KEY": "k" * 50, "DATABASE_URL": url}
    worker = read(**key)["options"]
    assert "-c lock_timeout=10000" in worker
    assert "-c idle_in_transaction_session_timeout=60000" in worker
    assert "statement_timeout" not in worker
    web = read(**key, FOI_PROCESS="web", DATABASE_WEB_STATEMENT_TIMEOUT_MS="5000")["options"]
    assert "-c statement_timeout=5000" in web
    assert "-c lock_timeout=10000" in read(**key, DATABASE_LOCK_TIMEOUT_MS="10000")["options"]


@pytest.mark.django_db
def test_the_test_databases_own_sessions_have_the_lock_timeout():
    if connection.vendor != "postgresql":
        assert connection.vendor == "sqlite"  # SQLite waits for its write lock (timeout 20 s)
        return
    with connection.cursor() as cursor:
        cursor.execute("SHOW lock_timeout")
        assert cursor.fetchone()[0] == "10s"
        cursor.execute("SHOW idle_in_transaction_session_timeout")
        assert cursor.fetchone()[0] == "1min"


def test_the_wsgi_entry_point_marks_its_process_as_web():
    text = (ROOT / "foi_tracker" / "wsgi.py").read_text()
    assert 'os.environ.setdefault("FOI_PROCESS", "web")' in text
    assert text.index("FOI_PROCESS") < text.index("get_wsgi_application()")
