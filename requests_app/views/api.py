"""Read-only JSON for logged-in users with a role. Errors are JSON too, never a login redirect."""

from functools import wraps

from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from requests_app import roles
from requests_app.mail.correspondence import (
    MailAttachment,
    campaign_request_by_force_code,
    request_correspondence,
    split_addresses,
    unplaced_attachments,
    unplaced_messages,
    with_message_counts,
)
from requests_app.models import Campaign, InboundMessage
from requests_app.selectors.campaigns import campaigns_with_progress
from requests_app.selectors.requests import campaign_requests, request_rows

INBOX_PAGE_SIZE = 100


def api_sign_in_required(view):
    """The API's sign-in check, for every JSON view of both apps: logged in with the staff or
    reviewer role, or a JSON 401/403 (an API client cannot follow a login redirect)."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return JsonResponse({"error": "Log in to use the API."}, status=401)
        if not roles.can_view(request.user):
            return JsonResponse({"error": "You need the staff or reviewer role."}, status=403)
        return view(request, *args, **kwargs)

    return wrapped


def api_view(view):
    """A read-only API view: GET only, behind the sign-in check."""
    return require_GET(api_sign_in_required(view))


def _iso(value):
    return value.isoformat() if value else None


@api_view
def campaigns(request):
    today = timezone.localdate()
    rows = campaigns_with_progress(Campaign.objects.order_by("slug"), today)
    return JsonResponse(
        [
            {
                "slug": c.slug,
                "title": c.title,
                "owner": c.owner.username if c.owner else None,
                "periods": [
                    {"label": p.label, "start": _iso(p.start), "end": _iso(p.end)}
                    for p in c.periods.all()
                ],
                "requests": c.n_requests,
                "answered": c.n_answered,
                "overdue": c.n_overdue,
                "url": request.build_absolute_uri(c.get_absolute_url()),
            }
            for c in rows.prefetch_related("periods")
        ],
        safe=False,
    )


@api_view
def campaign_requests_json(request, slug):
    campaign = Campaign.objects.filter(slug=slug).first()
    if campaign is None:
        return JsonResponse({"error": f"No campaign with slug '{slug}'."}, status=404)
    today = timezone.localdate()
    out = []
    for row in request_rows(with_message_counts(campaign_requests(campaign)), today):
        foi = row.foi
        out.append(
            {
                "id": foi.pk,
                "force": foi.force.name,
                "force_code": foi.force.ons_code or None,
                "force_slug": foi.force.slug,
                # Every row names its public body (issue 30); "force" and "force_code" above
                # say the same, kept for clients written for police campaigns.
                "body": foi.force.name,
                "body_code": foi.force.ons_code or None,
                "body_kind": foi.force.kind,
                "law": foi.force.law,
                "status": foi.status,
                "outcome": foi.outcome or None,
                "exemptions": foi.exemptions,
                "sent_on": _iso(foi.sent_on),
                "received_on": _iso(foi.received_on),
                "acknowledged_on": _iso(foi.acknowledged_on),
                "due_on": _iso(foi.due_on),
                "next_due_on": _iso(foi.next_due_on),
                "answered_on": _iso(foi.answered_on),
                "overdue": row.overdue,
                "long_overdue": row.long_overdue,
                "working_days_late": row.working_days_late or 0,
                "working_days_left": row.working_days_left,
                "force_reference": foi.force_reference,
                "review_requested_on": _iso(foi.review_requested_on),
                "review_due_on": _iso(row.review_due_on),
                "review_answered_on": _iso(foi.review_answered_on),
                "complaint_window_closes_on": _iso(row.complaint_window_closes_on),
                # Mail: set only when the tracker emailed the request (not marked sent by hand).
                "sent_message_id": foi.sent_message_id or None,
                "reply_to": foi.reply_to if foi.sent_message_id else None,
                "new_reply": foi.new_reply_at is not None,
                "messages": foi.n_messages,
            }
        )
    return JsonResponse(out, safe=False)


def _attachments(attachments: list[MailAttachment]) -> list[dict]:
    return [{"name": a.name, "size": a.size, "sha256": a.sha256} for a in attachments]


def _message_url(request, message: InboundMessage) -> str:
    return request.build_absolute_uri(message.get_absolute_url())


@api_view
def request_messages_json(request, slug, force_code):
    campaign = Campaign.objects.filter(slug=slug).first()
    if campaign is None:
        return JsonResponse({"error": f"No campaign with slug '{slug}'."}, status=404)
    foi = campaign_request_by_force_code(campaign, force_code)
    if foi is None:
        return JsonResponse(
            {
                "error": f"Campaign '{slug}' has no request to a force with code "
                f"'{force_code}' (the force_code of /api/campaigns/{slug}/requests/)."
            },
            status=404,
        )
    out = []
    for item in request_correspondence(foi):
        row = {
            "direction": item.direction,
            "kind": item.kind,
            "subject": item.subject,
            "from": item.from_email,
            "to": item.to,
            "date": _iso(item.date),
            "attachments": _attachments(item.attachments),
        }
        if item.message is not None:
            row["message_id"] = item.message.message_id or None
            row["matched_by"] = item.message.matched_by or None
            row["kind_reason"] = item.message.kind_reason
            row["url"] = _message_url(request, item.message)
        out.append(row)
    return JsonResponse(out, safe=False)


@api_view
def inbox_json(request):
    paginator = Paginator(unplaced_messages(), INBOX_PAGE_SIZE)
    number = request.GET.get("page") or 1
    try:
        page = paginator.page(number)
    except PageNotAnInteger:
        return JsonResponse({"error": f"page must be a whole number, got '{number}'."}, status=400)
    except EmptyPage:
        return JsonResponse(
            {"error": f"There is no page {number} (pages 1 to {paginator.num_pages})."},
            status=404,
        )

    def page_url(n: int | None) -> str | None:
        if n is None:
            return None
        return request.build_absolute_uri(f"{request.path}?page={n}")

    return JsonResponse(
        {
            "count": paginator.count,
            "next": page_url(page.next_page_number() if page.has_next() else None),
            "previous": page_url(page.previous_page_number() if page.has_previous() else None),
            "results": [
                {
                    "id": message.pk,
                    "subject": message.subject,
                    "from": message.from_email,
                    "to": split_addresses(message.to),
                    "date": _iso(message.sent_at),
                    "kind": message.kind,
                    "kind_reason": message.kind_reason,
                    # A reference or sender pointed here; only a person files it (not trusted).
                    "suggested_request": f"FOI-{message.suggested_request_id}"
                    if message.suggested_request_id
                    else None,
                    "suggested_by": message.matched_by or None,
                    "received_at": _iso(message.received_at),
                    "attachments": _attachments(unplaced_attachments(message)),
                    "url": _message_url(request, message),
                }
                for message in page
            ],
        }
    )
