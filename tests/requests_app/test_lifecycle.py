"""The request lifecycle services: every move, legal and illegal, and the dates they keep
(creating and updating campaigns: test_campaign_services.py).

Expected due dates are counted by hand (see test_deadlines.py for the method); the legal moves
are written out below from DOMAIN.md / issue 2 and compared with workflow.TRANSITIONS, then every
(state, action) pair is driven through the services.
"""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from requests_app.models import FoiRequest, Force, NonWorkingDay, RequestEvent
from requests_app.periods import PeriodSpec
from requests_app.services.campaigns import campaign_create
from requests_app.services.deadlines import deadlines_refresh_all
from requests_app.services.errors import ServiceError
from requests_app.services.lifecycle import (
    ACTION_SERVICES,
    request_acknowledge,
    request_add_note,
    request_clarification_requested,
    request_clarification_sent,
    request_complain,
    request_fee_paid,
    request_fees_notice,
    request_mark_sent,
    request_pit_extension,
    request_record_response,
    request_review_answered,
    request_review_requested,
    request_withdraw,
    requests_bulk_mark_sent,
)
from requests_app.workflow import TRANSITIONS, Action, InvalidTransition, Status, allowed_actions
from tests.factories import FoiRequestFactory

D = date
A, S = Action, Status

# Written out by hand from the issue: which actions each state allows (FOIA).
LEGAL = {
    S.DRAFT: {A.MARK_SENT, A.WITHDRAW},
    S.SENT: {A.ACKNOWLEDGE, A.REQUEST_CLARIFICATION, A.FEES_NOTICE, A.PIT_EXTENSION,
             A.RECORD_RESPONSE, A.WITHDRAW},
    S.ACKNOWLEDGED: {A.REQUEST_CLARIFICATION, A.FEES_NOTICE, A.PIT_EXTENSION, A.RECORD_RESPONSE,
                     A.WITHDRAW},
    S.CLARIFICATION_REQUESTED: {A.SEND_CLARIFICATION, A.WITHDRAW},
    S.CLARIFIED: {A.ACKNOWLEDGE, A.REQUEST_CLARIFICATION, A.FEES_NOTICE, A.PIT_EXTENSION,
                  A.RECORD_RESPONSE, A.WITHDRAW},
    S.FEES_NOTICE: {A.FEE_PAID, A.WITHDRAW},
    S.FEE_PAID: {A.PIT_EXTENSION, A.RECORD_RESPONSE, A.WITHDRAW},
    S.PIT_EXTENSION: {A.RECORD_RESPONSE, A.WITHDRAW},
    S.ANSWERED: {A.REQUEST_REVIEW},
    S.REVIEW_REQUESTED: {A.RECORD_REVIEW, A.COMPLAIN},
    S.REVIEW_ANSWERED: {A.COMPLAIN},
    S.ICO_COMPLAINT: {A.RECORD_DECISION},
    S.ICO_DECIDED: set(),
    S.WITHDRAWN: set(),
}  # fmt: skip

TARGET = {
    A.MARK_SENT: S.SENT, A.ACKNOWLEDGE: S.ACKNOWLEDGED,
    A.REQUEST_CLARIFICATION: S.CLARIFICATION_REQUESTED, A.SEND_CLARIFICATION: S.CLARIFIED,
    A.FEES_NOTICE: S.FEES_NOTICE, A.FEE_PAID: S.FEE_PAID, A.PIT_EXTENSION: S.PIT_EXTENSION,
    A.RECORD_RESPONSE: S.ANSWERED, A.REQUEST_REVIEW: S.REVIEW_REQUESTED,
    A.RECORD_REVIEW: S.REVIEW_ANSWERED, A.COMPLAIN: S.ICO_COMPLAINT,
    A.RECORD_DECISION: S.ICO_DECIDED, A.WITHDRAW: S.WITHDRAWN,
}  # fmt: skip

