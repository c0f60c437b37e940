from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "FOI tracker administration"
admin.site.site_title = "FOI tracker admin"

handler400 = "requests_app.views.errors.bad_request"
handler403 = "requests_app.views.errors.permission_denied"
handler404 = "requests_app.views.errors.page_not_found"
handler500 = "requests_app.views.errors.server_error"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("accounts.urls")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("", include("requests_app.urls")),
    path("", include("figures_app.urls")),
]
