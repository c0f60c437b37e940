"""One search box (in the navigation) for campaigns, forces and requests."""

from __future__ import annotations

from django.shortcuts import render

from requests_app.access import view_required
from requests_app.selectors.search import search_campaigns, search_forces, search_requests
from requests_app.views.paging import paged

PER_PAGE = 20
MAX_QUERY_LENGTH = 200


def _group(request, key: str, title: str, queryset) -> dict:
    listed = paged(request, queryset, param=f"{key}_page", per_page=PER_PAGE)
    return {
        "key": key,
        "title": title,
        "page": listed.page,
        "count": listed.page.paginator.count,
        "previous_url": listed.previous_url,
        "next_url": listed.next_url,
    }


@view_required
def search(request):
    query = " ".join(request.GET.get("q", "").split())[:MAX_QUERY_LENGTH]
    groups = []
    if query:
        groups = [
            _group(request, "campaigns", "Campaigns", search_campaigns(query)),
            _group(request, "forces", "Forces", search_forces(query)),
            _group(request, "requests", "Requests", search_requests(query)),
        ]
    return render(
        request,
        "requests_app/search.html",
        {
            "q": query,
            "groups": groups,
            "found": sum(g["count"] for g in groups),
        },
    )
