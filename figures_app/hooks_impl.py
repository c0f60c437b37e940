"""What figures_app registers in requests_app.hooks (see FiguresAppConfig.ready)."""

from __future__ import annotations

from datetime import date

from django.urls import reverse

from figures_app.demo import demo_extension  # noqa: F401 - registered in apps.py
from figures_app.services.metrics import metrics_apply
from requests_app.text import plural


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


def _digest_item(foi, detail: str) -> dict:
    return {
        "label": foi.force.name,
        "url": reverse("request_detail", args=[foi.pk]),
        "detail": detail,
        "campaign": foi.campaign.title,
        "campaign_url": reverse("campaign_detail", args=[foi.campaign.slug]),
    }


def digest_waiting_for_review(user, today: date) -> list[dict]:
    from figures_app.selectors.review import reviews_awaiting
    from requests_app.roles import can_review

    if not can_review(user):
        return []
    return [
        _digest_item(
            review.request,
            f"{plural(review.n_figures, 'figure')} entered by "
            f"{review.submitted_by.get_username() if review.submitted_by else 'someone'}"
            + (f" on {review.submitted_at:%d %b %Y}" if review.submitted_at else ""),
        )
        for review in reviews_awaiting(user)[:50]
    ]


def digest_sent_back(user, today: date) -> list[dict]:
    from figures_app.selectors.review import sent_back_to
    from requests_app.roles import can_edit

    if not can_edit(user):
        return []
    return [
        _digest_item(
            review.request,
            f"{review.reviewed_by.get_username() if review.reviewed_by else 'A reviewer'}: "
            f"{review.comment[:200]}",
        )
        for review in sent_back_to(user)[:50]
    ]
