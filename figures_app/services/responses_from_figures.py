"""State follows the answers (issue 10, section 1): once a request's figures are in, the
force's response is recorded from them where they settle it."""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from collections.abc import Mapping
from datetime import date
from typing import TYPE_CHECKING

from django.db import transaction

from figures_app.models import REPORTING_KINDS, Figure, Kind, Metric
from requests_app.exemptions import EXEMPTIONS_BY_LAW
from requests_app.models import Campaign, FoiRequest
from requests_app.selectors.answering import reply_dates
from requests_app.services.errors import ServiceError
from requests_app.services.lifecycle import request_record_response
from requests_app.workflow import AWAITING_RESPONSE, InvalidTransition, Outcome

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser

logger = logging.getLogger(__name__)

RESPONSE_NOTE = "Figures entered: response recorded"


def outcome_from_figures(
    *, kinds_by_cell: dict[tuple[int, int], Counter], n_cells: int
) -> str | None:
    """The outcome a request's figures show beyond doubt, or None when a person must decide.

    `kinds_by_cell`: (metric id, period id) -> how many figures of each kind the request has
    there (a breakdown has several); `n_cells`: how many (metric, period) pairs were asked.

    - Every pair asked has figures and all are numbers (reported or suppressed): answered in
      full. A suppressed "<5" is an answer (s.40(2) protects the exact number, not the fact).
    - Every pair has figures, at least one a number, some "not held", "refused" or "not
      provided": answered in part.
    - No number at all (everything refused, not held or not provided): None. "Not held" for
      every cell is sometimes a s.12 refusal in other words, and a refusal must be recorded
      with the exemption its notice cites (s.17): the letter decides, not the grid.
    - Numbers for some pairs and nothing yet for others: None. The rest may still be keyed in,
      and "in part" would then be wrong; a person who has the letter records it.
    """
    totals = sum(kinds_by_cell.values(), Counter())
    if not any(totals[kind] for kind in REPORTING_KINDS):
        return None
    if n_cells == 0 or len(kinds_by_cell) < n_cells:
        return None
    gaps = sum(n for kind, n in totals.items() if kind not in REPORTING_KINDS)
    return Outcome.PART if gaps else Outcome.FULL


def responses_record_from_figures(
    *,
    campaign: Campaign,
    actor: AbstractBaseUser | None,
    request_ids: set[int],
    answered_on: Mapping[int, date] | None = None,
) -> list[int]:
    """Record the force's response for each of `request_ids` still awaiting one, now that its
    figures are in; returns the ids recorded. Called inside figures_apply's transaction, so the
    figures and the response commit (or roll back) together.

    Before this, a force whose figures were entered (even approved) stayed "sent, overdue" and
    was chased for an answer it had given. The response is recorded through the lifecycle
    service (the one TRANSITIONS table, the same audit event as by hand), by whoever entered the
    figures (None: the command line), dated as a person or the mail says (issue 26): the date
    in `answered_on` (request id -> the date the person gave), else the day of the latest reply
    filed on the request. With neither, nothing is recorded: the tracker never invents the
    date (it once used the day of entry, and "How each force answered" then ranked the force
    "0 working days, on time"). Where the figures cannot
    settle the outcome (outcome_from_figures), nothing is recorded: the request stays awaiting
    and shows on the dashboard's "figures in, response not recorded" list, neither chased nor
    counted overdue (requests_app.models.requests.figures_unrecorded_q), until someone records
    the response from the letter.
    """
    awaiting = dict(
        FoiRequest.objects.filter(
            pk__in=request_ids, campaign=campaign, status__in=AWAITING_RESPONSE
        ).values_list("pk", "force__law")
    )
    if not awaiting:
        return []
    n_cells = Metric.objects.filter(campaign=campaign).count() * campaign.periods.count()
    cells: dict[int, dict[tuple[int, int], Counter]] = defaultdict(lambda: defaultdict(Counter))
    exemptions: dict[int, list[str]] = defaultdict(list)
    rows = Figure.objects.filter(request_id__in=awaiting).values_list(
        "request_id", "metric_id", "period_id", "kind", "exemption"
    )
    for request_id, metric_id, period_id, kind, exemption in rows:
        cells[request_id][(metric_id, period_id)][kind] += 1
        if kind == Kind.REFUSED and exemption and exemption not in exemptions[request_id]:
            exemptions[request_id].append(exemption)
    given = dict(answered_on or {})
    dates = {**reply_dates(set(awaiting) - set(given)), **given}
    recorded = []
    for request_id, law in sorted(awaiting.items()):
        outcome = outcome_from_figures(kinds_by_cell=cells[request_id], n_cells=n_cells)
        if outcome is None or dates.get(request_id) is None:
            continue
        valid = {code for code, _ in EXEMPTIONS_BY_LAW[law]}
        counts = sum(cells[request_id].values(), Counter())
        numbers = sum(counts[kind] for kind in REPORTING_KINDS)
        note = (
            f"{RESPONSE_NOTE} ({Outcome(outcome).label.lower()}, from the figures: {numbers} "
            f"given, {sum(counts.values()) - numbers} not held, refused or not provided)."
        )
        try:
            # A savepoint: a response the lifecycle refuses (e.g. a sent date after today) must
            # not undo the figures; the request then stays on the list for a person to record.
            with transaction.atomic():
                request_record_response(
                    request_id=request_id,
                    actor=actor,
                    outcome=outcome,
                    answered_on=dates[request_id],
                    exemptions=[code for code in exemptions[request_id] if code in valid],
                    note=note,
                )
        except (ServiceError, InvalidTransition) as exc:
            logger.info("Figures in for request %s, response not recorded: %s", request_id, exc)
            continue
        recorded.append(request_id)
    return recorded
