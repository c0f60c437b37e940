"""One search box (in the navigation) for campaigns, forces and requests."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.shortcuts import render

from requests_app.access import view_required
from requests_app.selectors import search_campaigns, search_forces, search_requests

PER_PAGE = 20
MAX_QUERY_LENGTH = 200


def _page_url(request, param: str, number: int) -> str:
    params = request.GET.copy()
    params[param] = str(number)
    return f"?{params.urlencode()}"


def _group(request, key: str, title: str, queryset) -> dict:
    param = f"{key}_page"
    page = Paginator(queryset, PER_PAGE).get_page(request.GET.get(param))
    return {
        "key": key,
        "title": title,
        "page": page,
        "count": page.paginator.count,
        "previous_url": _page_url(request, param, page.number - 1) if page.has_previous() else "",
        "next_url": _page_url(request, param, page.number + 1) if page.has_next() else "",
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
