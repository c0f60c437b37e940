"""The campaign services: creating a campaign with one draft request per force, refusing a bad
one whole, and updating its forces, text and periods (the requests' moves: test_lifecycle.py)."""

from datetime import date

import pytest
from django.db import IntegrityError, transaction

from requests_app.models import Campaign, FoiRequest, Force, RequestEvent
from requests_app.periods import PeriodSpec
from requests_app.services.campaigns import campaign_create, campaign_update
from requests_app.services.errors import ServiceError
from requests_app.services.lifecycle import request_mark_sent
from requests_app.workflow import Status
from tests.conftest import NSPCC_PERIODS

D = date
S = Status
KENT, SCOTLAND = "Kent Police", "Police Scotland"


def create(staff, forces, slug="c1", **kwargs):
    defaults = dict(
        actor=staff,
        slug=slug,
        title="Title",
        request_text="Dear {force_name}, {periods}?",
        forces=forces,
        periods=NSPCC_PERIODS,
    )
    return campaign_create(**{**defaults, **kwargs})


def test_it_creates_a_campaign_with_one_draft_per_force(db, staff, campaign, forces):
    assert campaign.requests.count() == 43
    assert set(campaign.requests.values_list("status", flat=True)) == {S.DRAFT}
    assert [p.label for p in campaign.periods.all()] == ["2015/16", "2016/17"]
    assert RequestEvent.objects.filter(request__campaign=campaign, kind="created").count() == 43
    kent = campaign.requests.get(force__name=KENT)
    assert campaign.render_request_text(kent.force) == (
        "Dear Kent Police, how many online-flagged offences in 2015/16 and 2016/17?"
    )
    twice = create(staff, [forces[KENT], forces[KENT], forces[SCOTLAND]], slug="twice")
    assert twice.requests.count() == 2


def test_it_creates_a_campaign_already_sent(db, staff, forces):
    c = create(staff, [forces[KENT], forces[SCOTLAND]], sent_on=D(2024, 7, 26))
    assert dict(c.requests.values_list("force__name", "due_on")) == {
        KENT: D(2024, 8, 27),
        SCOTLAND: D(2024, 8, 26),
    }
    assert set(c.requests.values_list("status", flat=True)) == {S.SENT}


def test_it_refuses_a_second_campaign_with_the_same_slug(db, staff, campaign, forces):
    with pytest.raises(ServiceError) as exc:
        create(staff, [forces[KENT]], slug=campaign.slug)
    assert exc.value.field == "slug"
    assert Campaign.objects.count() == 1


def test_it_has_one_request_per_force_in_the_database(db, staff, campaign, forces):
    with pytest.raises(IntegrityError), transaction.atomic():
        FoiRequest.objects.create(campaign=campaign, force=forces[KENT])
    assert campaign.requests.filter(force=forces[KENT]).count() == 1


@pytest.mark.parametrize(
    "kwargs, field",
    [
        ({"request_text": "Dear {force}, {periods}"}, "request_text"),
        ({"request_text": "Dear {force_name} {period}"}, "request_text"),
        ({"request_text": "   "}, "request_text"),
        ({"title": " "}, "title"),
        ({"forces": []}, "forces"),
        ({"periods": []}, "periods"),
        ({"periods": [PeriodSpec("2016/17", D(2017, 3, 31), D(2016, 4, 1))]}, "periods"),
        ({"periods": [PeriodSpec("x", D(2016, 4, 1), D(2017, 3, 31))] * 2}, "periods"),
        ({"rounding_rule": "sideways"}, "rounding_rule"),
        ({"slug": ""}, "slug"),
        ({"slug": "two words"}, "slug"),
        ({"suppressed_lower": 5, "suppressed_upper": 2}, "suppressed_upper"),
    ],
)
def test_it_refuses_a_bad_campaign_writing_nothing(db, staff, forces, kwargs, field):
    kwargs.setdefault("forces", [forces[KENT]])
    with pytest.raises(ServiceError) as exc:
        create(staff, **kwargs)
    assert exc.value.field == field
    assert not Campaign.objects.exists()
    assert not FoiRequest.objects.exists()


def test_it_adds_and_drops_draft_requests_on_update(db, staff, campaign, forces):
    ew = list(Force.objects.filter(lists__slug="england-and-wales"))
    without_kent = [f for f in ew if f.name != KENT] + [forces[SCOTLAND]]
    campaign_update(campaign_id=campaign.pk, actor=staff, forces=without_kent, title="New title")
    campaign.refresh_from_db()
    assert campaign.title == "New title"
    names = set(campaign.requests.values_list("force__name", flat=True))
    assert KENT not in names and SCOTLAND in names and len(names) == 43


def test_it_cannot_drop_a_sent_request(db, staff, campaign, forces):
    kent = campaign.requests.get(force__name=KENT)
    request_mark_sent(request_id=kent.pk, actor=staff, sent_on=D(2024, 6, 3))
    with pytest.raises(ServiceError) as exc:
        campaign_update(campaign_id=campaign.pk, actor=staff, forces=[forces[SCOTLAND]], title="X")
    assert exc.value.field == "forces"
    assert KENT in str(exc.value)
    campaign.refresh_from_db()
    assert campaign.title == "Online child sex offences"  # rolled back with the rest
    assert campaign.requests.count() == 43


def test_it_refuses_an_unknown_placeholder_on_update(db, staff, campaign):
    with pytest.raises(ServiceError) as exc:
        campaign_update(campaign_id=campaign.pk, actor=staff, request_text="Dear {forcename}")
    assert exc.value.field == "request_text"
    assert "{forcename}" in str(exc.value)
    campaign.refresh_from_db()
    assert "{force_name}" in campaign.request_text


def test_it_updates_periods_and_marks_remaining_drafts_sent(db, staff, campaign):
    kent = campaign.requests.get(force__name=KENT)
    request_mark_sent(request_id=kent.pk, actor=staff, sent_on=D(2024, 6, 3))
    campaign_update(
        campaign_id=campaign.pk,
        actor=staff,
        sent_on=D(2024, 12, 20),
        periods=[NSPCC_PERIODS[1], PeriodSpec("2017/18", D(2017, 4, 1), D(2018, 3, 31))],
    )
    assert [p.label for p in campaign.periods.all()] == ["2016/17", "2017/18"]
    kent.refresh_from_db()
    assert kent.sent_on == D(2024, 6, 3)  # already sent: left alone
    others = campaign.requests.exclude(pk=kent.pk)
    assert set(others.values_list("status", "sent_on", "due_on")) == {
        (S.SENT, D(2024, 12, 20), D(2025, 1, 23))
    }


def test_it_checks_one_changed_bound_against_the_stored_other(db, staff, campaign):
    campaign_update(campaign_id=campaign.pk, actor=staff, suppressed_lower=1, suppressed_upper=9)
    campaign_update(campaign_id=campaign.pk, actor=staff, suppressed_lower=5)
    campaign.refresh_from_db()
    assert (campaign.suppressed_lower, campaign.suppressed_upper) == (5, 9)
    with pytest.raises(ServiceError) as exc:
        campaign_update(campaign_id=campaign.pk, actor=staff, suppressed_upper=4)
    assert exc.value.field == "suppressed_upper"
    campaign.refresh_from_db()
    assert campaign.suppressed_upper == 9
