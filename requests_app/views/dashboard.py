from django.shortcuts import render
from django.utils import timezone

from requests_app.access import view_required
from requests_app.calendars import calendars
from requests_app.models import Campaign, FoiRequest
from requests_app.selectors import (
    campaigns_with_progress,
    figures_unrecorded_requests,
    new_reply_requests,
    request_rows,
)

DUE_SOON_WORKING_DAYS = 5
NEW_REPLIES_SHOWN = 50


@view_required
def dashboard(request):
    today = timezone.localdate()
    cals = calendars()
    mine = campaigns_with_progress(Campaign.objects.filter(owner=request.user), today).order_by(
        "-created_at"
    )
    base = FoiRequest.objects.select_related("force", "campaign").order_by(
        "next_due_on", "force__name"
    )
    overdue = base.overdue(today=today)
    due_soon = base.due_within(today=today, working_days=DUE_SOON_WORKING_DAYS, cals=cals)
    unrecorded = figures_unrecorded_requests()
    new_replies = new_reply_requests()
    return render(
        request,
        "requests_app/dashboard.html",
        {
            "campaigns": mine,
            "overdue": request_rows(overdue[:200], today, cals=cals),
            "overdue_count": overdue.count(),
            "due_soon": request_rows(due_soon[:200], today, cals=cals),
            "figures_unrecorded": unrecorded[:50],
            "figures_unrecorded_count": unrecorded.count(),
            "new_replies": new_replies[:NEW_REPLIES_SHOWN],
            "new_replies_count": new_replies.count(),
            "today": today,
            "due_soon_days": DUE_SOON_WORKING_DAYS,
        },
    )
