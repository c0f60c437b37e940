"""Maker-checker: figures entered are pending; a reviewer approves or sends back; a reviewer
cannot approve figures they entered (unless the team allows it); every change is kept."""

import pytest
from django.urls import reverse

from figures_app.models import FigureChange, FigureReview, ReviewEvent, ReviewState
from figures_app.services.review import figures_approve, figures_send_back
from requests_app.services.errors import ServiceError
from tests.factories import UserFactory

from .conftest import enter

pytestmark = pytest.mark.django_db


@pytest.fixture
def kent(campaign, metric, staff):
    enter(campaign, staff, [("Kent", "2015/16", 63), ("Kent", "2016/17", 361)])
    return campaign.requests.get(force__name="Kent Police")


def test_entered_figures_await_review(kent):
    assert kent.figure_review.state == ReviewState.PENDING
    assert ReviewEvent.objects.filter(request=kent, action="submitted").count() == 1


def test_a_reviewer_approves_someone_elses_figures(kent, reviewer):
    # Kent's 63 -> 361 (x5.73) is flagged as a jump: the reviewer ticks that they checked it.
    review = figures_approve(request_id=kent.pk, actor=reviewer, warnings_checked=True)
    assert (review.state, review.reviewed_by) == (ReviewState.APPROVED, reviewer)


def test_a_reviewer_cannot_approve_figures_they_entered(campaign, metric, reviewer):
    enter(campaign, reviewer, [("Kent", "2015/16", 63)])
    foi = campaign.requests.get(force__name="Kent Police")
    with pytest.raises(ServiceError, match="another reviewer"):
        figures_approve(request_id=foi.pk, actor=reviewer)
    assert FigureReview.objects.get(request=foi).state == ReviewState.PENDING


def test_a_reviewer_who_changed_one_figure_cannot_approve(kent, campaign, reviewer):
    enter(campaign, reviewer, [("Kent", "2015/16", 64), ("Kent", "2016/17", 361)])
    with pytest.raises(ServiceError, match="another reviewer"):
        figures_approve(request_id=kent.pk, actor=reviewer)


def test_the_setting_allows_self_approval_for_one_person_teams(
    campaign, metric, reviewer, settings
):
    settings.FIGURES_ALLOW_SELF_APPROVAL = True
    enter(campaign, reviewer, [("Kent", "2015/16", 63)])
    foi = campaign.requests.get(force__name="Kent Police")
    assert figures_approve(request_id=foi.pk, actor=reviewer).state == ReviewState.APPROVED


def test_staff_without_the_reviewer_role_cannot_approve(kent, staff):
    other = UserFactory(username="stella", roles=["staff"])
    with pytest.raises(ServiceError, match="reviewer role"):
        figures_approve(request_id=kent.pk, actor=other)


def test_sending_back_needs_a_comment_and_is_shown(kent, reviewer, client, staff):
    with pytest.raises(ServiceError):
        figures_send_back(request_id=kent.pk, actor=reviewer, comment=" ")
    figures_send_back(
        request_id=kent.pk, actor=reviewer, comment="Kent 2016/17 is 316 in the letter."
    )
    assert FigureReview.objects.get(request=kent).state == ReviewState.SENT_BACK
    client.force_login(staff)
    page = client.get(reverse("request_detail", args=[kent.pk])).content.decode()
    assert "Kent 2016/17 is 316 in the letter." in page
    with pytest.raises(ServiceError, match="sent back"):
        figures_approve(request_id=kent.pk, actor=reviewer)


def test_a_change_after_approval_needs_review_again(kent, campaign, staff, reviewer):
    figures_approve(request_id=kent.pk, actor=reviewer, warnings_checked=True)
    enter(campaign, staff, [("Kent", "2015/16", 63), ("Kent", "2016/17", 316)])
    assert FigureReview.objects.get(request=kent).state == ReviewState.PENDING


def test_every_change_is_kept_and_shown(kent, campaign, staff, reviewer, client):
    enter(campaign, staff, [("Kent", "2016/17", 316)])
    enter(campaign, staff, [("Kent", "2016/17", "<5")])
    history = list(
        FigureChange.objects.filter(request=kent, period__label="2016/17").order_by("pk")
    )
    assert [(h.action, h.old_display, h.new_display) for h in history] == [
        ("created", "", "361"),
        ("changed", "361", "316"),
        ("changed", "316", "<5 (1–4)"),
    ]
    assert all(h.actor == staff and h.created_at for h in history)
    client.force_login(reviewer)
    page = client.get(reverse("request_detail", args=[kent.pk])).content.decode()
    assert "361 → 316" in page and "316 → &lt;5 (1–4)" in page


