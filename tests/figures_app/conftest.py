"""Helpers for figures tests: a metric on the shared `campaign` and a quick way to enter rows."""

import pytest
from django.db import transaction

from figures_app.readers import Row
from figures_app.services.figures import figures_apply
from figures_app.services.imports import build_cells
from figures_app.services.metrics import DimensionSpec, MetricSpec, metric_save
from figures_app.services.review import _approve

COLUMNS = ["force", "period", "metric", "victim_age", "value", "status", "note"]


@pytest.fixture
def metric(campaign, staff):
    return metric_save(
        campaign=campaign,
        spec=MetricSpec(
            "offences",
            "Online-flagged child sex offences",
            "offences",
            "",
            (DimensionSpec("victim_age", "Victim age", None),),
        ),
    )


def enter(campaign, user, rows, *, approve_by=None):
    """rows: (force, period, value) or (force, period, value, age) or dicts."""
    dict_rows = []
    for i, r in enumerate(rows, start=2):
        if isinstance(r, dict):
            d = {"metric": "offences", "victim_age": "", "status": "", "note": ""} | r
        else:
            force, period, value, *age = r
            d = {
                "force": force,
                "period": period,
                "metric": "offences",
                "victim_age": age[0] if age else "",
                "value": value,
                "status": "",
                "note": "",
            }
        dict_rows.append(Row(i, d))
    cells, index = build_cells(campaign=campaign, columns=COLUMNS, rows=dict_rows, source="test")
    result = figures_apply(campaign=campaign, actor=user, cells=cells, index=index)
    if approve_by is not None:
        # _approve runs inside its caller's transaction (it locks the reviews): browser tests'
        # data is set up outside one, and PostgreSQL refuses a lock without it.
        with transaction.atomic():
            _approve(result.requests, approve_by, comment="test")
    return result


# The release tests' approved figures (release_helpers.py; modules with a `figures` fixture of
# their own keep theirs).
from tests.figures_app.release_helpers import figures  # noqa: E402, F401
