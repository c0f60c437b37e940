"""Review: approve, send back, resubmit (one URL each), and the review queue."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from figures_app.forms import SendBackForm
from figures_app.review_blocks import cached_queue_campaigns, review_blocks
from figures_app.review_cards import queue_cards_html
from figures_app.review_rows import campaign_options_html
from figures_app.selectors import review as review_reads
from figures_app.services.review import (
    figures_approve,
    figures_approve_many,
    figures_resubmit,
    figures_send_back,
)
from figures_app.views.requests import back_to
from requests_app import roles
from requests_app.access import edit_required, get_request_for_user, view_required
from requests_app.services.errors import ServiceError

QUEUE_PAGE_SIZE = 20
SENT_BACK_PAGE_SIZE = 50
SENT_BACK_LISTED = 200  # under the queue: the oldest sent back, still to be corrected
QUEUE_CAMPAIGN_KEY = "review_queue_campaign"  # the session's campaign filter (an id)


def _ids(values: list[str]) -> list[int]:
    """Request ids from ticked boxes; ValueError when one is not a number."""
    return [int(v) for v in values]


def _queue_url(request: HttpRequest, pk: int | None = None) -> str:
    """Back to the queue page the reviewer was on; after a refusal, to the request's card,
    opened, with the reason shown in it."""
    params = {}
    page = request.POST.get("page", "")
    if page.isdigit() and page != "1":
        params["page"] = page
    if pk:
        params["open"] = str(pk)
    url = reverse("figures_review_queue")
    if params:
        url += "?" + urlencode(params)
    return url + (f"#review-{pk}" if pk else "")


@require_POST
@view_required
def figures_approve_view(request: HttpRequest, pk: int) -> HttpResponse:
    roles.require_review(request.user)
    foi = get_request_for_user(request, pk)
    # The queue posts every card's "I have checked the warnings" box in one form: only this
    # request's own box counts.
    warnings_checked = str(foi.pk) in request.POST.getlist("warnings_checked")
    seen = request.POST.get(f"seen-{foi.pk}", request.POST.get("seen", ""))
    try:
        figures_approve(
            request_id=foi.pk,
            actor=request.user,
            comment=request.POST.get("comment", ""),
            warnings_checked=warnings_checked,
            seen_version=int(seen) if seen.isdigit() else None,
        )
    except ServiceError as exc:
        messages.error(request, f"{foi.force.name}: {exc}")
        if request.POST.get("next") == "queue":
            return redirect(_queue_url(request, foi.pk))
    else:
        messages.success(
            request, f"Figures for {foi.force.name} approved; they now count in the totals."
        )
    if request.POST.get("next") == "queue":
        return redirect(_queue_url(request))
    return redirect(back_to(foi))


@require_POST
@view_required
def figures_approve_many_view(request: HttpRequest) -> HttpResponse:
    roles.require_review(request.user)
    try:
        ids = _ids(request.POST.getlist("request_ids"))
        checked = _ids(request.POST.getlist("warnings_checked"))
        # The queue posts, for each card, the version of the figures it showed (seen-<id>).
        seen = {
            int(key.removeprefix("seen-")): int(value)
            for key, value in request.POST.items()
            if key.startswith("seen-")
        }
    except ValueError:
        messages.error(request, "The ticked requests were not understood; nothing approved.")
        return redirect(_queue_url(request))
    try:
        reviews = figures_approve_many(
            request_ids=ids,
            actor=request.user,
            warnings_checked=checked,
            seen_versions=seen or None,
        )
    except ServiceError as exc:
        messages.error(request, str(exc))
    else:
        n = len(reviews)
        messages.success(
            request, f"Approved the figures of {n} request{'s' if n != 1 else ''}; they now count."
        )
    return redirect(_queue_url(request))


@require_POST
@view_required
def figures_send_back_view(request: HttpRequest, pk: int) -> HttpResponse:
    roles.require_review(request.user)
    foi = get_request_for_user(request, pk)
    form = SendBackForm(request.POST)
    from_queue = request.POST.get("next") == "queue"
    if not form.is_valid():
        messages.error(
            request, f"{foi.force.name}: say what needs correcting before sending figures back."
        )
        return redirect(_queue_url(request, foi.pk) if from_queue else back_to(foi))
    try:
        figures_send_back(
            request_id=foi.pk, actor=request.user, comment=form.cleaned_data["comment"]
        )
    except ServiceError as exc:
        messages.error(request, f"{foi.force.name}: {exc}")
        if from_queue:
            return redirect(_queue_url(request, foi.pk))
    else:
        messages.success(request, f"Figures for {foi.force.name} sent back.")
    return redirect(_queue_url(request) if from_queue else back_to(foi))


@require_POST
@view_required
def figures_resubmit_view(request: HttpRequest, pk: int) -> HttpResponse:
    foi = get_request_for_user(request, pk, write=True)
    try:
        figures_resubmit(request_id=foi.pk, actor=request.user)
    except ServiceError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Figures resubmitted for review.")
    return redirect(back_to(foi))


@view_required
def review_queue(request: HttpRequest) -> HttpResponse:
    """Each pending request's figures and warnings inline, to approve or send back from here.
    Query count is flat in the number of requests on the page (tests/figures_app)."""
    roles.require_review(request.user)
    counts = review_reads.queue_counts(request.user, cached_queue_campaigns())
    chosen = _chosen_campaign(request, counts)
    paginator = Paginator(
        review_reads.review_queue_page(request.user, campaign_id=chosen and chosen.id),
        QUEUE_PAGE_SIZE,
    )
    # Counted above, with the sent-back figures and the campaign filter's choices.
    paginator.count = chosen.pending if chosen else counts.pending
    page = paginator.get_page(request.GET.get("page"))
    reviews = list(page.object_list)
    blocks = review_blocks(reviews)
    items = [
        {
            "review": r,
            "foi": r.request,
            "n_figures": blocks[r.request_id].n_figures,
            "rows_html": blocks[r.request_id].rows_html,
            "warnings": blocks[r.request_id].warnings,
            # The version the reviewer saw (approving checks it): none for a request without
            # figures, as figures_and_warnings has it.
            "version": r.version if blocks[r.request_id].n_figures else 0,
            # Maker-checker: the requests on this page whose figures the reviewer made.
            "may_approve": not r.made_by_user,
        }
        for r in reviews
    ]
    open_pk = int(request.GET["open"]) if request.GET.get("open", "").isdigit() else None
    return render(
        request,
        "figures_app/review_queue.html",
        {
            "page": page,
            "items": items,
            "cards": queue_cards_html(request, items, open_pk=open_pk, page_number=page.number),
            "any_approvable": any(item["may_approve"] for item in items),
            "sent_back": review_reads.sent_back_list(SENT_BACK_LISTED),
            "sent_back_to_me": roles.can_edit(request.user) and counts.sent_back_to_user > 0,
            "campaigns": counts.campaigns,
            "campaign_options": campaign_options_html(counts.campaigns, chosen),
            "chosen": chosen,
            "pending_all": counts.pending,
        },
    )


def _chosen_campaign(
    request: HttpRequest, counts: review_reads.QueueCounts
) -> review_reads.QueueCampaign | None:
    """The campaign the queue shows: ?campaign=<slug> chooses one (empty: every campaign) and
    the session remembers it for the next visit, the pages and the redirects after approving;
    a remembered campaign with nothing left to review is forgotten (the queue shows all)."""
    if "campaign" in request.GET:
        slug = request.GET["campaign"]
        chosen = next((c for c in counts.campaigns if c.slug == slug), None)
    else:
        chosen = counts.campaign(request.session.get(QUEUE_CAMPAIGN_KEY))
    wanted = chosen.id if chosen else None
    if request.session.get(QUEUE_CAMPAIGN_KEY) != wanted:  # written only when it changes
        if wanted is None:
            del request.session[QUEUE_CAMPAIGN_KEY]
        else:
            request.session[QUEUE_CAMPAIGN_KEY] = wanted
    return chosen


@edit_required
def sent_back_to_you(request: HttpRequest) -> HttpResponse:
    """Figures this person entered that a reviewer sent back, with the reviewer's note: staff
    see it whether or not they also review."""
    page = Paginator(review_reads.sent_back_to(request.user), SENT_BACK_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "figures_app/sent_back.html", {"page": page})
