"""Test overrides: fast hashing, in-memory mail, eager Celery (tests only, never base settings)."""

import tempfile
from pathlib import Path

from foi_tracker.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_BROKER_URL = "memory://"
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="foi-test-media-"))
STATIC_ROOT = Path(tempfile.mkdtemp(prefix="foi-test-static-"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# A session is renewed once an hour here, not once a minute: tests that compare the query counts
# of two requests never see a renewal's UPDATE in one of them (tests of renewal set their own).
SESSION_RENEW_SECONDS = 3600
