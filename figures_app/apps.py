from django.apps import AppConfig


class FiguresAppConfig(AppConfig):
    name = "figures_app"
    verbose_name = "Figures"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Register the import tasks in every process (web too: services queue them by name,
        # and Celery's autodiscovery only imports task modules when a worker starts).
        from figures_app import tasks  # noqa: F401
