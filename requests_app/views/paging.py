"""Several paginated lists on one page (the dashboard, search): each has its own page parameter,
and its links keep every other parameter (the other lists' pages, the query) as they are."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.paginator import Page, Paginator


@dataclass(frozen=True)
class PagedList:
    page: Page
    previous_url: str
    next_url: str


def _page_url(request, param: str, number: int) -> str:
    params = request.GET.copy()
    params[param] = str(number)
    return f"?{params.urlencode()}"


def paged(request, queryset, *, param: str, per_page: int, count: int | None = None) -> PagedList:
    """`count`, when the caller already knows the list's length (counting.counts_of), spares
    the paginator its own COUNT query."""
    paginator = Paginator(queryset, per_page)
    if count is not None:
        paginator.count = count  # a cached_property: set, it is not queried
    page = paginator.get_page(request.GET.get(param))
    return PagedList(
        page=page,
        previous_url=_page_url(request, param, page.number - 1) if page.has_previous() else "",
        next_url=_page_url(request, param, page.number + 1) if page.has_next() else "",
    )
