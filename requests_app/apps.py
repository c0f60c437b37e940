from django.apps import AppConfig


class RequestsAppConfig(AppConfig):
    name = "requests_app"
    verbose_name = "FOI requests"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Register the tasks in every process (web too: services queue the send task by name,
        # and Celery's autodiscovery only imports task modules when a worker starts).
        from requests_app import tasks  # noqa: F401
        from requests_app.hooks import DASHBOARD_SECTIONS, register_digest_section
        from requests_app.selectors.quarantine import (
            DIGEST_SECTION,
            dashboard_sections,
            digest_quarantined,
        )

        # "Files quarantined" (issue 13) in the morning digest and the dashboard, through the
        # same hooks as figures_app's sections, so neither's own code needs a change.
        register_digest_section(DIGEST_SECTION, digest_quarantined)
        DASHBOARD_SECTIONS.append(dashboard_sections)
