from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Sign-in: two-factor and login throttle"
    default_auto_field = "django.db.models.BigAutoField"
