"""The Celery app: the standard Django integration, configured from CELERY_* settings.

Run a worker and the beat scheduler with `celery -A foi_tracker worker` and
`celery -A foi_tracker beat` (the Procfile starts both beside the web server).
"""

import os
from pathlib import Path

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "foi_tracker.settings")

app = Celery("foi_tracker")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def ensure_broker_folders() -> None:
    """Create the filesystem broker's folders: kombu lists them but never creates them."""
    if not str(app.conf.broker_url or "").startswith("filesystem://"):
        return
    options = app.conf.broker_transport_options or {}
    for key in ("data_folder_in", "data_folder_out", "processed_folder", "control_folder"):
        if options.get(key):
            Path(options[key]).mkdir(parents=True, exist_ok=True)


# Every process that touches the broker (web enqueuing, worker, beat) imports this module, so
# creating the folders here means the zero-configuration run needs no setup step.
ensure_broker_folders()
