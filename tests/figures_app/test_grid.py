"""The entry grid on the request page: one form, all or nothing, warnings not errors."""

import pytest
from django.urls import reverse

from figures_app.forms import cell_name
from figures_app.models import Figure, FigureChange

from .conftest import enter

pytestmark = pytest.mark.django_db


@pytest.fixture
def kent(campaign, metric):
    return campaign.requests.get(force__name="Kent Police")


def _post(client, foi, metric, values: dict, extra=None):
    periods = {p.label: p for p in foi.campaign.periods.all()}
    data = {cell_name(metric.pk, periods[label].pk, ""): v for label, v in values.items()}
    data.update(extra or {})
    return client.post(reverse("figures_request_save", args=[foi.pk]), data)


def test_the_grid_is_on_the_request_page(staff_client, kent):
    page = staff_client.get(reverse("request_detail", args=[kent.pk])).content.decode()
    assert 'id="figures-grid"' in page and "Online-flagged child sex offences" in page


def test_it_saves_every_cell_at_once(staff_client, kent, metric):
    response = _post(staff_client, kent, metric, {"2015/16": "63", "2016/17": "<5"})
    assert response.status_code == 302
    assert {(f.period.label, f.kind) for f in Figure.objects.filter(request=kent)} == {
        ("2015/16", "reported"),
        ("2016/17", "suppressed"),
    }


def test_one_bad_cell_saves_nothing(staff_client, kent, metric):
    response = _post(staff_client, kent, metric, {"2015/16": "63", "2016/17": "lots"})
    assert response.status_code == 400
    assert "Nothing was saved" in response.content.decode()
    assert "&#x27;lots&#x27; is not" in response.content.decode()
    assert not Figure.objects.exists()


def test_it_accepts_not_held_and_new_ages(staff_client, kent, metric):
    dim = metric.dimensions.get()
    p16 = kent.campaign.periods.get(label="2016/17")
    data = {
        cell_name(metric.pk, p16.pk, ""): "20",
        f"new-{dim.pk}-0-name": "13",
        f"new-{dim.pk}-0-{metric.pk}-{p16.pk}": "12",
        f"new-{dim.pk}-1-name": "unknown",
        f"new-{dim.pk}-1-{metric.pk}-{p16.pk}": "8",
    }
    response = staff_client.post(reverse("figures_request_save", args=[kent.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    got = {
        (c or "total", v)
        for c, v in Figure.objects.filter(request=kent).values_list("category__value", "value")
    }
    assert got == {("total", 20), ("13", 12), ("unknown", 8)}


def test_it_warns_when_a_breakdown_does_not_add_up_and_on_big_jumps(
    staff_client, campaign, kent, metric, staff
):
    enter(
        campaign,
        staff,
        [("Kent", "2015/16", 63), ("Kent", "2016/17", 361), ("Kent", "2016/17", 300, 13)],
    )
    page = staff_client.get(reverse("request_detail", args=[kent.pk])).content.decode()
    assert "the breakdown by victim age adds up to 300, but the total is 361" in page
    assert "361 in 2016/17 against 63 in 2015/16 (x5.73)" in page


def test_clearing_a_cell_removes_the_figure_and_keeps_history(
    staff_client, campaign, kent, metric, staff
):
    enter(campaign, staff, [("Kent", "2015/16", 63)])
    response = _post(staff_client, kent, metric, {"2015/16": "", "2016/17": ""})
    assert response.status_code == 302
    assert not Figure.objects.exists()
    assert FigureChange.objects.filter(action="deleted", old_display="63").exists()


def test_provenance_goes_to_the_changed_cells(staff_client, campaign, kent, metric, staff):
    enter(campaign, staff, [("Kent", "2015/16", 63)])
    response = _post(
        staff_client,
        kent,
        metric,
        {"2015/16": "63", "2016/17": "361"},
        {"location": "page 2, table 1"},
    )
    assert response.status_code == 302
    locations = dict(Figure.objects.filter(request=kent).values_list("period__label", "location"))
    assert locations == {"2015/16": "", "2016/17": "page 2, table 1"}


def test_a_figure_can_be_edited_with_its_note(staff_client, campaign, kent, metric, staff):
    enter(campaign, staff, [("Kent", "2015/16", 63)])
    fig = Figure.objects.get()
    response = staff_client.post(
        reverse("figures_figure_edit", args=[fig.pk]),
        {"value": "refused s.12", "note": "cost limit", "location": "letter"},
    )
    assert response.status_code == 302
    fig.refresh_from_db()
    assert (fig.kind, fig.exemption, fig.note, fig.location) == (
        "refused",
        "foia:s12",
        "cost limit",
        "letter",
    )


def test_the_grids_script_gets_json_back(staff_client, kent, metric):
    """Enter saves in the background: the answer is JSON, errors keyed by the cell's field."""
    periods = {p.label: p for p in kent.campaign.periods.all()}
    url = reverse("figures_request_save", args=[kent.pk])
    bad = cell_name(metric.pk, periods["2016/17"].pk, "")
    response = staff_client.post(url, {bad: "lots"}, headers={"Accept": "application/json"})
    assert response.status_code == 400
    assert response.json()["saved"] is False and bad in response.json()["errors"]
    good = cell_name(metric.pk, periods["2015/16"].pk, "")
    response = staff_client.post(url, {good: "63"}, headers={"Accept": "application/json"})
    assert response.json()["saved"] is True and "1 new" in response.json()["message"]
    # Only the cell sent is touched: the other keeps what it had.
    assert Figure.objects.filter(request=kent).count() == 1
