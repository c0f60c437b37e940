"""Issue 27: thousands separators wherever a person reads a count ("1,243", not "1243")."""

import pytest
from django.utils import timezone

from figures_app.presentation import headlines
from figures_app.selectors.basis import ALL
from figures_app.selectors.totals import metric_totals

from .conftest import enter

pytestmark = pytest.mark.django_db


def test_the_request_page_and_the_headline_write_1243(campaign, metric, staff, client):
    enter(campaign, staff, [("Kent", "2016/17", 1243)])
    kent = campaign.requests.get(force__name="Kent Police")
    client.force_login(staff)
    page = client.get(kent.get_absolute_url()).content.decode()
    assert '<td class="text-end">1,243</td>' in page  # the value; "as written" keeps 1243
    totals = metric_totals(metric=metric, basis=ALL, today=timezone.localdate())
    assert headlines(totals)[0].startswith("Police recorded 1,243 ")
