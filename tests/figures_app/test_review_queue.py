"""The review queue with the figures in view: each request's figures and warnings inline,
approve (warnings ticked as checked first) or send back from there, paginated, in a number of
queries that does not grow with the requests; and "Sent back to you" for the enterer."""

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from figures_app.models import Figure, FigureReview, ReviewState
from figures_app.services.review import figures_approve, figures_approve_many, figures_send_back
from requests_app.roles import REVIEWER, STAFF
from requests_app.services.attachments import attachment_add
from requests_app.services.errors import ServiceError
from tests.factories import UserFactory

from .conftest import enter

pytestmark = pytest.mark.django_db

JUMP = "x5.73"  # Kent 63 -> 361: the warning names the jump


@pytest.fixture
def kent(campaign, metric, staff):
    """Kent's figures as the NSPCC had them: 63 then 361, a jump the queue warns about."""
    enter(
        campaign,
        staff,
        [
            {"force": "Kent", "period": "2015/16", "value": "63", "note": "From the table"},
            ("Kent", "2016/17", "361"),
        ],
    )
    return campaign.requests.get(force__name="Kent Police")


@pytest.fixture
def essex(campaign, metric, staff):
    """Essex's figures, nothing to warn about."""
    enter(campaign, staff, [("Essex", "2015/16", 100), ("Essex", "2016/17", 120)])
    return campaign.requests.get(force__name="Essex Police")


def _state(foi) -> str:
    return FigureReview.objects.get(request=foi).state


def _queue(client, **params) -> str:
    return client.get(reverse("figures_review_queue"), params).content.decode()


# The service: warnings must be ticked as checked.


def test_it_refuses_to_approve_figures_with_warnings_not_ticked_naming_the_warning(kent, reviewer):
    with pytest.raises(ServiceError, match="checked the warning") as refused:
        figures_approve(request_id=kent.pk, actor=reviewer)
    assert JUMP in str(refused.value) and "361" in str(refused.value)
    assert _state(kent) == ReviewState.PENDING
    figures_approve(request_id=kent.pk, actor=reviewer, warnings_checked=True)
    assert _state(kent) == ReviewState.APPROVED


def test_it_names_a_breakdown_that_does_not_add_up(campaign, metric, staff, reviewer):
    enter(
        campaign,
        staff,
        [("Kent", "2016/17", 910), ("Kent", "2016/17", 700, "13")],
    )
    kent = campaign.requests.get(force__name="Kent Police")
    with pytest.raises(ServiceError, match="adds up to 700, but the total is 910"):
        figures_approve(request_id=kent.pk, actor=reviewer)


def test_figures_without_warnings_need_no_tick(essex, reviewer):
    assert figures_approve(request_id=essex.pk, actor=reviewer).state == ReviewState.APPROVED


def test_bulk_approve_needs_each_warning_ticked_and_is_all_or_nothing(kent, essex, reviewer):
    with pytest.raises(ServiceError, match="Kent Police: tick the box") as refused:
        figures_approve_many(request_ids=[kent.pk, essex.pk], actor=reviewer)
    assert JUMP in str(refused.value) and "Essex" not in str(refused.value)
    assert (_state(kent), _state(essex)) == (ReviewState.PENDING, ReviewState.PENDING)
    # A tick for another request does not count for Kent.
    with pytest.raises(ServiceError, match="Kent Police"):
        figures_approve_many(
            request_ids=[kent.pk, essex.pk], actor=reviewer, warnings_checked=[essex.pk]
        )
    figures_approve_many(
        request_ids=[kent.pk, essex.pk], actor=reviewer, warnings_checked=[kent.pk]
    )
    assert (_state(kent), _state(essex)) == (ReviewState.APPROVED, ReviewState.APPROVED)


