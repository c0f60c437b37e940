from django.urls import path

from figures_app.views import cells, imports, metrics, releases, requests, review, series, totals

urlpatterns = [
    path("figures/review/", review.review_queue, name="figures_review_queue"),
    path("figures/review/approve/", review.figures_approve_many_view, name="figures_approve_many"),
    path("figures/sent-back/", review.sent_back_to_you, name="figures_sent_back_to_you"),
    path("figures/requests/<int:pk>/", requests.request_figures, name="figures_request"),
    path(
        "figures/requests/<int:pk>/save/",
        requests.request_figures_save,
        name="figures_request_save",
    ),
    path("figures/requests/<int:pk>/approve/", review.figures_approve_view, name="figures_approve"),
    path(
        "figures/requests/<int:pk>/send-back/",
        review.figures_send_back_view,
        name="figures_send_back",
    ),
    path(
        "figures/requests/<int:pk>/resubmit/", review.figures_resubmit_view, name="figures_resubmit"
    ),
    path("figures/attachments/<int:pk>/cells/", cells.attachment_cells, name="figures_cells"),
    path("figures/<int:pk>/edit/", requests.figure_edit, name="figures_figure_edit"),
    path("figures/<int:pk>/source/", cells.figure_source, name="figures_figure_source"),
    path("campaigns/<slug:slug>/totals/", totals.campaign_totals, name="figures_campaign_totals"),
    path("campaigns/<slug:slug>/totals.csv", totals.totals_csv, name="figures_totals_csv"),
    path("campaigns/<slug:slug>/metrics/", metrics.metrics, name="figures_metrics"),
    path("campaigns/<slug:slug>/figures.csv", imports.export_csv, name="figures_export_csv"),
    path("campaigns/<slug:slug>/figures.xlsx", imports.export_xlsx, name="figures_export_xlsx"),
    path("campaigns/<slug:slug>/figures/import/", imports.import_upload, name="figures_import"),
    path(
        "campaigns/<slug:slug>/figures/import/template.csv",
        imports.import_template_csv,
        name="figures_import_template_csv",
    ),
    path(
        "campaigns/<slug:slug>/figures/import/template.xlsx",
        imports.import_template_xlsx,
        name="figures_import_template_xlsx",
    ),
    path(
        "campaigns/<slug:slug>/figures/import/<int:pk>/",
        imports.import_preview,
        name="figures_import_preview",
    ),
    path(
        "campaigns/<slug:slug>/figures/import/<int:pk>/status/",
        imports.import_status,
        name="figures_import_status",
    ),
    path(
        "campaigns/<slug:slug>/figures/import/<int:pk>/confirm/",
        imports.import_confirm,
        name="figures_import_confirm",
    ),
    path("api/campaigns/<slug:slug>/totals/", totals.totals_api, name="figures_totals_api"),
    path("series/", series.series_list, name="figures_series_list"),
    path("series/<slug:slug>/", series.series_page, name="figures_series"),
    path("series/<slug:slug>/series.csv", series.series_csv, name="figures_series_csv"),
    path("series/<slug:slug>/series.xlsx", series.series_xlsx, name="figures_series_xlsx"),
    path("series/<slug:slug>/series.json", series.series_json_file, name="figures_series_json"),
    path("api/series/<slug:slug>/totals/", series.series_api, name="figures_series_api"),
    # Releases: public pages (no login; see views/releases.py), then the staff side.
    path("releases/<slug:slug>/", releases.release_public, name="release_public"),
    path("releases/<slug:slug>/preview/", releases.release_preview, name="release_preview"),
    path("releases/<slug:slug>/v<int:number>/", releases.release_version, name="release_version"),
    path(
        "releases/<slug:slug>/v<int:number>/release.<str:fmt>",
        releases.release_download,
        name="release_download",
    ),
    path(
        "releases/<slug:slug>/v<int:number>/charts/<slug:metric>/<slug:chart>.<str:fmt>",
        releases.release_chart,
        name="release_chart",
    ),
    path(
        "releases/<slug:slug>/v<int:number>/<str:code>/",
        releases.release_version_force,
        name="release_version_force",
    ),
    path("releases/<slug:slug>/<str:code>/", releases.release_force, name="release_force"),
    path("api/releases/<slug:slug>/", releases.release_api, name="release_api"),
    path(
        "campaigns/<slug:slug>/releases/",
        releases.campaign_release_list,
        name="campaign_release_list",
    ),
    path("campaigns/<slug:slug>/releases/new/", releases.release_prepare, name="release_prepare"),
    path(
        "campaigns/<slug:slug>/releases/groupings/",
        releases.campaign_groupings,
        name="campaign_groupings",
    ),
]
