#!/usr/bin/env python
import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "foi_tracker.settings")
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    # Read the settings before Django does: it swallows their error and fails later with
    # "Models aren't loaded yet", which names nothing a person can fix.
    try:
        settings.INSTALLED_APPS  # noqa: B018
    except ImproperlyConfigured as exc:
        sys.exit(
            f"{exc}\nOn this machine's demo: `source scripts/demo_env.sh` first; for development "
            "with Django's debug pages: DEBUG=true."
        )
    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
