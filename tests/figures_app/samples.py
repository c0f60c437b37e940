"""Sample objects for tests/test_permissions.py (the lead's URL walk), so every figures URL can
be filled in. Usage there:

    from tests.figures_app.samples import FIGURES_REVIEWER_ONLY, figures_by_view
    REVIEWER_ONLY = FIGURES_REVIEWER_ONLY
    ...in the `samples` fixture:  by_view.update(figures_by_view(campaign, staff, foi))
"""

from figures_app.models import Figure, FigureImport
from figures_app.readers import Row
from figures_app.services.figures import figures_apply
from figures_app.services.imports import build_cells
from figures_app.services.metrics import DimensionSpec, MetricSpec, metric_save
from requests_app.models import Campaign, Series

# Pages a staff member without the reviewer role gets 403 on (GET).
FIGURES_REVIEWER_ONLY = {"figures_review_queue"}


def figures_by_view(campaign, staff, foi) -> dict[str, dict]:
    """Give the campaign a metric and `foi` one figure; return {url name: kwargs}."""
    metric_save(
        campaign=campaign,
        spec=MetricSpec(
            "offences",
            "Offences",
            "offences",
            "",
            (DimensionSpec("victim_age", "Victim age", None),),
        ),
    )
    period = campaign.periods.first()
    cells, index = build_cells(
        campaign=campaign,
        columns=["force", "period", "metric", "value"],
        rows=[
            Row(
                2,
                {
                    "force": foi.force.name,
                    "period": period.label,
                    "metric": "offences",
                    "value": "12",
                },
            )
        ],
        source="sample",
    )
    figures_apply(campaign=campaign, actor=staff, cells=cells, index=index)
    batch = FigureImport.objects.create(
        campaign=campaign,
        filename="sample.csv",
        uploaded_by=staff,
        data=f"force,period,metric,value\n{foi.force.name},{period.label},offences,13\n".encode(),
    )
    figure = Figure.objects.get(request=foi)
    # Read from the request's file, when it has one (figures_figure_source opens it).
    Figure.objects.filter(pk=figure.pk).update(attachment=foi.attachments.first(), location="B2")
    # A series holding the campaign (issue 14), for the series pages and API.
    series = Series.objects.create(slug="sample-series", title="Sample series")
    Campaign.objects.filter(pk=campaign.pk).update(series=series)
    series_pages = {
        name: {"slug": series.slug}
        for name in (
            "figures_series",
            "figures_series_csv",
            "figures_series_xlsx",
            "figures_series_json",
            "figures_series_api",
        )
    }
    return series_pages | {
        "figures_request": {"pk": foi.pk},
        "figures_request_save": {"pk": foi.pk},
        "figures_approve": {"pk": foi.pk},
        "figures_send_back": {"pk": foi.pk},
        "figures_resubmit": {"pk": foi.pk},
        "figures_figure_edit": {"pk": figure.pk},
        "figures_figure_source": {"pk": figure.pk},
        "figures_import_preview": {"slug": campaign.slug, "pk": batch.pk},
        "figures_import_status": {"slug": campaign.slug, "pk": batch.pk},
        "figures_import_confirm": {"slug": campaign.slug, "pk": batch.pk},
    }