def test_bulk_approve_still_refuses_the_reviewers_own_entries_even_ticked(
    campaign, metric, reviewer, essex
):
    enter(campaign, reviewer, [("Kent", "2015/16", 63), ("Kent", "2016/17", 361)])
    kent = campaign.requests.get(force__name="Kent Police")
    with pytest.raises(ServiceError, match="Kent Police: you entered"):
        figures_approve_many(
            request_ids=[kent.pk, essex.pk], actor=reviewer, warnings_checked=[kent.pk]
        )
    assert _state(essex) == ReviewState.PENDING


# The queue page.


def test_the_queue_shows_each_requests_figures_sources_and_warnings_inline(
    kent, client, reviewer, staff
):
    upload = SimpleUploadedFile("kent-reply.pdf", b"%PDF-1.4 demo", content_type="application/pdf")
    letter = attachment_add(request_id=kent.pk, actor=staff, upload=upload)
    Figure.objects.filter(request=kent, period__label="2016/17").update(
        attachment=letter, location="Table 2, row 4", raw_text="361 offences"
    )
    client.force_login(reviewer)
    page = _queue(client)
    card = page[page.index(f'id="review-{kent.pk}"') :]
    assert "<details" in page and "<summary" in card
    assert "Online-flagged child sex offences · 2016/17 · total" in card
    assert ">361<" in card and "<code>361 offences</code>" in card  # value and force's wording
    assert "From the table" in card  # the note
    assert "kent-reply.pdf" in card and letter.get_absolute_url() in card
    assert "Table 2, row 4" in card
    assert JUMP in card and "1 warning" in card
    assert f'id="warnings-checked-{kent.pk}"' in card
    assert reverse("figures_send_back", args=[kent.pk]) in card


def test_approving_from_the_queue_without_the_tick_is_refused_with_the_warning(
    kent, client, reviewer
):
    client.force_login(reviewer)
    url = reverse("figures_approve", args=[kent.pk])
    response = client.post(url, {"next": "queue", "page": "1"}, follow=True)
    queue = reverse("figures_review_queue")
    assert response.redirect_chain[-1][0] == f"{queue}?open={kent.pk}#review-{kent.pk}"
    page = response.content.decode()
    card = page[page.index(f'id="review-{kent.pk}" open') :]  # the card is open again
    assert "Kent Police: Not approved: tick the box" in card and JUMP in card
    assert _state(kent) == ReviewState.PENDING
    response = client.post(url, {"next": "queue", "warnings_checked": [kent.pk]})
    assert response["Location"] == reverse("figures_review_queue")
    assert _state(kent) == ReviewState.APPROVED


def test_the_queue_posts_every_cards_tick_but_an_approval_counts_only_its_own(
    kent, essex, client, reviewer
):
    client.force_login(reviewer)
    client.post(
        reverse("figures_approve", args=[kent.pk]),
        {"next": "queue", "warnings_checked": [essex.pk]},
    )
    assert _state(kent) == ReviewState.PENDING


def test_bulk_approve_through_the_web_reads_the_warning_ticks(kent, essex, client, reviewer):
    client.force_login(reviewer)
    url = reverse("figures_approve_many")
    page = client.post(url, {"request_ids": [kent.pk, essex.pk]}, follow=True).content.decode()
    assert "Nothing approved" in page and JUMP in page
    assert _state(essex) == ReviewState.PENDING
    client.post(url, {"request_ids": [kent.pk, essex.pk], "warnings_checked": [kent.pk]})
    assert (_state(kent), _state(essex)) == (ReviewState.APPROVED, ReviewState.APPROVED)


def test_the_request_page_offers_the_tick_too(kent, client, reviewer):
    client.force_login(reviewer)
    page = client.get(reverse("request_detail", args=[kent.pk])).content.decode()
    assert 'id="warnings-checked"' in page
    client.post(reverse("figures_approve", args=[kent.pk]))
    assert _state(kent) == ReviewState.PENDING
    client.post(reverse("figures_approve", args=[kent.pk]), {"warnings_checked": [kent.pk]})
    assert _state(kent) == ReviewState.APPROVED


