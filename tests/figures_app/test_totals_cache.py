"""Issue 28: the totals are served from Django's cache, keyed on the campaign's data version
and the day; every service that can change what the totals say raises the version in its
transaction, so the next read is worked out afresh. Each test here warms the cache, writes
through one service, and checks the next cached read equals totals worked out from scratch."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from figures_app.models import FigureSource, Metric
from figures_app.selectors.basis import ALL, APPROVED
from figures_app.selectors.totals import metric_totals
from figures_app.selectors.totals_cache import cached_metric_totals
from figures_app.services.imports import import_figures
from figures_app.services.metrics import MetricSpec, metric_remove, metric_save
from figures_app.services.review import (
    figures_approve,
    figures_approve_many,
    figures_resubmit,
    figures_send_back,
)
from figures_app.totals_output import totals_json
from requests_app.models import NonWorkingDay
from requests_app.periods import PeriodSpec
from requests_app.selectors.data_versions import campaign_data_version
from requests_app.services.campaigns import campaign_update
from requests_app.services.data_versions import forces_data_changed
from requests_app.services.deadlines import deadlines_refresh_all
from requests_app.services.lifecycle import request_mark_sent, request_withdraw
from requests_app.services.responses import request_record_response
from requests_app.workflow import Outcome

from .conftest import enter

pytestmark = pytest.mark.django_db


def _read(metric, basis=APPROVED, today=None):
    fresh = Metric.objects.select_related("campaign").get(pk=metric.pk)
    return totals_json(
        cached_metric_totals(metric=fresh, basis=basis, today=today or timezone.localdate())
    )


def _worked_out(metric, basis=APPROVED, today=None):
    fresh = Metric.objects.select_related("campaign").get(pk=metric.pk)
    return totals_json(
        metric_totals(metric=fresh, basis=basis, today=today or timezone.localdate())
    )


def _fresh_after(metric, write, *, basis=APPROVED, changes=True):
    """Warm the cache, write, and check the next read is the totals worked out now."""
    before = _read(metric, basis)
    assert _read(metric, basis) == before  # served from the cache
    version = campaign_data_version(metric.campaign_id)
    write()
    assert campaign_data_version(metric.campaign_id) > version
    after = _read(metric, basis)
    assert after == _worked_out(metric, basis)
    if changes:
        assert after != before
    return after


def _kent(campaign):
    return campaign.requests.get(force__name="Kent Police")


def test_a_cache_hit_is_the_stored_answer_not_worked_out_again(
    campaign, metric, staff, reviewer, django_assert_num_queries
):
    enter(campaign, staff, [("Kent Police", "2016/17", 361)], approve_by=reviewer)
    _read(metric)
    fresh = Metric.objects.select_related("campaign").get(pk=metric.pk)
    version = campaign_data_version(campaign.pk)
    with django_assert_num_queries(1):  # the cache's one read
        cached_metric_totals(
            metric=fresh, basis=APPROVED, today=timezone.localdate(), version=version
        )


def test_entering_figures_makes_the_next_read_fresh(campaign, metric, staff, reviewer):
    after = _fresh_after(
        metric, lambda: enter(campaign, staff, [("Kent Police", "2016/17", 361)]), basis=ALL
    )
    assert "361" in str(after)


def test_importing_a_file_makes_the_next_read_fresh(campaign, metric, staff):
    data = b"force,period,metric,value\nKent Police,2016/17,offences,361\n"
    _fresh_after(
        metric,
        lambda: import_figures(campaign=campaign, actor=staff, data=data, filename="f.csv"),
        basis=ALL,
    )


def test_importing_the_same_figures_as_published_makes_the_next_read_fresh(campaign, metric, staff):
    data = b"force,period,metric,value\nKent Police,2016/17,offences,361\n"
    import_figures(campaign=campaign, actor=staff, data=data, filename="f.csv")
    _fresh_after(
        metric,
        lambda: import_figures(
            campaign=campaign,
            actor=staff,
            data=data,
            filename="f.csv",
            source=FigureSource.PUBLISHED,
        ),
        basis=ALL,
        changes=False,  # the JSON does not say it; the page marks the force
    )
    fresh = Metric.objects.select_related("campaign").get(pk=metric.pk)
    totals = cached_metric_totals(metric=fresh, basis=ALL, today=timezone.localdate())
    assert totals.published_requests == {_kent(campaign).pk}


def test_approving_makes_the_next_read_fresh(campaign, metric, staff, reviewer):
    enter(campaign, staff, [("Kent Police", "2016/17", 361)])
    _fresh_after(metric, lambda: figures_approve(request_id=_kent(campaign).pk, actor=reviewer))


def test_approving_many_makes_the_next_read_fresh(campaign, metric, staff, reviewer):
    enter(campaign, staff, [("Kent Police", "2016/17", 361), ("Essex Police", "2016/17", 12)])
    ids = list(campaign.requests.filter(figure_review__isnull=False).values_list("pk", flat=True))
    _fresh_after(metric, lambda: figures_approve_many(request_ids=ids, actor=reviewer))


def test_sending_back_and_resubmitting_make_the_next_read_fresh(campaign, metric, staff, reviewer):
    enter(campaign, staff, [("Kent Police", "2016/17", 361)])
    kent = _kent(campaign).pk
    _fresh_after(
        metric, lambda: figures_send_back(request_id=kent, actor=reviewer, comment="check Kent")
    )
    _fresh_after(metric, lambda: figures_resubmit(request_id=kent, actor=staff))


def test_request_state_changes_make_the_next_read_fresh(campaign, metric, staff):
    kent = _kent(campaign).pk
    sent_on = timezone.localdate() - timedelta(days=60)
    _fresh_after(metric, lambda: request_mark_sent(request_id=kent, actor=staff, sent_on=sent_on))
    _fresh_after(
        metric,
        lambda: request_record_response(
            request_id=kent,
            actor=staff,
            outcome=Outcome.NOT_HELD,
            answered_on=timezone.localdate() - timedelta(days=1),
        ),
    )


def test_withdrawing_a_request_makes_the_next_read_fresh(campaign, metric, staff):
    kent = _kent(campaign).pk
    request_mark_sent(request_id=kent, actor=staff, sent_on=timezone.localdate())
    _fresh_after(
        metric,
        lambda: request_withdraw(request_id=kent, actor=staff, withdrawn_on=timezone.localdate()),
    )


def test_changing_the_campaign_periods_makes_the_next_read_fresh(campaign, metric, staff):
    periods = [
        PeriodSpec("2015/16", date(2015, 4, 1), date(2016, 3, 31)),
        PeriodSpec("2016/17", date(2016, 4, 1), date(2017, 3, 31)),
        PeriodSpec("2017/18", date(2017, 4, 1), date(2018, 3, 31)),
    ]
    _fresh_after(
        metric, lambda: campaign_update(campaign_id=campaign.pk, actor=staff, periods=periods)
    )


def test_changing_the_campaign_settings_makes_the_next_read_fresh(campaign, metric, staff):
    _fresh_after(
        metric,
        lambda: campaign_update(campaign_id=campaign.pk, actor=staff, title="Renamed"),
        changes=False,  # the title is not in the JSON; the version moves all the same
    )


def test_changing_the_metric_makes_the_next_read_fresh(campaign, metric):
    _fresh_after(
        metric,
        lambda: metric_save(
            campaign=campaign,
            spec=MetricSpec("offences", "Offences, relabelled", "offences", ""),
        ),
    )


def test_removing_another_metric_raises_the_version(campaign, metric):
    other = metric_save(campaign=campaign, spec=MetricSpec("other", "Other", "things", ""))
    version = campaign_data_version(campaign.pk)
    metric_remove(metric=other)
    assert campaign_data_version(campaign.pk) > version


def test_a_new_non_working_day_makes_the_next_read_fresh(campaign, metric, staff):
    kent = _kent(campaign).pk
    request_mark_sent(
        request_id=kent, actor=staff, sent_on=timezone.localdate() - timedelta(days=3)
    )

    def add_day():
        NonWorkingDay.objects.create(
            date=timezone.localdate() + timedelta(days=7),
            applies_to="all",
            description="Proclaimed",
        )
        deadlines_refresh_all()

    _fresh_after(metric, add_day, changes=False)


def test_a_force_changed_in_the_admin_raises_its_campaigns_versions(campaign, metric):
    version = campaign_data_version(campaign.pk)
    forces_data_changed(force_ids=[_kent(campaign).force_id])
    assert campaign_data_version(campaign.pk) == version + 1


def test_a_force_renamed_in_the_admin_shows_in_the_next_read(
    campaign, metric, staff, reviewer, admin_user, client
):
    enter(campaign, staff, [("Kent Police", "2016/17", 361)], approve_by=reviewer)
    force = _kent(campaign).force
    before = _read(metric)
    client.force_login(admin_user)
    url = reverse("admin:requests_app_force_change", args=[force.pk])
    page = client.get(url)
    form = page.context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and not isinstance(v, list)}
    data |= {
        "name": "Kent Police (renamed)",
        "aliases-TOTAL_FORMS": "0",
        "aliases-INITIAL_FORMS": "0",
        "aliases-MIN_NUM_FORMS": "0",
        "aliases-MAX_NUM_FORMS": "1000",
    }
    response = client.post(url, data)
    assert response.status_code == 302, response.content[:2000]
    after = _read(metric)
    assert after == _worked_out(metric)
    assert "Kent Police (renamed)" in str(after) and after != before


def test_the_next_day_is_read_afresh(campaign, metric, staff):
    enter(campaign, staff, [("Kent Police", "2016/17", 361)])
    today = timezone.localdate()
    _read(metric, ALL, today)
    tomorrow = today + timedelta(days=1)
    assert _read(metric, ALL, tomorrow) == _worked_out(metric, ALL, tomorrow)


def test_the_api_shows_an_approval_at_once(client, campaign, metric, staff, reviewer):
    enter(campaign, staff, [("Kent Police", "2016/17", 361)])
    client.force_login(staff)
    url = reverse("figures_totals_api", args=[campaign.slug])
    waiting = client.get(url).json()
    assert client.get(url).json() == waiting  # from the cache
    figures_approve(request_id=_kent(campaign).pk, actor=reviewer)
    approved = client.get(url).json()
    assert approved != waiting
    assert "361" in str(approved)
