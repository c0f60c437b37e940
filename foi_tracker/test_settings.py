"""Test overrides: fast hashing, in-memory mail, eager Celery (tests only, never base settings)."""

import atexit
import os
import shutil
import tempfile
from pathlib import Path

# DEBUG is off by default and the development key is refused then: the tests have a key of
# their own (subprocesses the tests start inherit it).
os.environ.setdefault("SECRET_KEY", "test-only-secret-key-never-used-by-any-site")

from foi_tracker.settings import *  # noqa: E402, F403

ALLOWED_HOSTS = [*ALLOWED_HOSTS, "testserver"]  # noqa: F405 (Django's test client's host)
# The test client and the browser tests' live server speak plain http.
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_BROKER_URL = "memory://"
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="foi-test-media-"))
STATIC_ROOT = Path(tempfile.mkdtemp(prefix="foi-test-static-"))
STORAGES = {
    **STORAGES,  # noqa: F405 (the files' storages as configured: local folders, or S3)
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
if STORAGES["backups"]["BACKEND"].endswith("FileSystemStorage"):
    _backups = Path(tempfile.mkdtemp(prefix="foi-test-backups-"))
    STORAGES["backups"] = {**STORAGES["backups"], "OPTIONS": {"location": str(_backups)}}
# A session is renewed once an hour here, not once a minute: tests that compare the query counts
# of two requests never see a renewal's UPDATE in one of them (tests of renewal set their own).
SESSION_RENEW_SECONDS = 3600

# SQLite tests use a database file, not memory: with an in-memory database the browser tests'
# live server shares the test thread's one connection across all its request threads (Django
# does that so they see the same data), and a transaction one thread leaves open is every
# thread's. A file gives each thread its own connection, as on PostgreSQL. In memory-backed
# /dev/shm where there is one, so the file costs no disk writes.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    _shm = Path("/dev/shm")
    _folder = tempfile.mkdtemp(prefix="foi-test-db-", dir=_shm if _shm.is_dir() else None)
    atexit.register(shutil.rmtree, _folder, ignore_errors=True)
    DATABASES["default"]["TEST"] = {"NAME": str(Path(_folder) / "test.sqlite3")}  # noqa: F405

# The database cache always, whatever CACHE_URL the shell has: its table is in each test
# database, so one test's entries go with its transaction and never reach another worker's.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "foi_cache",
    }
}
