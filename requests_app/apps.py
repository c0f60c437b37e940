from django.apps import AppConfig


class RequestsAppConfig(AppConfig):
    name = "requests_app"
    verbose_name = "FOI requests"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Register the tasks in every process (web too: services queue the send task by name,
        # and Celery's autodiscovery only imports task modules when a worker starts).
        from requests_app import tasks  # noqa: F401
