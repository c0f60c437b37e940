from django.apps import AppConfig


class FoiTrackerConfig(AppConfig):
    name = "foi_tracker"
    verbose_name = "FOI tracker"

    def ready(self) -> None:
        # Register the daily reminders tasks in every process, as the apps do theirs (Celery's
        # autodiscovery only imports task modules when a worker starts).
        from foi_tracker import tasks  # noqa: F401
