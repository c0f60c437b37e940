from django.apps import AppConfig
from django.db import connections
from django.db.models.signals import post_migrate, pre_migrate


def _drop_has_figures_triggers(sender, using, **kwargs) -> None:
    from figures_app import has_figures

    has_figures.remove(connections[using])


def _create_has_figures_triggers(sender, using, **kwargs) -> None:
    from figures_app import has_figures

    connection = connections[using]
    if has_figures.installable(connection):
        has_figures.install(connection)


class FiguresAppConfig(AppConfig):
    name = "figures_app"
    verbose_name = "Figures"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # FoiRequest.has_figures is kept by triggers that no migration may see (SQLite's table
        # rebuilds would drop or break them): off for a migrate, on again after it.
        pre_migrate.connect(_drop_has_figures_triggers, sender=self)
        post_migrate.connect(_create_has_figures_triggers, sender=self)
        # Register the import tasks in every process (web too: services queue them by name,
        # and Celery's autodiscovery only imports task modules when a worker starts).
        from figures_app import tasks  # noqa: F401
