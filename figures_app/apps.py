from django.apps import AppConfig


class FiguresAppConfig(AppConfig):
    name = "figures_app"
    verbose_name = "Figures"
    default_auto_field = "django.db.models.BigAutoField"