# The steps that bring a request to each state, with dates in January-March 2025.
PATHS = {
    S.DRAFT: [],
    S.SENT: [(A.MARK_SENT, {"sent_on": D(2025, 1, 6)})],
    S.ACKNOWLEDGED: [(A.ACKNOWLEDGE, {"acknowledged_on": D(2025, 1, 7)})],
    S.CLARIFICATION_REQUESTED: [(A.REQUEST_CLARIFICATION, {"requested_on": D(2025, 1, 8)})],
    S.CLARIFIED: [(A.SEND_CLARIFICATION, {"sent_on": D(2025, 1, 10)})],
    S.FEES_NOTICE: [(A.FEES_NOTICE, {"notice_on": D(2025, 1, 8)})],
    S.FEE_PAID: [(A.FEE_PAID, {"paid_on": D(2025, 1, 10)})],
    S.PIT_EXTENSION: [
        (A.PIT_EXTENSION, {"notice_on": D(2025, 1, 20), "estimated_on": D(2025, 2, 20)})
    ],
    S.ANSWERED: [(A.RECORD_RESPONSE, {"outcome": "full", "answered_on": D(2025, 1, 20)})],
    S.REVIEW_REQUESTED: [(A.REQUEST_REVIEW, {"requested_on": D(2025, 1, 22)})],
    S.REVIEW_ANSWERED: [
        (A.RECORD_REVIEW, {"answered_on": D(2025, 2, 5), "review_outcome": "upheld"})
    ],
    S.ICO_COMPLAINT: [(A.COMPLAIN, {"complained_on": D(2025, 2, 10)})],
    S.ICO_DECIDED: [
        (A.RECORD_DECISION, {"decided_on": D(2025, 3, 10), "decision_outcome": "not_upheld"})
    ],
    S.WITHDRAWN: [(A.WITHDRAW, {"withdrawn_on": D(2025, 1, 8)})],
}
PREVIOUS = {
    S.SENT: S.DRAFT, S.ACKNOWLEDGED: S.SENT, S.CLARIFICATION_REQUESTED: S.SENT,
    S.CLARIFIED: S.CLARIFICATION_REQUESTED, S.FEES_NOTICE: S.SENT, S.FEE_PAID: S.FEES_NOTICE,
    S.PIT_EXTENSION: S.SENT, S.ANSWERED: S.SENT, S.REVIEW_REQUESTED: S.ANSWERED,
    S.REVIEW_ANSWERED: S.REVIEW_REQUESTED, S.ICO_COMPLAINT: S.REVIEW_ANSWERED,
    S.ICO_DECIDED: S.ICO_COMPLAINT, S.WITHDRAWN: S.SENT,
}  # fmt: skip

# Arguments for each action, dated after everything in PATHS.
LATER = D(2025, 6, 2)
ACTION_ARGS = {
    A.MARK_SENT: {"sent_on": LATER},
    A.ACKNOWLEDGE: {"acknowledged_on": LATER},
    A.REQUEST_CLARIFICATION: {"requested_on": LATER},
    A.SEND_CLARIFICATION: {"sent_on": LATER},
    A.FEES_NOTICE: {"notice_on": LATER},
    A.FEE_PAID: {"paid_on": LATER},
    A.PIT_EXTENSION: {"notice_on": LATER, "estimated_on": D(2025, 6, 30)},
    A.RECORD_RESPONSE: {"outcome": "part", "answered_on": LATER, "exemptions": []},
    A.REQUEST_REVIEW: {"requested_on": LATER},
    A.RECORD_REVIEW: {"answered_on": LATER, "review_outcome": "overturned"},
    A.COMPLAIN: {"complained_on": LATER},
    A.RECORD_DECISION: {"decided_on": LATER, "decision_outcome": "upheld"},
    A.WITHDRAW: {"withdrawn_on": LATER},
}

KENT, SCOTLAND = "Kent Police", "Police Scotland"


def path_to(status):
    steps = []
    while status != S.DRAFT:
        steps = PATHS[status] + steps
        status = PREVIOUS[status]
    return steps


