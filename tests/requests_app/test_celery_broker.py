"""A real Celery worker against a real broker: a task round trip and the daily job.

Skipped unless CELERY_TEST_BROKER_URL is set (redis://127.0.0.1:6379/15 in CI, or filesystem://);
.ci/broker_check.sh runs it. The worker runs in a subprocess with the production settings module
(not the eager test settings), its own database (a throwaway database on the DATABASE_URL
server when that is PostgreSQL, as in CI; otherwise SQLite), its own mail folder under a
temporary data folder, and its own queue, so other workers on the same broker cannot take its
tasks.
"""

import json
import os
import signal
import subprocess
import sys
import uuid
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from celery import Celery
from django.conf import settings
from django.utils import timezone

from requests_app.deadlines import WorkingCalendar
from requests_app.selectors.reminder_chasers import chaser_dates

pytestmark = pytest.mark.broker

BROKER_URL = os.environ.get("CELERY_TEST_BROKER_URL", "")
ROOT = Path(settings.BASE_DIR)
FORCES = ["Kent Police", "Essex Police"]

if not BROKER_URL:
    pytest.skip("set CELERY_TEST_BROKER_URL to run the broker check", allow_module_level=True)


def broker_folders(data: Path) -> dict:
    # The same folders foi_tracker/settings.py derives from FOI_DATA_DIR.
    broker = data / "broker"
    return {
        "data_folder_in": str(broker / "queue"),
        "data_folder_out": str(broker / "queue"),
        "processed_folder": str(broker / "processed"),
        "store_processed": False,
        "control_folder": str(broker / "control"),
    }


class ThrowawayDatabase:
    """A fresh PostgreSQL database beside the one DATABASE_URL names, dropped afterwards."""

    def __init__(self, server_url: str) -> None:
        self.name = f"foi_broker_check_{uuid.uuid4().hex[:8]}"
        parts = urlsplit(server_url)
        self.admin_url = server_url
        self.url = urlunsplit(parts._replace(path=f"/{self.name}"))
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{self.name}"')

    def drop(self) -> None:
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


class Project:
    """The project run as a deployment would run it, under a temporary data folder."""

    def __init__(self, data: Path) -> None:
        self.data = data
        self.mail = data / "mail"
        self.queue = f"broker-check-{uuid.uuid4().hex[:8]}"
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "foi_tracker.settings",
            "FOI_DATA_DIR": str(data),
            "CELERY_BROKER_URL": BROKER_URL,
            "CELERY_RESULT_BACKEND": f"file://{data / 'results'}",
            "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "EMAIL_FILE_PATH": str(self.mail),
            "PYTHONUNBUFFERED": "1",
        }
        # Its own database: never one that other tests or people use.
        server_url = self.env.pop("DATABASE_URL", "")
        self.database = None
        if server_url.startswith(("postgres://", "postgresql://")):
            self.database = ThrowawayDatabase(server_url)
            self.env["DATABASE_URL"] = self.database.url
        (data / "results").mkdir(parents=True, exist_ok=True)
        for folder in broker_folders(data).values():
            if isinstance(folder, str):
                Path(folder).mkdir(parents=True, exist_ok=True)
        self.worker: subprocess.Popen | None = None
        self.log = data / "worker.log"

    def manage(self, *args: str) -> str:
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout

    def start_worker(self) -> None:
        self.worker = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "foi_tracker",
                "worker",
                "--pool",
                "solo",
                "--loglevel",
                "INFO",
                "--without-gossip",
                "--without-mingle",
                "-Q",
                self.queue,
                "-n",
                f"{self.queue}@%h",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=self.log.open("wb"),
            stderr=subprocess.STDOUT,
        )

    def stop_worker(self) -> None:
        if self.worker and self.worker.poll() is None:
            self.worker.send_signal(signal.SIGTERM)
            try:
                self.worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.worker.kill()
                self.worker.wait()

    def client(self) -> Celery:
        client = Celery(
            "broker-check", broker=BROKER_URL, backend=self.env["CELERY_RESULT_BACKEND"]
        )
        client.conf.update(
            task_serializer="json",
            result_serializer="json",
            accept_content=["json"],
            task_default_queue=self.queue,
        )
        if BROKER_URL.startswith("filesystem://"):
            client.conf.broker_transport_options = broker_folders(self.data)
        return client

    def worker_log(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    data = tmp_path_factory.mktemp("broker-check")
    project = Project(data)
    try:
        project.manage("migrate", "--noinput")
        project.start_worker()
        yield project
    finally:
        project.stop_worker()
        if project.database:
            project.database.drop()


def call(project: Project, name: str, **kwargs):
    result = project.client().send_task(name, kwargs=kwargs, queue=project.queue)
    try:
        return result.get(timeout=90)
    except Exception:
        print(project.worker_log())
        raise


def test_a_task_goes_through_the_broker_to_a_worker_and_back(project):
    assert call(project, "requests_app.ping") == "pong"
    assert "requests_app.ping" in project.worker_log()


def test_the_daily_job_runs_on_the_worker_and_sends_each_chaser_once(project):
    # A campaign sent some weeks ago, so that its chasers are owed on a day we choose.
    sent_on = timezone.localdate() - timedelta(days=60)
    campaign = {
        "slug": "broker-check",
        "title": "Broker check",
        "request_text": "Dear {force_name}, how many in {periods}?",
        "forces": FORCES,
        "periods": [{"label": "2024/25", "start": "2024-04-01", "end": "2025-03-31"}],
        "sent_on": sent_on.isoformat(),
        "chase_forces": True,
    }
    (project.data / "campaign.json").write_text(json.dumps(campaign))
    (project.data / "forces.csv").write_text(
        "force,foi_email\n"
        + "".join(f"{name},foi{i}@example.org\n" for i, name in enumerate(FORCES))
    )
    project.manage("load_campaign", str(project.data / "campaign.json"))
    project.manage("update_forces", str(project.data / "forces.csv"))
    cal = WorkingCalendar("foia")
    first, _ = chaser_dates(cal.add_working_days(sent_on, 20), 10, cal)

    counts = call(project, "requests_app.send_daily_reminders", day=first.isoformat())
    assert counts["chaser_1"] == len(FORCES) and counts["failed"] == 0
    assert len(list(project.mail.glob("*.log"))) == len(FORCES)

    again = call(project, "requests_app.send_daily_reminders", day=first.isoformat())
    assert sum(again.values()) == 0
    assert len(list(project.mail.glob("*.log"))) == len(FORCES)
