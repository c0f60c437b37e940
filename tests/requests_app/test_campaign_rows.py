"""The campaign page's table rows, written in Python (requests_app/campaign_rows.py): every cell
and flag the template used to write, escaped as the template escaped it."""

from __future__ import annotations

from datetime import UTC, date, datetime

from django.test import Client

from figures_app.models import Figure, Kind
from figures_app.services.metrics import MetricSpec, metric_save
from requests_app.campaign_rows import campaign_rows_html
from requests_app.models import FoiRequest, Force
from requests_app.roles import REVIEWER
from requests_app.selectors.campaigns import campaign_progress, progress_of_rows
from requests_app.selectors.requests import RequestRow, campaign_requests, request_rows
from requests_app.workflow import Outcome, Status
from tests.conftest import mark_two_factor_verified
from tests.factories import UserFactory


def _row(**overrides) -> RequestRow:
    force = Force(name="Kent <Police>", law="foia")
    foi = FoiRequest(
        pk=7,
        force=force,
        status=overrides.pop("status", Status.SENT),
        outcome=overrides.pop("outcome", ""),
        sent_on=date(2026, 3, 2),
        due_on=overrides.pop("due_on", date(2026, 3, 30)),
        next_due_on=overrides.pop("next_due_on", date(2026, 3, 31)),
        force_reference=overrides.pop("force_reference", "FOI/26/0001"),
        new_reply_at=overrides.pop("new_reply_at", None),
    )
    fields = dict(
        foi=foi,
        overdue=False,
        long_overdue=False,
        working_days_left=3,
        working_days_late=None,
        working_days_taken=None,
        pit_beyond_limit=False,
        complaint_window_closes_on=None,
        review_due_on=None,
    )
    fields.update(overrides)
    return RequestRow(**fields)


def test_a_row_has_every_cell_escaped():
    html = campaign_rows_html([_row(force_reference='<b>"x"</b>')], can_edit=False)

    assert html == (
        '<tr data-force="Kent &lt;Police&gt;" data-status="sent" class="">'
        '<td><a href="/requests/7/">Kent &lt;Police&gt;</a></td>'
        "<td>FOIA</td>"
        '<td><span class="badge text-bg-primary status-badge">Sent</span></td>'
        "<td>2 March 2026</td>"
        "<td>31 March 2026</td>"
        '<td class="num">3</td>'
        '<td class="num"></td>'
        "<td>&lt;b&gt;&quot;x&quot;&lt;/b&gt;</td></tr>"
    )


def test_staff_get_a_checkbox_and_drafts_are_marked_for_select_all_not_sent():
    draft = campaign_rows_html([_row(status=Status.DRAFT, next_due_on=None)], can_edit=True)
    sent = campaign_rows_html([_row()], can_edit=True)

    assert (
        '<td><input type="checkbox" class="form-check-input row-select" name="request_ids"'
        ' value="7" aria-label="Select Kent &lt;Police&gt;" data-draft="1"></td>'
    ) in draft
    assert 'value="7" aria-label="Select Kent &lt;Police&gt;"></td>' in sent
    # No next due date: the first one, then a dash when there is none either.
    assert "<td>30 March 2026</td>" in draft
    undated = campaign_rows_html([_row(next_due_on=None, due_on=None)], can_edit=False)
    assert "<td>2 March 2026</td><td>—</td>" in undated


def test_late_long_overdue_pit_and_a_new_reply_are_flagged():
    html = campaign_rows_html(
        [
            _row(
                overdue=True,
                long_overdue=True,
                working_days_left=None,
                working_days_late=41,
                pit_beyond_limit=True,
                new_reply_at=datetime(2026, 4, 2, 8, 5, tzinfo=UTC),
            )
        ],
        can_edit=False,
    )

    assert 'class="table-danger"' in html
    assert (
        '<td class="num"><span class="text-danger">41</span>'
        ' <span class="badge text-bg-danger">long overdue</span></td>'
    ) in html
    assert "PIT &gt; 40 days</span></td>" in html
    # The reply's time in the site's zone (London: BST from 29 March).
    assert (
        ' <a href="/requests/7/#new-reply" class="badge text-bg-info text-decoration-none'
        ' new-reply-badge" title="Reply received 2 April 2026, 09:05: record the response">'
        "New reply</a>"
    ) in html


