"""Four workers sending the same campaign at once, on PostgreSQL: the sent-log's one row per
request lets exactly one of them send each force its request (SQLite serialises writers)."""

import pytest
from django.core import mail

from requests_app.models import Force, RequestEvent, SentRequest
from requests_app.models.outbox import SendStatus
from requests_app.services.campaigns import campaign_create
from requests_app.services.sending import Outcome, request_send
from requests_app.workflow import Action, Status
from tests.conftest import NSPCC_PERIODS
from tests.requests_app.test_reminders_concurrency import postgres_only, run_concurrently

pytestmark = pytest.mark.postgres

__all__ = ["postgres_only"]


def test_concurrent_sends_give_every_force_one_request(
    postgres_only, staff, england_and_wales, settings
):
    Force.objects.filter(pk__in=[f.pk for f in england_and_wales]).update(
        foi_email="foi@force.example.org"
    )
    campaign = campaign_create(
        actor=staff,
        owner=staff,
        slug="send-race",
        title="Send race",
        request_text="Dear {force_name}, under {act}, how many in {periods}?",
        forces=england_and_wales,
        periods=NSPCC_PERIODS,
    )
    settings.EMAIL_BACKEND = "tests.requests_app.test_reminders_concurrency.SlowEmailBackend"
    mail.outbox = []
    ids = list(campaign.requests.values_list("pk", flat=True))

    def send_all():
        return [request_send(request_id=pk, actor=None) for pk in ids]

    results = run_concurrently(send_all, workers=4)

    outcomes = [o for run in results for o in run]
    assert outcomes.count(Outcome.SENT) == len(ids)
    assert len(mail.outbox) == len(ids)
    assert sorted(m.subject for m in mail.outbox) == sorted(
        f"Freedom of Information request - Send race [FOI-{pk}]" for pk in ids
    )
    assert SentRequest.objects.filter(status=SendStatus.SENT).count() == len(ids)
    assert RequestEvent.objects.filter(kind=Action.MARK_SENT).count() == len(ids)
    assert set(campaign.requests.values_list("status", flat=True)) == {Status.SENT}
