from django.contrib import admin
from django.urls import include, path

from foi_tracker.health import healthz
from foi_tracker.pages import (
    campaign_form,
    campaign_page,
    dashboard,
    force_page,
    request_page,
    run_again,
)

admin.site.site_header = "FOI tracker administration"
admin.site.site_title = "FOI tracker admin"

handler400 = "requests_app.views.errors.bad_request"
handler403 = "requests_app.views.errors.permission_denied"
handler404 = "requests_app.views.errors.page_not_found"
handler500 = "requests_app.views.errors.server_error"

urlpatterns = [
    # For load balancers: no login, no data (foi_tracker/health.py).
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("accounts/", include("accounts.urls")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("", include("requests_app.urls")),
    path("", include("figures_app.urls")),
    # The pages that show tracking and figures together (foi_tracker/pages). After the apps'
    # own: requests_app.urls registers the <action:...> converter.
    path("", dashboard.dashboard, name="dashboard"),
    path("campaigns/new/", campaign_form.campaign_new, name="campaign_new"),
    path("campaigns/<slug:slug>/", campaign_page.campaign_detail, name="campaign_detail"),
    path("campaigns/<slug:slug>/edit/", campaign_form.campaign_edit, name="campaign_edit"),
    path(
        "campaigns/<slug:slug>/run-again/",
        run_again.campaign_run_again_page,
        name="campaign_run_again",
    ),
    path("requests/<int:pk>/", request_page.request_detail, name="request_detail"),
    path("requests/<int:pk>/note/", request_page.request_note, name="request_note"),
    path(
        "requests/<int:pk>/<action:action>/",
        request_page.request_action,
        name="request_action",
    ),
    path("forces/<int:pk>/", force_page.force_detail, name="force_detail"),
]
