"""The dashboard: requests_app's page with the figures' lists in its "Needs you"."""

from __future__ import annotations

from datetime import date

from django.urls import reverse

from figures_app.selectors.review import reviews_awaiting, sent_back_to
from figures_app.selectors.to_enter import figures_to_enter
from foi_tracker.items import request_item
from requests_app.needs_you import DashboardSection
from requests_app.roles import can_edit, can_review
from requests_app.text import long_date, plural
from requests_app.views import dashboard as tracking


def figure_sections(user, today: date) -> list[DashboardSection]:
    """Waiting for this person's review (reviewers; never their own entries, per
    reviews_awaiting), sent back to them with the reviewer's note, and answered requests with no
    figures yet (staff). The digest's selectors, as querysets the dashboard paginates."""
    sections = []
    if can_review(user):
        sections.append(
            DashboardSection(
                key="review",
                title="Figures waiting for your review",
                items=reviews_awaiting(user),
                item=lambda review: request_item(
                    review.request,
                    f"{plural(review.n_figures, 'figure')} entered by "
                    f"{review.submitted_by.get_username() if review.submitted_by else 'someone'}"
                    + (f" on {long_date(review.submitted_at)}" if review.submitted_at else ""),
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
                item=lambda review: request_item(
                    review.request,
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
                    request_item(
                        foi,
                        f"{foi.get_outcome_display()} on {long_date(foi.answered_on)}; "
                        "no figures entered yet",
                    )
                    | {"url": reverse("request_detail", args=[foi.pk]) + "#figures"}
                ),
            )
        )
    return sections


def dashboard(request):
    return tracking.dashboard(request, figure_sections=figure_sections)
