"""What figures_app registers in requests_app.hooks (see FiguresAppConfig.ready)."""

from __future__ import annotations

from datetime import date

from django.template.loader import render_to_string
from django.urls import reverse

from figures_app.demo import demo_extension  # noqa: F401 - registered in apps.py
from figures_app.services.metrics import metrics_apply, metrics_validate  # noqa: F401 - registered in apps.py
from requests_app.text import plural


def campaign_links(campaign) -> list[tuple[str, str]]:
    return [
        ("Totals", reverse("figures_campaign_totals", args=[campaign.slug])),
        ("Metrics", reverse("figures_metrics", args=[campaign.slug])),
        ("Import figures", reverse("figures_import", args=[campaign.slug])),
        ("Export figures (CSV)", reverse("figures_export_csv", args=[campaign.slug])),
        ("Export figures and totals (XLSX)", reverse("figures_export_xlsx", args=[campaign.slug])),
    ]


def request_section(http_request, foi) -> str:
    from figures_app.views.requests import request_section_context

    context = request_section_context(http_request, foi)
    return render_to_string("figures_app/_request_section.html", context, request=http_request)


def force_section(http_request, force) -> str:
    from figures_app.selectors.forces import force_figures

    return render_to_string(
        "figures_app/_force_figures.html", {"blocks": force_figures(force)}, request=http_request
    )


def series_link(campaign) -> list[tuple[str, str]]:
    """A campaign in a series links to the series page (issue 14)."""
    if not campaign.series_id:
        return []
    return [("Series over the years", reverse("figures_series", args=[campaign.series.slug]))]


def force_series_section(http_request, force) -> str:
    """A force's lines in each series: its figure per period, revisions marked (issue 14)."""
    from django.utils import timezone

    from figures_app.selectors.series import force_series_lines

    lines = force_series_lines(force, today=timezone.localdate())
    if not lines:
        return ""
    return render_to_string(
        "figures_app/_force_series.html",
        {"lines": [_force_line(line) for line in lines], "force": force},
        request=http_request,
    )


def _force_line(line) -> dict:
    from figures_app.series_output import state_text

    periods = line.totals.periods
    cells = (
        [(line.row.cell(p), state_text(line.row.cell(p).state)) for p in periods]
        if line.row
        else []
    )
    return {"totals": line.totals, "row": line.row, "periods": periods, "cells": cells}


def campaign_form_section(campaign, data=None):
    from figures_app.metrics_form import metrics_section

    return metrics_section(campaign, data)


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


def _review_item(review, detail: str) -> dict:
    return _digest_item(review.request, detail)


def dashboard_sections(user, today: date) -> list:
    """The dashboard's "Needs you" lists of figures: waiting for this person's review (reviewers;
    never their own entries, per reviews_awaiting), sent back to them with the reviewer's note,
    and answered requests with no figures yet (staff). The same selectors as the digest's
    sections, as querysets the dashboard paginates."""
    from figures_app.selectors.review import reviews_awaiting, sent_back_to
    from figures_app.selectors.to_enter import figures_to_enter
    from requests_app.hooks import DashboardSection
    from requests_app.roles import can_edit, can_review

    sections = []
    if can_review(user):
        sections.append(
            DashboardSection(
                key="review",
                title="Figures waiting for your review",
                items=reviews_awaiting(user),
                item=lambda review: _review_item(
                    review,
                    f"{plural(review.n_figures, 'figure')} entered by "
                    f"{review.submitted_by.get_username() if review.submitted_by else 'someone'}"
                    + (f" on {review.submitted_at:%-d %b %Y}" if review.submitted_at else ""),
                ),
                url=reverse("figures_review_queue"),
                url_label="Open the review queue",
            )
        )
    if can_edit(user):
        sections.append(
            DashboardSection(
                key="sent_back",
                title="Figures sent back to you",
                items=sent_back_to(user),
                item=lambda review: _review_item(
                    review,
                    f"{review.reviewed_by.get_username() if review.reviewed_by else 'A reviewer'}"
                    f": {review.comment}",
                ),
                url=reverse("figures_sent_back_to_you"),
                url_label="Open the list",
            )
        )
        sections.append(
            DashboardSection(
                key="to_enter",
                title="Answered: figures to enter",
                items=figures_to_enter(user),
                item=lambda foi: (
                    _digest_item(
                        foi,
                        f"{foi.get_outcome_display()} on {foi.answered_on:%-d %b %Y}; "
                        "no figures entered yet",
                    )
                    | {"url": reverse("request_detail", args=[foi.pk]) + "#figures"}
                ),
            )
        )
    return sections