def test_approve_and_send_back_through_the_web(kent, client, reviewer, staff):
    client.force_login(staff)
    assert client.post(reverse("figures_approve", args=[kent.pk])).status_code == 403
    client.force_login(reviewer)
    response = client.post(
        reverse("figures_approve", args=[kent.pk]), {"warnings_checked": [kent.pk]}
    )
    assert response.status_code == 302
    assert FigureReview.objects.get(request=kent).state == ReviewState.APPROVED


def test_the_review_queue_lists_pending_requests(kent, client, reviewer):
    client.force_login(reviewer)
    page = client.get(reverse("figures_review_queue")).content.decode()
    assert "Kent Police" in page and "Approve" in page


def test_the_digest_section_names_figures_to_review(kent, reviewer, staff):
    from django.utils import timezone

    from foi_tracker.digest import FIGURE_SECTIONS

    section = dict(FIGURE_SECTIONS)["Figures waiting for your review"]
    items = section(reviewer, timezone.localdate())
    assert [(i["campaign"], i["label"]) for i in items] == [(kent.campaign.title, "Kent Police")]
    assert section(staff, timezone.localdate()) == []


def test_the_digest_tells_the_enterer_what_was_sent_back_and_why(kent, reviewer, staff):
    from django.utils import timezone

    from figures_app.services.review import figures_send_back
    from foi_tracker.digest import FIGURE_SECTIONS

    figures_send_back(request_id=kent.pk, actor=reviewer, comment="Page 2 says 316, not 361.")
    section = dict(FIGURE_SECTIONS)["Sent back to you"]
    (item,) = section(staff, timezone.localdate())
    assert item["label"] == "Kent Police"
    assert item["detail"] == f"{reviewer.get_username()}: Page 2 says 316, not 361."
    assert section(reviewer, timezone.localdate()) == []


def test_the_daily_job_sends_the_reviewer_a_digest_with_the_figures_to_review(kent, reviewer):
    """The task composes the digest with the figures' sections (foi_tracker/digest.py)."""
    from django.core import mail

    from foi_tracker.tasks import send_daily_reminders

    send_daily_reminders.delay("2026-04-15").get()  # a Wednesday
    (digest,) = [m for m in mail.outbox if m.to == [reviewer.email]]
    assert "Figures waiting for your review" in digest.body
    assert "Kent Police" in digest.body


def test_a_reviewer_cannot_approve_their_own_web_import_unless_the_team_allows_it(
    client, campaign, metric, reviewer, settings, django_capture_on_commit_callbacks
):
    from django.urls import reverse

    from figures_app.models import Figure, FigureImport, FigureReview
    from figures_app.services.import_batches import figure_import_check

    def batch():
        staged = FigureImport.objects.create(
            campaign=campaign,
            filename="kent.csv",
            uploaded_by=reviewer,
            data=b"force,period,metric,value\nKent,2016/17,offences,361\n",
        )
        return figure_import_check(batch_id=staged.pk)

    client.force_login(reviewer)
    first = batch()
    url = reverse("figures_import_confirm", args=[campaign.slug, first.pk])
    assert client.post(url, {"approve": "1"}).status_code == 403
    assert not Figure.objects.exists()

    settings.FIGURES_ALLOW_SELF_APPROVAL = True
    with django_capture_on_commit_callbacks(execute=True):  # the apply task (eager in tests)
        assert client.post(url, {"approve": "1"}).status_code == 302
    assert Figure.objects.get().value == 361
    assert FigureReview.objects.get().state == "approved"


# --- maker-checker from the history (issue 8): the walks round it, closed -------------------


def _grid_save(client, foi, metric, values: dict):
    """Save the entry grid with `values` {(period label, key): text}; cells not given are left
    out of the POST (untouched), a value of "" empties the cell."""
    from figures_app.forms import cell_name

    periods = {p.label: p for p in foi.campaign.periods.all()}
    data = {
        cell_name(metric.pk, periods[label].pk, key): text for (label, key), text in values.items()
    }
    return client.post(reverse("figures_request_save", args=[foi.pk]), data)


def test_a_reviewer_who_emptied_someone_elses_cell_cannot_approve(
    kent, campaign, metric, reviewer, client
):
    client.force_login(reviewer)
    _grid_save(client, kent, metric, {("2016/17", ""): ""})
    assert not kent.figures.filter(period__label="2016/17").exists()
    with pytest.raises(ServiceError, match="removed"):
        figures_approve(request_id=kent.pk, actor=reviewer)
    assert FigureReview.objects.get(request=kent).state == ReviewState.PENDING


def test_a_reviewer_whose_change_was_then_touched_by_the_enterer_cannot_approve(
    kent, campaign, metric, staff, reviewer
):
    from figures_app.services.figures import figure_update

    enter(campaign, reviewer, [("Kent", "2015/16", 64), ("Kent", "2016/17", 361)])
    fig = kent.figures.get(period__label="2015/16")
    # The enterer edits only the note: they are now the figure's last editor.
    from figures_app.values import parse_figure

    figure_update(
        figure_id=fig.pk,
        actor=staff,
        parsed=parse_figure("64", bounds=(1, 4)),
        note="checked",
        attachment_id=None,
        location="",
    )
    fig.refresh_from_db()
    assert fig.updated_by == staff and fig.entered_by == staff
    with pytest.raises(ServiceError, match="another reviewer"):
        figures_approve(request_id=kent.pk, actor=reviewer)


