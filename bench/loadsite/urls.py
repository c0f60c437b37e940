from bench_totals import RAW_TOTALS_SQL
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.urls import path

from figures_app.models import ReviewState
from foi_tracker.urls import urlpatterns as site_urlpatterns
from requests_app import roles


def bare(request):
    """The cheapest Django response: the whole middleware stack, no template, no query."""
    return HttpResponse("ok", content_type="text/plain")


def totals_floor(request, metric_id: int):
    """The least a signed-in totals API can do (bench/run.py's floor for the totals row): the
    totals API's own checks (signed in, a role), then the one raw GROUP BY, as JSON."""
    if not request.user.is_authenticated:
        return JsonResponse({"error": "Log in to use the API."}, status=401)
    if not roles.can_view(request.user):
        return JsonResponse({"error": "You need the staff or reviewer role."}, status=403)
    with connection.cursor() as cursor:
        cursor.execute(RAW_TOTALS_SQL, [metric_id, ReviewState.APPROVED])
        rows = cursor.fetchall()
    keys = ("period", "total", "suppressed_upper", "suppressed", "forces")
    return JsonResponse({"periods": [dict(zip(keys, row, strict=True)) for row in rows]})


urlpatterns = [
    path("bench/bare/", bare),
    path("bench/totals-floor/<int:metric_id>/", totals_floor),
    *site_urlpatterns,
]