def make_request(force_name: str, status: str, actor) -> FoiRequest:
    foi = FoiRequestFactory(force=Force.objects.get(name=force_name))
    for action, kwargs in path_to(status):
        ACTION_SERVICES[action](request_id=foi.pk, actor=actor, **kwargs)
    foi.refresh_from_db()
    assert foi.status == status
    return foi


def snapshot(foi: FoiRequest) -> dict:
    return FoiRequest.objects.filter(pk=foi.pk).values().get()


def test_it_has_the_transition_table_the_issue_describes():
    table = {s: {a for a, (sources, _) in TRANSITIONS.items() if s in sources} for s in Status}
    assert table == LEGAL
    assert {a: target for a, (_, target) in TRANSITIONS.items()} == TARGET
    for status in Status:
        assert set(allowed_actions(status, "foia")) == LEGAL[status]
        assert set(allowed_actions(status, "foisa")) == LEGAL[status] - {A.PIT_EXTENSION}


CASES = [
    (law_force, status, action)
    for law_force in (KENT, SCOTLAND)
    for status in Status
    for action in Action
    # FOISA has no PIT extension, so no Police Scotland request can be in that state.
    if not (law_force == SCOTLAND and status == S.PIT_EXTENSION)
]


@pytest.mark.parametrize(
    "force_name, status, action", CASES, ids=[f"{f.split()[0]}-{s}-{a}" for f, s, a in CASES]
)
def test_it_allows_exactly_the_moves_in_the_table(db, staff, force_name, status, action):
    foi = make_request(force_name, status, staff)
    legal = action in LEGAL[status] and not (force_name == SCOTLAND and action == A.PIT_EXTENSION)
    before = snapshot(foi)
    events_before = list(foi.events.values_list("pk", flat=True))
    service = ACTION_SERVICES[action]
    if legal:
        service(request_id=foi.pk, actor=staff, **ACTION_ARGS[action])
        foi.refresh_from_db()
        assert foi.status == TARGET[action]
        event = foi.events.exclude(pk__in=events_before).get()
        assert (event.kind, event.from_status, event.to_status) == (action, status, TARGET[action])
        assert event.actor == staff
        assert event.happened_on == LATER
    else:
        with pytest.raises(InvalidTransition) as exc:
            service(request_id=foi.pk, actor=staff, **ACTION_ARGS[action])
        assert str(exc.value)  # a message fit to show a user
        assert snapshot(foi) == before
        assert list(foi.events.values_list("pk", flat=True)) == events_before


@pytest.mark.parametrize("status", [S.SENT, S.ACKNOWLEDGED, S.CLARIFIED, S.FEE_PAID])
def test_it_refuses_a_public_interest_extension_under_foisa(db, staff, status):
    foi = make_request(SCOTLAND, status, staff)
    before = snapshot(foi)
    with pytest.raises(InvalidTransition, match="FOISA"):
        request_pit_extension(
            request_id=foi.pk, actor=staff, notice_on=LATER, estimated_on=D(2025, 7, 1)
        )
    assert snapshot(foi) == before
    assert A.PIT_EXTENSION not in foi.allowed_actions()


def test_it_records_the_actor_and_states_on_each_event(db, staff, reviewer):
    foi = make_request(KENT, S.DRAFT, staff)
    request_mark_sent(request_id=foi.pk, actor=staff, sent_on=D(2025, 1, 6))
    request_record_response(
        request_id=foi.pk,
        actor=reviewer,
        outcome="refused",
        answered_on=D(2025, 1, 27),
        exemptions=["foia:s12", "foia:s12", "foia:s40(2)"],
        force_reference="FOI/123 ",
    )
    events = list(
        foi.events.order_by("pk").values_list("kind", "from_status", "to_status", "actor__username")
    )
    assert events == [
        ("mark_sent", "draft", "sent", "sam"),
        ("record_response", "sent", "answered", "riley"),
    ]
    foi.refresh_from_db()
    assert foi.exemptions == ["foia:s12", "foia:s40(2)"]
    assert foi.force_reference == "FOI/123"
    assert foi.events.last().data == {
        "outcome": "refused",
        "exemptions": ["foia:s12", "foia:s40(2)"],
    }


