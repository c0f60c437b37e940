"""What the bench scripts share: the --use-database-url option, starting Django on either that
database or a fresh SQLite file in a temporary folder, and a test client signed in past the
second factor."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def add_database_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--use-database-url",
        action="store_true",
        help="Use DATABASE_URL as configured instead of a temporary SQLite file.",
    )


def start_django(args: argparse.Namespace) -> None:
    """Without --use-database-url nothing outside a temporary folder is touched."""
    if not args.use_database_url:
        os.environ.pop("DATABASE_URL", None)
        os.environ["FOI_DATA_DIR"] = tempfile.mkdtemp(prefix="foi-bench-")
    # The site as deployed plus the bench's own views (the bare view, the totals floor).
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "loadsite.settings")
    os.environ.setdefault("DEBUG", "true")
    # The in-process measurements use Django's test client, whose host is "testserver" (no
    # longer in the site's default ALLOWED_HOSTS).
    os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")

    import django

    django.setup()


def signed_in_client(username: str):
    """A test client signed in as `username`, past the two-factor step as the tests do (a
    reviewer must pass it on every page): sign-in is not what is measured."""
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    user = get_user_model().objects.get(username=username)
    device, _ = TOTPDevice.objects.get_or_create(
        user=user, name="bench", defaults={"confirmed": True}
    )
    client = Client()
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client