def test_sending_back_from_the_queue_needs_a_comment_and_returns_to_the_queue(
    kent, client, reviewer
):
    client.force_login(reviewer)
    url = reverse("figures_send_back", args=[kent.pk])
    response = client.post(url, {"next": "queue", "comment": "  ", "page": "2"})
    queue = reverse("figures_review_queue")
    assert response["Location"] == f"{queue}?page=2&open={kent.pk}#review-{kent.pk}"
    assert _state(kent) == ReviewState.PENDING
    response = client.post(url, {"next": "queue", "comment": "The letter says 316."})
    assert response["Location"] == reverse("figures_review_queue")
    review = FigureReview.objects.get(request=kent)
    assert (review.state, review.comment) == (ReviewState.SENT_BACK, "The letter says 316.")


def test_the_queue_lists_what_was_sent_back_oldest_first(kent, essex, client, reviewer):
    figures_send_back(request_id=essex.pk, actor=reviewer, comment="Essex: <check> the totals")
    figures_send_back(request_id=kent.pk, actor=reviewer, comment="The letter says 316.")
    client.force_login(reviewer)
    page = _queue(client)
    listed = page[page.index('id="sent-back-list"') :]
    essex_at = listed.index(f'href="{reverse("request_detail", args=[essex.pk])}#figures"')
    kent_at = listed.index(f'href="{reverse("request_detail", args=[kent.pk])}#figures"')
    assert essex_at < kent_at
    assert f"{kent.campaign.title}: Kent Police</a> · by {reviewer.username}: The letter" in listed
    assert "Essex: &lt;check&gt; the totals" in listed


def test_the_queue_offers_no_approval_of_the_reviewers_own_entries(
    campaign, metric, client, reviewer
):
    enter(campaign, reviewer, [("Kent", "2015/16", 63)])
    kent = campaign.requests.get(force__name="Kent Police")
    client.force_login(reviewer)
    page = _queue(client)
    assert f'id="review-{kent.pk}"' in page
    assert f'id="tick-{kent.pk}"' not in page
    assert reverse("figures_approve", args=[kent.pk]) not in page
    assert "another reviewer must approve them" in page
    assert 'id="approve-ticked"' not in page  # nothing on the page the reviewer may approve


def test_the_queue_is_keyboard_usable(kent, client, reviewer):
    """Every control is a native one a keyboard reaches: <summary> opens a card, boxes have
    labels, the actions are buttons (no click handlers on divs)."""
    client.force_login(reviewer)
    page = _queue(client)
    card = page[page.index(f'id="review-{kent.pk}"') :]
    assert card.index("<summary") < card.index("warnings-checked") < card.index("approve-")
    assert f'<label class="form-check-label" for="warnings-checked-{kent.pk}">' in card
    assert f'<label class="form-check-label" for="tick-{kent.pk}">' in card
    assert f'<label class="form-label small fw-semibold mb-1" for="send-back-{kent.pk}">' in card
    assert "tabindex" not in page and "onclick" not in page
    assert "figures_app/review.css" in page  # the visible focus ring on each summary


def test_the_queue_is_paginated(campaign, metric, staff, client, reviewer):
    fois = list(campaign.requests.select_related("force").order_by("pk")[:21])
    enter(campaign, staff, [(foi.force.name, "2015/16", 10) for foi in fois])
    client.force_login(reviewer)
    first = _queue(client)
    assert first.count('class="card mb-2 review-item"') == 20
    assert "21 requests awaiting review; page 1 of 2" in first
    second = _queue(client, page=2)
    assert second.count('class="card mb-2 review-item"') == 1


