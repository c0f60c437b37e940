"""The review queue's cards, one a request, written in Python rather than in the template: a
page holds twenty, each some fifty template variables, tags and forms, and once their figures
came from the cache (review_blocks.py) resolving those was most of the page's time at scale 100
(docs/benchmarks.md). The markup is the template's as it was; every value is escaped here.

Each item is a dict as the view builds it: review, foi, n_figures, rows_html (written by
review_rows.figure_rows_html), warnings, version, may_approve."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from django.contrib.messages import get_messages
from django.middleware.csrf import get_token
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from requests_app.text import long_datetime, plural

_FIGURES_HEAD = (
    '<thead><tr><th scope="col">Cell</th><th scope="col" class="text-end">Value</th>'
    '<th scope="col">Force’s wording</th><th scope="col">Note</th><th scope="col">Source</th>'
    "</tr></thead>"
)


def _refusals(request) -> str:
    """The error messages, shown again inside the card they concern (after a refused approve)."""
    return "".join(
        '<div class="alert alert-danger py-1 px-2 small review-refused" role="alert">'
        f"{escape(str(message))}</div>"
        for message in get_messages(request)
        if message.level_tag == "error"
    )


def _approve(item: dict, pk: int) -> str:
    if not item["may_approve"]:
        return (
            '<p class="small text-muted">You entered, changed or removed some of these figures, '
            "so another reviewer must approve them.</p>"
        )
    checked = (
        '<div class="form-check">'
        f'<input class="form-check-input" type="checkbox" name="warnings_checked" value="{pk}" '
        f'form="review-form" id="warnings-checked-{pk}">'
        f'<label class="form-check-label" for="warnings-checked-{pk}">I have checked the warnings'
        "</label></div>"
        if item["warnings"]
        else ""
    )
    approve_url = escape(reverse("figures_approve", args=[pk]))
    return (
        '<fieldset class="border rounded p-2 h-100">'
        '<legend class="h6 float-none w-auto px-1 mb-1">Approve</legend>'
        f'<input type="hidden" name="seen-{pk}" value="{item["version"]}" form="review-form">'
        f"{checked}"
        '<div class="form-check mb-2">'
        f'<input class="form-check-input" type="checkbox" name="request_ids" value="{pk}" '
        f'form="review-form" id="tick-{pk}">'
        f'<label class="form-check-label" for="tick-{pk}">Include in “Approve ticked”</label>'
        "</div>"
        f'<button class="btn btn-sm btn-success" type="submit" form="review-form" '
        f'formaction="{approve_url}" name="next" value="queue" id="approve-{pk}">'
        f"Approve {escape(item['foi'].force.name)}</button>"
        "</fieldset>"
    )


def _card(item: dict, *, open_pk: int | None, page_number: int, csrf: str, request) -> str:
    foi, review = item["foi"], item["review"]
    pk = foi.pk
    force = escape(foi.force.name)
    by = review.submitted_by.username if review.submitted_by else ""
    at = long_datetime(timezone.localtime(review.submitted_at)) if review.submitted_at else ""
    n, warnings = item["n_figures"], item["warnings"]
    badges = (
        f'<span class="badge text-bg-warning">{plural(len(warnings), "warning")}</span>'
        if warnings
        else ""
    )
    if not item["may_approve"]:
        badges += '<span class="badge text-bg-secondary">yours: another reviewer approves</span>'
    checks = "".join(
        '<div class="alert alert-warning py-1 px-2 small mb-1 review-warning">'
        f"Check: {escape(w)}</div>"
        for w in warnings
    )
    request_url = escape(reverse("request_detail", args=[pk]))
    send_back_url = escape(reverse("figures_send_back", args=[pk]))
    return (
        f'<details class="card mb-2 review-item" id="review-{pk}"'
        f"{' open' if pk == open_pk else ''}>"
        '<summary class="card-header">'
        f'<span class="fw-semibold">{force}</span> '
        f'<span class="text-muted">· {escape(foi.campaign.title)}</span>'
        f'<span class="small text-muted d-block">{plural(n, "figure")}, entered by '
        f"{escape(by) or '—'} {at}</span>"
        f"{badges}"
        "</summary>"
        '<div class="card-body">'
        f"{_refusals(request) if pk == open_pk else ''}"
        f"{checks}"
        '<div class="table-responsive"><table class="table table-sm small mb-2 review-figures">'
        f'<caption class="caption-top small">Figures from {force}</caption>'
        f"{_FIGURES_HEAD}<tbody>\n{item['rows_html']}\n</tbody></table></div>"
        f'<p class="small mb-2"><a href="{request_url}#figures">Open the request page</a> '
        "(the letter, the history of each figure)</p>"
        '<div class="row g-3">'
        f'<div class="col-md-6">{_approve(item, pk)}</div>'
        '<div class="col-md-6">'
        f'<form method="post" action="{send_back_url}" '
        'class="border rounded p-2 h-100 send-back">'
        f'<input type="hidden" name="csrfmiddlewaretoken" value="{csrf}">'
        '<input type="hidden" name="next" value="queue">'
        f'<input type="hidden" name="page" value="{page_number}">'
        f'<label class="form-label small fw-semibold mb-1" for="send-back-{pk}">Send back: what '
        "needs correcting (required; the enterer sees this)</label>"
        f'<textarea class="form-control form-control-sm mb-2" name="comment" '
        f'id="send-back-{pk}" rows="2" required></textarea>'
        '<button class="btn btn-sm btn-outline-danger" type="submit">Send back</button>'
        "</form></div></div></div></details>"
    )


def queue_cards_html(
    request, items: Sequence[dict], *, open_pk: int | None, page_number: int
) -> SafeString:
    csrf = escape(get_token(request))
    return mark_safe(  # every value above is escaped
        "\n".join(
            _card(item, open_pk=open_pk, page_number=page_number, csrf=csrf, request=request)
            for item in items
        )
    )
