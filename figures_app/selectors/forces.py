"""Reads for a force's page: the force's totals per campaign, with their review state."""

from __future__ import annotations

from figures_app.models import Figure, FigureReview, FigureSource, describe_figure
from requests_app.models import Force


def force_figures(force: Force) -> list[dict]:
    """[{"campaign", "request", "review" (FigureReview or None), "figures": [{"metric",
    "period", "text"}]}], newest campaign first, totals only (the breakdowns are on the request
    page). One query however many campaigns."""
    figures = (
        Figure.objects.filter(request__force=force, category_key="")
        .select_related("metric", "period", "request__campaign", "request__figure_review")
        .order_by(
            "-request__campaign__created_at",
            "request_id",
            "metric__position",
            "metric_id",
            "period__position",
            "period__start",
        )
    )
    blocks: dict[int, dict] = {}
    for figure in figures:
        foi = figure.request
        if foi.pk not in blocks:
            try:
                review = foi.figure_review
            except FigureReview.DoesNotExist:
                review = None
            blocks[foi.pk] = {
                "campaign": foi.campaign,
                "request": foi,
                "review": review,
                "figures": [],
            }
        blocks[foi.pk]["figures"].append(
            {
                "metric": figure.metric.label,
                "period": figure.period.label,
                "text": describe_figure(figure.state()),
                "published": figure.source == FigureSource.PUBLISHED,
            }
        )
    return list(blocks.values())
