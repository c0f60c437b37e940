"""`/healthz` for load balancers (issue 29): 200 only when this process reaches the database, the
Celery broker and the file storage; 503 naming what failed otherwise.

No login and no data: it says "ok" or "failed" per service (and the exception's class, which
names the kind of fault, never its message, which may hold a host name or a key). Each check is
short (the broker's connection times out in a few seconds), so a load balancer polling every few
seconds takes a host out of rotation soon after it loses a service, and puts it back once it
answers again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.core.files.storage import storages
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from foi_tracker.celery import app

logger = logging.getLogger(__name__)

BROKER_TIMEOUT_SECONDS = 3
# A name no file has: asking whether it exists proves the store answers (and, on S3, that the
# credentials and bucket work) without reading or writing anything.
PROBE_NAME = "healthz-probe"


def check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def check_broker() -> None:
    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, interval_start=0.5, timeout=BROKER_TIMEOUT_SECONDS)


def check_storage() -> None:
    for alias in ("default", "quarantine"):
        storage = storages[alias]
        bucket_name = getattr(storage, "bucket_name", None)
        if bucket_name:
            # S3: asking for a missing key of a missing bucket is a plain "no"; this is not.
            storage.connection.meta.client.head_bucket(Bucket=bucket_name)
        storage.exists(PROBE_NAME)


CHECKS: dict[str, Callable[[], None]] = {
    "database": check_database,
    "broker": check_broker,
    "storage": check_storage,
}


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    results = {}
    for name, check in CHECKS.items():
        try:
            check()
        except Exception as exc:  # any fault of the service is an answer, not a 500
            logger.warning("Health check: %s failed (%s: %s)", name, type(exc).__name__, exc)
            results[name] = f"failed ({type(exc).__name__})"
        else:
            results[name] = "ok"
    failed = [name for name, result in results.items() if result != "ok"]
    body = {"status": "failed: " + ", ".join(failed) if failed else "ok", **results}
    return JsonResponse(body, status=503 if failed else 200)