def test_overdue_is_amber_and_answered_on_time_shows_zero_late():
    overdue = campaign_rows_html(
        [_row(overdue=True, working_days_left=None, working_days_late=2)], can_edit=False
    )
    on_time = campaign_rows_html(
        [
            _row(
                status=Status.ANSWERED,
                outcome=Outcome.PART,
                working_days_left=None,
                working_days_late=0,
            )
        ],
        can_edit=False,
    )

    assert 'class="table-warning"' in overdue
    assert '<td class="num"><span class="text-danger">2</span></td>' in overdue
    assert '<td class="num">0</td>' in on_time
    assert '<span class="badge text-bg-success status-badge">Answered in part</span>' in on_time


def test_the_page_shows_a_row_per_force_and_checkboxes_to_staff_only(staff_client, campaign):
    page = staff_client.get(campaign.get_absolute_url()).content.decode()
    assert page.count('<tr data-force="') == 43
    assert page.count('class="form-check-input row-select"') == 43

    checker = UserFactory(username="chris", roles=[REVIEWER])  # reviews, cannot edit
    checker_client = Client()
    checker_client.force_login(checker)
    mark_two_factor_verified(checker_client, checker)
    page = checker_client.get(campaign.get_absolute_url()).content.decode()
    assert page.count('<tr data-force="') == 43
    assert "row-select" not in page


def test_no_rows_in_a_state_says_so(staff_client, campaign):
    page = staff_client.get(campaign.get_absolute_url() + "?state=answered").content.decode()
    assert "No requests in this state." in page
    assert '<tr data-force="' not in page


def test_the_progress_line_from_the_rows_is_the_progress_query(staff, campaign):
    """Every status, overdue and not, figures in and a new reply: progress_of_rows over the
    page's rows gives what campaign_progress counts in the database."""
    today = date(2026, 5, 20)
    states = [
        (Status.SENT, date(2026, 5, 1)),  # overdue
        (Status.SENT, date(2026, 6, 1)),  # awaiting, not yet due
        (Status.ACKNOWLEDGED, date(2026, 4, 1)),  # overdue
        (Status.CLARIFICATION_REQUESTED, None),
        (Status.FEES_NOTICE, None),
        (Status.ANSWERED, None),
        (Status.REVIEW_REQUESTED, date(2026, 5, 2)),  # the review is overdue
        (Status.WITHDRAWN, None),
    ]
    requests = list(campaign.requests.order_by("force__name"))
    for foi, (status, due) in zip(requests, states, strict=False):
        FoiRequest.objects.filter(pk=foi.pk).update(status=status, next_due_on=due)
    FoiRequest.objects.filter(pk=requests[0].pk).update(
        new_reply_at=datetime(2026, 5, 19, tzinfo=UTC)
    )
    # Figures in for an overdue awaiting request: not overdue, response not recorded.
    metric = metric_save(
        campaign=campaign,
        spec=MetricSpec("offences", "Offences", "offences", "", ()),
    )
    Figure.objects.create(
        request=requests[2],
        metric=metric,
        period=campaign.periods.first(),
        kind=Kind.REPORTED,
        value=12,
        raw_text="12",
    )

    rows = request_rows(campaign_requests(campaign), today)
    from_rows = progress_of_rows(rows)
    from_query = campaign_progress(campaign, today)

    assert from_rows == from_query
    assert (from_rows.overdue, from_rows.figures_unrecorded, from_rows.new_reply) == (2, 1, 1)
    assert from_rows.total == 43 and from_rows.withdrawn == 1 and from_rows.paused == 2
