"""What figures_app registers in requests_app.hooks (see FiguresAppConfig.ready)."""

from __future__ import annotations

from figures_app.demo import demo_extension  # noqa: F401 - registered in apps.py
from figures_app.services.metrics import metrics_apply


def campaign_copied(source, campaign, actor) -> None:
    """A campaign run again (requests_app/services/series.py): the same metrics, with their
    dimensions and listed categories; categories inferred from the data are not copied (the new
    answers bring their own)."""
    from figures_app.services.metrics import DimensionSpec, MetricSpec

    specs = [
        MetricSpec(
            slug=metric.slug,
            label=metric.label,
            unit=metric.unit,
            notes=metric.notes,
            dimensions=tuple(
                DimensionSpec(
                    dim.slug,
                    dim.label,
                    None
                    if dim.inferred
                    else tuple(c.label or c.value for c in dim.categories.all()),
                )
                for dim in metric.dimensions.all()
            ),
        )
        for metric in source.metrics.prefetch_related("dimensions__categories")
    ]
    metrics_apply(campaign, specs)