def test_the_queue_uses_the_same_queries_for_2_or_8_requests(
    campaign, metric, staff, client, reviewer, django_assert_max_num_queries
):
    from django.db import connection

    fois = list(campaign.requests.select_related("force").order_by("pk")[:8])

    def add(batch):
        rows = []
        for foi in batch:
            rows += [
                {"force": foi.force.name, "period": "2015/16", "value": "10", "note": "n"},
                {"force": foi.force.name, "period": "2016/17", "value": "90"},  # a jump
                {"force": foi.force.name, "period": "2016/17", "value": "5", "victim_age": "13"},
            ]
        enter(campaign, staff, rows)

    add(fois[:2])
    client.force_login(reviewer)
    _queue(client)  # warm the session and role caches
    cache.clear()  # the figures read and their blocks stored (review_blocks.py)
    with CaptureQueriesContext(connection) as two:
        page = _queue(client)
    assert page.count('class="card mb-2 review-item"') == 2 and "x9.00" in page
    with CaptureQueriesContext(connection) as two_again:
        _queue(client)  # the blocks from the cache
    assert len(two_again) < len(two)
    add(fois[2:])
    cache.clear()
    with django_assert_max_num_queries(len(two)):
        page = _queue(client)
    assert page.count('class="card mb-2 review-item"') == 8
    with django_assert_max_num_queries(len(two_again)):
        again = _queue(client)
    assert again.count('data-label="Cell"') == page.count('data-label="Cell"') == 24


def test_the_queue_uses_the_same_queries_for_few_or_many_figures(
    campaign, metric, staff, client, reviewer, django_assert_max_num_queries
):
    """The figures are read as rows for the page shown (review_figures.figures_and_warnings):
    more figures per request, in more categories, add no query."""
    from django.db import connection

    fois = list(campaign.requests.select_related("force").order_by("pk")[:2])
    enter(
        campaign,
        staff,
        [(foi.force.name, "2015/16", "10") for foi in fois]
        + [(foi.force.name, "2015/16", "1", "12") for foi in fois],
    )
    client.force_login(reviewer)
    _queue(client)  # warm the session and role caches
    cache.clear()  # the figures read and their blocks stored (review_blocks.py)
    with CaptureQueriesContext(connection) as few:
        page = _queue(client)
    assert page.count('class="card mb-2 review-item"') == 2 and "2 figures," in page
    enter(
        campaign,
        staff,
        [
            (foi.force.name, period, "1", str(age))
            for foi in fois
            for period in ("2015/16", "2016/17")
            for age in range(12)
        ],
    )
    # New figures are a new version of each request's: the blocks are read afresh.
    with django_assert_max_num_queries(len(few)):
        page = _queue(client)
    assert page.count('class="card mb-2 review-item"') == 2 and "26 figures," in page
    assert page.count('data-label="Cell"') == 52


def test_the_queue_links_to_sent_back_to_you_for_staff(kent, client, reviewer):
    client.force_login(reviewer)  # staff and reviewer
    assert reverse("figures_sent_back_to_you") in _queue(client)
    client.force_login(UserFactory(username="rita", roles=[REVIEWER]))  # cannot open it
    assert reverse("figures_sent_back_to_you") not in _queue(client)


# Sent back to you.


