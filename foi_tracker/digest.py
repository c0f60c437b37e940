"""The figures' sections of the morning staff digest, after requests_app's own: what waits for
this person's review, and what a reviewer sent back to them. The same selectors as the
dashboard's lists (foi_tracker/pages/dashboard.py), the first 50 of each."""

from __future__ import annotations

from datetime import date

from figures_app.selectors.review import reviews_awaiting, sent_back_to
from foi_tracker.items import request_item
from requests_app.roles import can_edit, can_review
from requests_app.selectors.reminder_digests import DigestSection
from requests_app.text import long_date, plural

ITEMS_PER_SECTION = 50


def waiting_for_review(user, today: date) -> list[dict]:
    if not can_review(user):
        return []
    return [
        request_item(
            review.request,
            f"{plural(review.n_figures, 'figure')} entered by "
            f"{review.submitted_by.get_username() if review.submitted_by else 'someone'}"
            + (f" on {long_date(review.submitted_at)}" if review.submitted_at else ""),
        )
        for review in reviews_awaiting(user)[:ITEMS_PER_SECTION]
    ]


def sent_back(user, today: date) -> list[dict]:
    if not can_edit(user):
        return []
    return [
        request_item(
            review.request,
            f"{review.reviewed_by.get_username() if review.reviewed_by else 'A reviewer'}: "
            f"{review.comment[:200]}",
        )
        for review in sent_back_to(user)[:ITEMS_PER_SECTION]
    ]


# In this order, after requests_app's sections; passed to every reminders service that works
# out or renders a digest (foi_tracker/tasks.py, the send_reminders command).
FIGURE_SECTIONS: tuple[DigestSection, ...] = (
    ("Sent back to you", sent_back),
    ("Figures waiting for your review", waiting_for_review),
)