# --- date and value checks -----------------------------------------------------------------------


def tomorrow():
    return timezone.localdate() + timedelta(days=1)


@pytest.mark.parametrize(
    "status, action, kwargs, field",
    [
        (S.DRAFT, A.MARK_SENT, {"sent_on": "future"}, "sent_on"),
        (S.DRAFT, A.MARK_SENT, {"sent_on": D(2025, 1, 6), "received_on": D(2025, 1, 3)},
         "received_on"),
        (S.DRAFT, A.MARK_SENT, {"sent_on": D(2025, 1, 6), "received_on": "future"}, "received_on"),
        (S.SENT, A.ACKNOWLEDGE, {"acknowledged_on": "future"}, "acknowledged_on"),
        (S.SENT, A.ACKNOWLEDGE, {"acknowledged_on": D(2025, 1, 3)}, "acknowledged_on"),
        (S.SENT, A.REQUEST_CLARIFICATION, {"requested_on": D(2025, 1, 5)}, "requested_on"),
        (S.CLARIFICATION_REQUESTED, A.SEND_CLARIFICATION, {"sent_on": D(2025, 1, 7)}, "sent_on"),
        (S.SENT, A.FEES_NOTICE, {"notice_on": D(2025, 1, 1)}, "notice_on"),
        (S.SENT, A.FEES_NOTICE, {"notice_on": D(2025, 1, 9), "amount": -1}, "amount"),
        (S.FEES_NOTICE, A.FEE_PAID, {"paid_on": D(2025, 1, 7)}, "paid_on"),
        (S.FEES_NOTICE, A.FEE_PAID, {"paid_on": "future"}, "paid_on"),
        (S.SENT, A.PIT_EXTENSION, {"notice_on": D(2025, 1, 20), "estimated_on": D(2025, 1, 17)},
         "estimated_on"),
        (S.SENT, A.PIT_EXTENSION, {"notice_on": D(2025, 1, 2), "estimated_on": D(2025, 2, 17)},
         "notice_on"),
        (S.SENT, A.RECORD_RESPONSE, {"outcome": "full", "answered_on": D(2025, 1, 3)},
         "answered_on"),
        (S.SENT, A.RECORD_RESPONSE, {"outcome": "full", "answered_on": "future"}, "answered_on"),
        (S.SENT, A.RECORD_RESPONSE, {"outcome": "maybe", "answered_on": D(2025, 1, 20)},
         "outcome"),
        (S.SENT, A.RECORD_RESPONSE, {"outcome": "refused", "answered_on": D(2025, 1, 20)},
         "exemptions"),
        (S.SENT, A.RECORD_RESPONSE,
         {"outcome": "refused", "answered_on": D(2025, 1, 20), "exemptions": ["foisa:s35"]},
         "exemptions"),
        (S.ANSWERED, A.REQUEST_REVIEW, {"requested_on": D(2025, 1, 17)}, "requested_on"),
        (S.REVIEW_REQUESTED, A.RECORD_REVIEW,
         {"answered_on": D(2025, 1, 21), "review_outcome": "upheld"}, "answered_on"),
        (S.REVIEW_REQUESTED, A.RECORD_REVIEW,
         {"answered_on": D(2025, 2, 3), "review_outcome": "nope"}, "review_outcome"),
        (S.REVIEW_ANSWERED, A.COMPLAIN, {"complained_on": D(2025, 1, 21)}, "complained_on"),
        # Complaining about a review before the review was answered makes no sense.
        (S.REVIEW_ANSWERED, A.COMPLAIN, {"complained_on": D(2025, 2, 4)}, "complained_on"),
        (S.ICO_COMPLAINT, A.RECORD_DECISION,
         {"decided_on": D(2025, 2, 7), "decision_outcome": "upheld"}, "decided_on"),
        (S.ICO_COMPLAINT, A.RECORD_DECISION,
         {"decided_on": D(2025, 3, 7), "decision_outcome": "won"}, "decision_outcome"),
        (S.SENT, A.WITHDRAW, {"withdrawn_on": "future"}, "withdrawn_on"),
        (S.SENT, A.WITHDRAW, {"withdrawn_on": D(2025, 1, 3)}, "withdrawn_on"),
    ],
)  # fmt: skip
def test_it_refuses_impossible_dates_and_values_naming_the_field(
    db, staff, status, action, kwargs, field
):
    foi = make_request(KENT, status, staff)
    kwargs = {k: tomorrow() if v == "future" else v for k, v in kwargs.items()}
    before = snapshot(foi)
    events = foi.events.count()
    with pytest.raises(ServiceError) as exc:
        ACTION_SERVICES[action](request_id=foi.pk, actor=staff, **kwargs)
    assert exc.value.field == field
    assert snapshot(foi) == before
    assert foi.events.count() == events


