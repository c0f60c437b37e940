"""The reply-token migrations: existing requests get distinct tokens, and it runs backwards."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("requests_app", "0004_daily_reminders_schedule")]
AFTER = [("requests_app", "0007_request_reply_token_unique")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_it_gives_existing_requests_distinct_tokens_and_reverses():
    old = _migrate(BEFORE)
    Campaign = old.get_model("requests_app", "Campaign")
    FoiRequest = old.get_model("requests_app", "FoiRequest")
    Force = old.get_model("requests_app", "Force")
    campaign = Campaign.objects.create(slug="old", title="Old", request_text="Dear {force_name}")
    for force in Force.objects.all()[:3]:
        FoiRequest.objects.create(campaign=campaign, force=force)

    new = _migrate(AFTER)
    tokens = list(
        new.get_model("requests_app", "FoiRequest")
        .objects.filter(campaign__slug="old")
        .values_list("reply_token", flat=True)
    )
    assert len(tokens) == 3 and all(len(t) >= 20 for t in tokens) and len(set(tokens)) == 3

    _migrate(BEFORE)
    _migrate(_latest())  # and forwards to the end, leaving the schema as the other tests expect


def _latest():
    executor = MigrationExecutor(connection)
    return executor.loader.graph.leaf_nodes()