def test_a_staff_member_who_is_not_a_reviewer_sees_only_their_own_sent_back_figures(
    campaign, metric, client, reviewer
):
    stella = UserFactory(username="stella", roles=[STAFF])
    other = UserFactory(username="otto", roles=[STAFF])
    enter(campaign, stella, [("Kent", "2015/16", 63)])
    enter(campaign, other, [("Essex", "2015/16", 100)])
    kent = campaign.requests.get(force__name="Kent Police")
    essex = campaign.requests.get(force__name="Essex Police")
    figures_send_back(request_id=kent.pk, actor=reviewer, comment="Kent says 64 in the letter.")
    figures_send_back(request_id=essex.pk, actor=reviewer, comment="Essex: wrong period.")
    client.force_login(stella)
    response = client.get(reverse("figures_sent_back_to_you"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Kent says 64 in the letter." in page and "riley" in page
    assert reverse("request_detail", args=[kent.pk]) + "#figures" in page
    assert "Essex" not in page
    # The nav links it for staff who are not reviewers; the review queue is not offered.
    assert f'href="{reverse("figures_sent_back_to_you")}"' in page
    assert f'href="{reverse("figures_review_queue")}"' not in page


def test_sent_back_to_you_says_so_when_empty(client, staff):
    client.force_login(staff)
    page = client.get(reverse("figures_sent_back_to_you")).content.decode()
    assert 'id="sent-back-empty"' in page and "Nothing has been sent back to you" in page


def test_sent_back_to_you_counts_figures_changed_by_the_user_not_only_submitted(
    kent, campaign, client, reviewer
):
    """Sam entered Kent; Stella corrected one cell (so the review names her); both see it."""
    stella = UserFactory(username="stella", roles=[STAFF])
    enter(campaign, stella, [("Kent", "2015/16", 64), ("Kent", "2016/17", 361)])
    figures_send_back(request_id=kent.pk, actor=reviewer, comment="Check 2016/17.")
    for user in (kent.figures.first().entered_by, stella):
        client.force_login(user)
        assert "Check 2016/17." in client.get(reverse("figures_sent_back_to_you")).content.decode()


def test_sent_back_to_you_is_for_staff(client):
    only_reviewer = UserFactory(username="rita", roles=[REVIEWER])
    client.force_login(only_reviewer)
    assert client.get(reverse("figures_sent_back_to_you")).status_code == 403


# Approving what was seen: figures changed after the page was opened are not approved.


def test_it_refuses_figures_changed_since_the_reviewer_opened_them(
    kent, essex, campaign, staff, reviewer
):
    from figures_app.selectors.review import review_standing

    def figures_version(request_id: int) -> int:
        return review_standing(reviewer, request_id).version

    seen = figures_version(kent.pk)
    assert seen > 0
    enter(campaign, staff, [("Kent", "2015/16", 64), ("Kent", "2016/17", 361)])
    with pytest.raises(ServiceError, match="changed since you opened them"):
        figures_approve(
            request_id=kent.pk, actor=reviewer, warnings_checked=True, seen_version=seen
        )
    with pytest.raises(ServiceError, match="Kent Police: the figures changed"):
        figures_approve_many(
            request_ids=[kent.pk, essex.pk],
            actor=reviewer,
            warnings_checked=[kent.pk],
            seen_versions={kent.pk: seen, essex.pk: figures_version(essex.pk)},
        )
    assert (_state(kent), _state(essex)) == (ReviewState.PENDING, ReviewState.PENDING)
    figures_approve(
        request_id=kent.pk,
        actor=reviewer,
        warnings_checked=True,
        seen_version=figures_version(kent.pk),
    )
    assert _state(kent) == ReviewState.APPROVED


def test_the_queue_posts_the_version_it_showed(kent, campaign, staff, client, reviewer):
    import re

    client.force_login(reviewer)
    page = _queue(client)
    seen = re.search(rf'name="seen-{kent.pk}" value="(\d+)"', page).group(1)
    enter(campaign, staff, [("Kent", "2015/16", 64), ("Kent", "2016/17", 361)])  # meanwhile
    data = {"next": "queue", "warnings_checked": [kent.pk], f"seen-{kent.pk}": seen}
    page = client.post(
        reverse("figures_approve", args=[kent.pk]), data, follow=True
    ).content.decode()
    assert "changed since you opened them" in page
    assert _state(kent) == ReviewState.PENDING
    bulk = {"request_ids": [kent.pk], "warnings_checked": [kent.pk], f"seen-{kent.pk}": seen}
    page = client.post(reverse("figures_approve_many"), bulk, follow=True).content.decode()
    assert "Nothing approved" in page and "changed since you opened them" in page
    assert _state(kent) == ReviewState.PENDING


def test_the_request_page_posts_the_version_it_showed(kent, campaign, staff, client, reviewer):
    import re

    client.force_login(reviewer)
    page = client.get(reverse("request_detail", args=[kent.pk])).content.decode()
    seen = re.search(r'name="seen" value="(\d+)"', page).group(1)
    enter(campaign, staff, [("Kent", "2015/16", 64), ("Kent", "2016/17", 361)])
    data = {"warnings_checked": [kent.pk], "seen": seen}
    client.post(reverse("figures_approve", args=[kent.pk]), data)
    assert _state(kent) == ReviewState.PENDING