def test_it_accepts_today(db, staff):
    foi = make_request(KENT, S.DRAFT, staff)
    request_mark_sent(request_id=foi.pk, actor=staff, sent_on=timezone.localdate())
    foi.refresh_from_db()
    assert foi.sent_on == foi.received_on == timezone.localdate()


def test_it_refuses_an_unknown_request(db, staff):
    with pytest.raises(ServiceError):
        request_withdraw(request_id=999_999, actor=staff, withdrawn_on=D(2025, 1, 6))


def test_it_adds_a_note_without_changing_the_status(db, staff):
    foi = make_request(KENT, S.SENT, staff)
    event = request_add_note(request_id=foi.pk, actor=staff, note="  Rang the FOI team.  ")
    assert (event.kind, event.note, event.actor) == ("note", "Rang the FOI team.", staff)
    foi.refresh_from_db()
    assert foi.status == S.SENT
    with pytest.raises(ServiceError) as exc:
        request_add_note(request_id=foi.pk, actor=staff, note="   ")
    assert exc.value.field == "note"


# --- stored due dates ------------------------------------------------------------------------------


def stored(foi):
    foi.refresh_from_db()
    return foi.due_on, foi.next_due_on, foi.next_long_overdue_on


def test_it_moves_the_stored_due_dates_through_the_whole_life_of_a_foia_request(db, staff):
    foi = make_request(KENT, S.DRAFT, staff)
    assert stored(foi) == (None, None, None)
    request_mark_sent(request_id=foi.pk, actor=staff, sent_on=D(2024, 6, 3))
    assert stored(foi) == (D(2024, 7, 1), D(2024, 7, 1), D(2024, 7, 30))
    request_acknowledge(request_id=foi.pk, actor=staff, acknowledged_on=D(2024, 6, 4))
    assert stored(foi) == (D(2024, 7, 1), D(2024, 7, 1), D(2024, 7, 30))
    request_clarification_requested(request_id=foi.pk, actor=staff, requested_on=D(2024, 6, 5))
    assert stored(foi) == (None, None, None)  # clock stopped
    request_clarification_sent(request_id=foi.pk, actor=staff, sent_on=D(2024, 6, 12))
    # Restarted from Wed 12 Jun; 12 Jul (NI) and 5 Aug (Scotland) skipped for the 40th day.
    assert stored(foi) == (D(2024, 7, 10), D(2024, 7, 10), D(2024, 8, 9))
    request_fees_notice(request_id=foi.pk, actor=staff, notice_on=D(2024, 6, 14))
    assert stored(foi) == (None, None, None)  # unpaid fee: no duty yet
    request_fee_paid(request_id=foi.pk, actor=staff, paid_on=D(2024, 6, 18))
    # Fri 14, Mon 17, Tue 18 Jun disregarded; 12 Jul (NI), 5 Aug (Scotland) skipped.
    assert stored(foi) == (D(2024, 7, 16), D(2024, 7, 16), D(2024, 8, 14))
    request_pit_extension(
        request_id=foi.pk, actor=staff, notice_on=D(2024, 7, 10), estimated_on=D(2024, 8, 30)
    )
    # The force now owes the answer by its estimate; long overdue after the later of the
    # estimate and the 40th working day.
    assert stored(foi) == (D(2024, 7, 16), D(2024, 8, 30), D(2024, 8, 30))
    request_record_response(
        request_id=foi.pk,
        actor=staff,
        outcome="part",
        answered_on=D(2024, 8, 20),
        exemptions=["foia:s40(2)"],
    )
    assert stored(foi) == (D(2024, 7, 16), None, None)
    request_review_requested(request_id=foi.pk, actor=staff, requested_on=D(2024, 8, 22))
    # 26 Aug (late summer) skipped: 20th working day Fri 20 Sep, 40th Fri 18 Oct.
    assert stored(foi) == (D(2024, 7, 16), D(2024, 9, 20), D(2024, 10, 18))
    request_review_answered(
        request_id=foi.pk, actor=staff, answered_on=D(2024, 9, 10), review_outcome="partly"
    )
    assert stored(foi) == (D(2024, 7, 16), None, None)
    request_complain(request_id=foi.pk, actor=staff, complained_on=D(2024, 9, 12))
    assert stored(foi) == (D(2024, 7, 16), None, None)