def test_a_reviewer_who_deleted_a_cell_that_was_re_added_cannot_approve(
    kent, campaign, metric, staff, reviewer, client
):
    client.force_login(reviewer)
    _grid_save(client, kent, metric, {("2016/17", ""): ""})
    enter(campaign, staff, [("Kent", "2016/17", 361)])
    with pytest.raises(ServiceError, match="another reviewer"):
        figures_approve(request_id=kent.pk, actor=reviewer)


def test_a_reviewer_who_changed_then_reverted_a_value_cannot_approve(
    kent, campaign, metric, reviewer
):
    enter(campaign, reviewer, [("Kent", "2015/16", 64)])
    enter(campaign, reviewer, [("Kent", "2015/16", 63)])
    kent.figures.update(updated_by=None)  # even if the rows forget who touched them last
    with pytest.raises(ServiceError, match="another reviewer"):
        figures_approve(request_id=kent.pk, actor=reviewer)


def test_a_removal_before_the_last_approval_does_not_block_a_later_review(
    kent, campaign, metric, staff, reviewer, client
):
    other = UserFactory(username="rowan", roles=["staff", "reviewer"])
    # Riley removes a cell; Rowan approves; Sam corrects the other cell; Riley may now review.
    client.force_login(reviewer)
    _grid_save(client, kent, metric, {("2016/17", ""): ""})
    assert figures_approve(request_id=kent.pk, actor=other).state == ReviewState.APPROVED
    enter(campaign, staff, [("Kent", "2015/16", 64)])
    assert figures_approve(request_id=kent.pk, actor=reviewer).state == ReviewState.APPROVED


def test_the_queue_offers_only_what_the_reviewer_did_not_make(
    kent, campaign, metric, reviewer, client
):
    client.force_login(reviewer)
    page = client.get(reverse("figures_review_queue")).content.decode()
    assert 'name="request_ids"' in page
    _grid_save(client, kent, metric, {("2016/17", ""): ""})
    page = client.get(reverse("figures_review_queue")).content.decode()
    assert 'name="request_ids"' not in page
    assert "yours: another reviewer" in page
    detail = client.get(reverse("figures_request", args=[kent.pk])).content.decode()
    assert reverse("figures_approve", args=[kent.pk]) not in detail


def test_bulk_approve_is_all_or_nothing_and_applies_the_same_rule(
    campaign, metric, staff, reviewer, client
):
    enter(campaign, staff, [("Kent", "2015/16", 63), ("Essex", "2015/16", 80)])
    kent = campaign.requests.get(force__name="Kent Police")
    essex = campaign.requests.get(force__name="Essex Police")
    client.force_login(reviewer)
    _grid_save(client, essex, metric, {("2015/16", ""): "81"})  # Riley changes Essex
    response = client.post(
        reverse("figures_approve_many"), {"request_ids": [kent.pk, essex.pk]}, follow=True
    )
    assert "Nothing approved" in response.content.decode()
    assert "Essex Police" in response.content.decode()
    assert FigureReview.objects.get(request=kent).state == ReviewState.PENDING
    response = client.post(reverse("figures_approve_many"), {"request_ids": [kent.pk]})
    assert response.status_code == 302
    assert FigureReview.objects.get(request=kent).state == ReviewState.APPROVED
    assert FigureReview.objects.get(request=essex).state == ReviewState.PENDING


def test_bulk_approve_needs_the_reviewer_role(kent, staff, client):
    other = UserFactory(username="stella", roles=["staff"])
    client.force_login(other)
    response = client.post(reverse("figures_approve_many"), {"request_ids": [kent.pk]})
    assert response.status_code == 403
    assert FigureReview.objects.get(request=kent).state == ReviewState.PENDING


def test_bulk_approve_uses_the_same_queries_however_many_are_ticked(
    campaign, metric, staff, reviewer
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from figures_app.services.review import figures_approve_many

    forces = ["Kent", "Essex", "Surrey", "Dorset", "Norfolk", "Suffolk"]
    enter(campaign, staff, [(name, "2015/16", 10) for name in forces])
    ids = [campaign.requests.get(force__name__startswith=name).pk for name in forces]
    from requests_app.roles import can_review

    assert can_review(reviewer)  # the role cache is loaded once per user, not per request
    counts = []
    for batch in (ids[:2], ids[2:]):
        with CaptureQueriesContext(connection) as ctx:
            figures_approve_many(request_ids=batch, actor=reviewer)
        counts.append(len(ctx))
    assert counts[0] == counts[1]
