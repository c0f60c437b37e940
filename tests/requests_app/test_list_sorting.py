"""Every sortable column of every list, both ways, over requests that are paused, unsent,
withdrawn, answered and late (issue 24: sorting a campaign by due date was a 500 when a request
was paused for a clarification and had no due date)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from requests_app.filters import CampaignListFilter
from requests_app.views.answering import ANSWER_SORTS
from requests_app.views.campaigns import REQUEST_SORTS
from tests.requests_app import test_answering
from tests.requests_app.test_answering import FORCES

# The answering page's campaign (paused, unsent, withdrawn, answered and late requests).
asked = test_answering.asked
today = test_answering.today

LISTS = {
    "campaign_detail": sorted(REQUEST_SORTS),
    "campaign_answering": sorted(ANSWER_SORTS),
    "campaign_list": sorted(CampaignListFilter.base_filters["sort"].param_map),
}


def _url(name: str, campaign) -> str:
    if name == "campaign_list":
        return reverse(name)
    return reverse(name, args=[campaign.slug])


@pytest.mark.parametrize(
    "name,column",
    [(name, column) for name, columns in LISTS.items() for column in columns],
)
def test_it_sorts_every_column_both_ways(staff_client, asked, name, column):
    for sort in (column, f"-{column}"):
        response = staff_client.get(_url(name, asked), {"sort": sort})
        assert response.status_code == 200, f"{name} ?sort={sort}"
        assert response.context["sort"] == sort


def _forces_in_order(page: str) -> list[str]:
    at = {force: page.find(force) for force in FORCES}
    assert all(i >= 0 for i in at.values())
    return sorted(FORCES, key=at.get)


@pytest.mark.parametrize("descending", [False, True])
def test_requests_without_a_due_date_come_last_either_way(staff_client, asked, descending):
    """Paused for a clarification (Lancashire), never sent (Cumbria): no due date."""
    sort = "-due" if descending else "due"
    page = staff_client.get(reverse("campaign_detail", args=[asked.slug]), {"sort": sort})
    order = _forces_in_order(page.content.decode())
    assert set(order[-2:]) == {"Lancashire Constabulary", "Cumbria Constabulary"}
    rows = page.context["rows"]
    dues = [r.foi.next_due_on or r.foi.due_on for r in rows]
    known = [d for d in dues if d is not None]
    assert known == sorted(known, reverse=descending)
    assert dues[len(known) :] == [None] * (len(dues) - len(known))


@pytest.mark.parametrize("sort", ["left", "-left", "late", "-late", "sent", "-sent"])
def test_computed_and_stored_columns_put_the_blanks_last(staff_client, asked, sort):
    page = staff_client.get(reverse("campaign_detail", args=[asked.slug]), {"sort": sort})
    rows = page.context["rows"]
    value = {
        "left": lambda r: r.working_days_left,
        "late": lambda r: r.working_days_late,
        "sent": lambda r: r.foi.sent_on,
    }[sort.lstrip("-")]
    values = [value(r) for r in rows]
    known = [v for v in values if v is not None]
    assert known == sorted(known, reverse=sort.startswith("-"))
    assert values[len(known) :] == [None] * (len(values) - len(known))