def test_it_keeps_the_pit_estimate_as_long_overdue_only_when_later_than_day_40(db, staff):
    foi = make_request(KENT, S.DRAFT, staff)
    request_mark_sent(request_id=foi.pk, actor=staff, sent_on=D(2024, 6, 3))
    request_pit_extension(
        request_id=foi.pk, actor=staff, notice_on=D(2024, 6, 28), estimated_on=D(2024, 7, 15)
    )
    assert stored(foi) == (D(2024, 7, 1), D(2024, 7, 15), D(2024, 7, 30))


def test_it_uses_the_scottish_calendar_for_police_scotland(db, staff):
    foi = make_request(SCOTLAND, S.DRAFT, staff)
    request_mark_sent(request_id=foi.pk, actor=staff, sent_on=D(2024, 7, 26))
    assert stored(foi) == (D(2024, 8, 26), D(2024, 8, 26), D(2024, 9, 23))
    kent = make_request(KENT, S.DRAFT, staff)
    request_mark_sent(request_id=kent.pk, actor=staff, sent_on=D(2024, 7, 26))
    assert stored(kent)[0] == D(2024, 8, 27)


def test_it_finds_overdue_requests_from_the_stored_dates(db, staff):
    foi = make_request(KENT, S.DRAFT, staff)
    request_mark_sent(request_id=foi.pk, actor=staff, sent_on=D(2024, 6, 3))
    assert not FoiRequest.objects.overdue(today=D(2024, 7, 1)).filter(pk=foi.pk).exists()
    assert FoiRequest.objects.overdue(today=D(2024, 7, 2)).filter(pk=foi.pk).exists()
    assert not FoiRequest.objects.long_overdue(today=D(2024, 7, 30)).filter(pk=foi.pk).exists()
    assert FoiRequest.objects.long_overdue(today=D(2024, 7, 31)).filter(pk=foi.pk).exists()
    request_record_response(
        request_id=foi.pk, actor=staff, outcome="full", answered_on=D(2024, 7, 5)
    )
    assert not FoiRequest.objects.overdue(today=D(2024, 7, 31)).filter(pk=foi.pk).exists()


def test_it_moves_due_dates_when_a_non_working_day_is_added(db, staff):
    kent = make_request(KENT, S.DRAFT, staff)
    scotland = make_request(SCOTLAND, S.DRAFT, staff)
    answered = make_request(KENT, S.DRAFT, staff)
    for foi in (kent, scotland, answered):
        request_mark_sent(request_id=foi.pk, actor=staff, sent_on=D(2024, 6, 3))
    request_record_response(
        request_id=answered.pk, actor=staff, outcome="full", answered_on=D(2024, 6, 20)
    )
    NonWorkingDay.objects.create(date=D(2024, 6, 10), applies_to="foia", description="Proclaimed")
    assert deadlines_refresh_all() == 2  # Kent's open request and its answered one (due_on)
    assert stored(kent) == (D(2024, 7, 2), D(2024, 7, 2), D(2024, 7, 31))
    assert stored(answered) == (D(2024, 7, 2), None, None)
    assert stored(scotland) == (D(2024, 7, 1), D(2024, 7, 1), D(2024, 7, 29))  # FOISA: untouched
    assert deadlines_refresh_all() == 0
    NonWorkingDay.objects.create(date=D(2024, 6, 11), applies_to="all", description="Another")
    assert deadlines_refresh_all() == 3
    assert stored(scotland) == (D(2024, 7, 2), D(2024, 7, 2), D(2024, 7, 30))
    assert stored(kent)[0] == D(2024, 7, 3)
    # New moves use the hand-added days too.
    fresh = make_request(KENT, S.DRAFT, staff)
    request_mark_sent(request_id=fresh.pk, actor=staff, sent_on=D(2024, 6, 3))
    assert stored(fresh)[0] == D(2024, 7, 3)


