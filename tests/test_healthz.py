"""`/healthz` (issue 29): 200 only when the database, the broker and the storage answer; 503
naming each that does not, with no login and no data."""

from __future__ import annotations

import boto3
import pytest
from django.db import OperationalError
from moto import mock_aws

from foi_tracker import health
from foi_tracker.celery import app

S3 = "storages.backends.s3.S3Storage"


def s3_storages(bucket: str) -> dict:
    options = {"bucket_name": bucket, "region_name": "eu-west-2"}
    return {
        "default": {"BACKEND": S3, "OPTIONS": options},
        "quarantine": {"BACKEND": S3, "OPTIONS": {**options, "location": "quarantine"}},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def aws(monkeypatch):
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, "testing")
    with mock_aws():
        yield boto3.client("s3", region_name="eu-west-2")


@pytest.mark.django_db
def test_it_answers_ok_with_no_login_when_everything_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok", "storage": "ok"}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_it_says_the_database_failed(client, monkeypatch):
    def broken():
        raise OperationalError("connection refused")

    monkeypatch.setitem(health.CHECKS, "database", broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "failed: database"
    assert body["database"] == "failed (OperationalError)"
    assert "refused" not in response.content.decode()  # the kind of fault, not its message
    assert body["broker"] == body["storage"] == "ok"


@pytest.mark.django_db
def test_it_checks_the_database_for_real(monkeypatch):
    from django.db import connection

    def refuse(*args, **kwargs):
        raise OperationalError("server closed the connection")

    monkeypatch.setattr(connection, "cursor", refuse)
    with pytest.raises(OperationalError):
        health.check_database()


@pytest.mark.django_db
def test_it_says_the_broker_failed_within_seconds(client, monkeypatch):
    # Nothing listens on port 1: the connection is refused, and the check gives up quickly.
    monkeypatch.setattr(app.conf, "broker_url", "redis://127.0.0.1:1/13")
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["status"] == "failed: broker"
    assert response.json()["broker"].startswith("failed (")


@pytest.mark.django_db
def test_it_says_the_storage_failed_when_the_bucket_is_missing(client, settings, aws):
    settings.STORAGES = s3_storages("no-such-bucket")
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["status"] == "failed: storage"


@pytest.mark.django_db
def test_it_answers_ok_on_an_s3_store(client, settings, aws):
    aws.create_bucket(
        Bucket="foi-files", CreateBucketConfiguration={"LocationConstraint": "eu-west-2"}
    )
    settings.STORAGES = s3_storages("foi-files")
    response = client.get("/healthz")
    assert response.status_code == 200, response.json()


@pytest.mark.django_db
def test_it_names_every_service_that_failed(client, monkeypatch, settings, aws):
    monkeypatch.setattr(app.conf, "broker_url", "redis://127.0.0.1:1/13")
    settings.STORAGES = s3_storages("no-such-bucket")
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["status"] == "failed: broker, storage"


@pytest.mark.django_db
def test_it_refuses_anything_but_get(client):
    assert client.post("/healthz").status_code == 405
