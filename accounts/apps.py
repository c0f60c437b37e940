from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Sign-in: two-factor and login throttle"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from accounts.session_renewal import stamp_on_login
        from accounts.throttle import remember_address_on_login

        user_logged_in.connect(stamp_on_login, dispatch_uid="accounts.session_renewal")
        # An address the user signs in from is exempt from the login slowdown for them.
        user_logged_in.connect(remember_address_on_login, dispatch_uid="accounts.throttle")