# --- bulk ------------------------------------------------------------------------------------------


def test_it_marks_a_whole_campaign_sent(db, staff, campaign):
    ids = list(campaign.requests.values_list("pk", flat=True))
    assert len(ids) == 43
    assert requests_bulk_mark_sent(request_ids=ids, actor=staff, sent_on=D(2024, 12, 20)) == 43
    assert set(campaign.requests.values_list("status", "due_on", "next_due_on")) == {
        (S.SENT, D(2025, 1, 23), D(2025, 1, 23))
    }
    assert RequestEvent.objects.filter(request__campaign=campaign, kind=A.MARK_SENT).count() == 43


def test_it_marks_nothing_sent_when_one_request_cannot_be(db, staff, campaign):
    requests = list(campaign.requests.order_by("pk"))
    request_mark_sent(request_id=requests[20].pk, actor=staff, sent_on=D(2024, 12, 2))
    events = RequestEvent.objects.count()
    with pytest.raises(InvalidTransition):
        requests_bulk_mark_sent(
            request_ids=[r.pk for r in requests], actor=staff, sent_on=D(2024, 12, 20)
        )
    assert campaign.requests.filter(status=S.SENT).count() == 1
    assert campaign.requests.filter(due_on__isnull=False).count() == 1
    assert RequestEvent.objects.count() == events


def test_it_marks_nothing_sent_when_an_id_is_unknown_or_none_given(db, staff, campaign):
    ids = list(campaign.requests.values_list("pk", flat=True))
    with pytest.raises(ServiceError) as exc:
        requests_bulk_mark_sent(request_ids=[*ids, 999_999], actor=staff, sent_on=D(2024, 12, 20))
    assert exc.value.field == "request_ids"
    with pytest.raises(ServiceError):
        requests_bulk_mark_sent(request_ids=[], actor=staff, sent_on=D(2024, 12, 20))
    with pytest.raises(ServiceError) as exc:
        requests_bulk_mark_sent(request_ids=ids, actor=staff, sent_on=tomorrow())
    assert exc.value.field == "sent_on"
    assert not campaign.requests.exclude(status=S.DRAFT).exists()


def test_it_stops_the_clock_for_a_second_clarification_asked_the_day_the_first_arrives(staff):
    from requests_app.services import lifecycle as life

    campaign = campaign_create(
        actor=staff,
        slug="twice",
        title="Twice",
        request_text="Hi {force_name}",
        forces=[Force.objects.get(name="Kent Police")],
        periods=[PeriodSpec("2016/17", date(2016, 4, 1), date(2017, 3, 31))],
    )
    foi = campaign.requests.get()
    life.request_mark_sent(request_id=foi.pk, actor=staff, sent_on=date(2026, 10, 1))
    life.request_clarification_requested(
        request_id=foi.pk, actor=staff, requested_on=date(2026, 10, 5)
    )
    life.request_clarification_sent(request_id=foi.pk, actor=staff, sent_on=date(2026, 10, 7))
    life.request_clarification_requested(
        request_id=foi.pk, actor=staff, requested_on=date(2026, 10, 7)
    )
    foi.refresh_from_db()
    assert (foi.due_on, foi.next_due_on) == (None, None)
