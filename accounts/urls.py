from django.urls import path

from accounts import views

urlpatterns = [
    path("two-factor/", views.verify, name="two_factor_verify"),
    path("two-factor/set-up/", views.enrol, name="two_factor_enrol"),
    path("two-factor/recovery-codes/", views.recovery_codes, name="two_factor_recovery_codes"),
]
