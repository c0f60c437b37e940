from django.urls import path

from accounts import views

urlpatterns = [
    # Before django.contrib.auth.urls (included after this file, under the same prefix), so
    # that this login page, with the slowdown's message, answers /accounts/login/.
    path("login/", views.LoginView.as_view(), name="login"),
    path("two-factor/", views.verify, name="two_factor_verify"),
    path("two-factor/set-up/", views.enrol, name="two_factor_enrol"),
    path("two-factor/recovery-codes/", views.recovery_codes, name="two_factor_recovery_codes"),
]
