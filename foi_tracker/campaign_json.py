"""A campaign from JSON with its figures' metrics (the `load_campaign` command): requests_app
reads the campaign, figures_app the "metrics" key, both checked before anything is written and
saved in one transaction."""

from __future__ import annotations

from django.db import transaction

from figures_app.services.metrics import metrics_apply, metrics_validate
from requests_app.campaign_json import (
    campaign_save_definition,
    key_error,
    parse_campaign,
    service_error,
)
from requests_app.models import Campaign
from requests_app.services.errors import ServiceError

METRICS = "metrics"


@transaction.atomic
def load_campaign(text: str, *, actor=None, update: bool = False) -> tuple[Campaign, bool]:
    """Create (or with update=True, update) a campaign from JSON. Returns (campaign, created).

    `actor` is recorded on the events; None (no --user given) records none. Metrics the file
    does not list are kept."""
    definition = parse_campaign(text, update=update, extra_keys=frozenset({METRICS}))
    metrics = None
    if METRICS in definition.extra:
        try:
            metrics = metrics_validate(definition.extra[METRICS])
        except ValueError as exc:
            raise key_error(text, METRICS, str(exc)) from None
    campaign, created = campaign_save_definition(definition, actor=actor, update=update)
    if metrics is not None:
        try:
            metrics_apply(campaign, specs=metrics)
        except ServiceError as exc:
            raise service_error(exc) from None
    return campaign, created
