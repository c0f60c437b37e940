"""Read-only JSON for logged-in users with a role. Errors are JSON too, never a login redirect."""

from functools import wraps

from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from requests_app import roles
from requests_app.models import Campaign
from requests_app.selectors import campaign_requests, campaigns_with_progress, request_rows


def api_view(view):
    @require_GET
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return JsonResponse({"error": "Log in to use the API."}, status=401)
        if not roles.can_view(request.user):
            return JsonResponse({"error": "You need the staff or reviewer role."}, status=403)
        return view(request, *args, **kwargs)

    return wrapped


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
    for row in request_rows(campaign_requests(campaign), today):
        foi = row.foi
        out.append(
            {
                "id": foi.pk,
                "force": foi.force.name,
                "force_code": foi.force.ons_code or None,
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
            }
        )
    return JsonResponse(out, safe=False)
