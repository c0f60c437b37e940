from django.urls import path

from figures_app import views

urlpatterns = [
    path("figures/review/", views.review_queue, name="figures_review_queue"),
    path("figures/requests/<int:pk>/", views.request_figures, name="figures_request"),
    path(
        "figures/requests/<int:pk>/save/", views.request_figures_save, name="figures_request_save"
    ),
    path("figures/requests/<int:pk>/approve/", views.figures_approve_view, name="figures_approve"),
    path(
        "figures/requests/<int:pk>/send-back/",
        views.figures_send_back_view,
        name="figures_send_back",
    ),
    path(
        "figures/requests/<int:pk>/resubmit/", views.figures_resubmit_view, name="figures_resubmit"
    ),
    path("figures/<int:pk>/edit/", views.figure_edit, name="figures_figure_edit"),
    path("campaigns/<slug:slug>/totals/", views.campaign_totals, name="figures_campaign_totals"),
    path("campaigns/<slug:slug>/totals.csv", views.totals_csv, name="figures_totals_csv"),
    path("campaigns/<slug:slug>/metrics/", views.metrics, name="figures_metrics"),
    path("campaigns/<slug:slug>/figures.csv", views.export_csv, name="figures_export_csv"),
    path("campaigns/<slug:slug>/figures.xlsx", views.export_xlsx, name="figures_export_xlsx"),
    path("campaigns/<slug:slug>/figures/import/", views.import_upload, name="figures_import"),
    path(
        "campaigns/<slug:slug>/figures/import/<int:pk>/",
        views.import_preview,
        name="figures_import_preview",
    ),
    path(
        "campaigns/<slug:slug>/figures/import/<int:pk>/confirm/",
        views.import_confirm,
        name="figures_import_confirm",
    ),
    path("api/campaigns/<slug:slug>/totals/", views.totals_api, name="figures_totals_api"),
]
