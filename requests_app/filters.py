"""List filters built with django-filter: the campaign list (q, sort) and a campaign's state filter.

django-filter fits where the database does the work. The campaign table's column sorting does
not use it: its "working days left/late" columns are computed per row in Python
(selectors.request_rows), so views/campaigns.py sorts those rows itself.

"django_filters" need not be in INSTALLED_APPS: FilterSets work without it (the app only adds
templates for rendering filter forms, which these pages do not use).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import django_filters
from django.db.models import F, QuerySet

from requests_app.models import Campaign, FoiRequest
from requests_app.workflow import Status

OVERDUE = "overdue"
NEW_REPLY = "new_reply"


def _cleaned(filterset: django_filters.FilterSet, name: str) -> Any:
    """The cleaned value of one parameter; None when absent or invalid (it is then not applied)."""
    if not filterset.is_bound:
        return None
    filterset.form.is_valid()  # cleans the form once; an invalid value is left out
    return filterset.form.cleaned_data.get(name)


class SingleColumnOrderingFilter(django_filters.OrderingFilter):
    """Sort by one column: empty values last both ways, ties in creation order (pk).

    Several columns at once ("title,owner") are not offered, so they count as an unknown sort.
    """

    def filter(self, qs: QuerySet, value: list[str] | None) -> QuerySet:
        if not value or len(value) != 1:
            return qs
        param = value[0]
        field = F(self.param_map[param.lstrip("-")])
        order = field.desc(nulls_last=True) if param.startswith("-") else field.asc(nulls_last=True)
        return qs.order_by(order, "pk")


class CampaignListFilter(django_filters.FilterSet):
    """?q= searches titles (case and surrounding spaces ignored); ?sort= one column, "-" descending.

    An unknown sort falls back to the default, as a missing one does.
    """

    DEFAULT_SORT = "-created"

    q = django_filters.CharFilter(field_name="title", lookup_expr="icontains")
    # model field (or annotation from selectors.campaigns_with_progress) -> URL value
    sort = SingleColumnOrderingFilter(
        fields={
            "title": "title",
            "created_at": "created",
            "owner__username": "owner",
            "n_requests": "requests",
            "n_answered": "answered",
            "n_overdue": "overdue",
        }
    )

    class Meta:
        model = Campaign
        fields: list[str] = []

    @property
    def sort_value(self) -> str:
        """The sort applied (the default when none or an unknown one was asked for)."""
        value = _cleaned(self, "sort") or []
        return value[0] if len(value) == 1 else self.DEFAULT_SORT

    @property
    def query(self) -> str:
        return _cleaned(self, "q") or ""

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        # django-filter skips a filter whose value is invalid; here an unknown sort means the
        # default sort, not an unsorted list.
        self.form.cleaned_data["sort"] = [self.sort_value]
        return super().filter_queryset(queryset)


class RequestStateFilter(django_filters.FilterSet):
    """?state= a status, "overdue" (past its next due date on `today`) or "new_reply" (a reply
    filed that nobody has recorded yet, whatever the status); unknown is ignored."""

    state = django_filters.ChoiceFilter(
        choices=[*Status.choices, (OVERDUE, "Overdue"), (NEW_REPLY, "New reply")],
        method="filter_state",
    )

    class Meta:
        model = FoiRequest
        fields: list[str] = []

    def __init__(self, *args: Any, today: date, **kwargs: Any) -> None:
        self.today = today
        super().__init__(*args, **kwargs)

    @property
    def state_value(self) -> str:
        """The state applied, "" for all (none asked for, or an unknown one)."""
        return _cleaned(self, "state") or ""

    def filter_state(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if value == OVERDUE:
            return queryset.overdue(today=self.today)
        if value == NEW_REPLY:
            return queryset.filter(new_reply_at__isnull=False)
        return queryset.filter(status=value)
