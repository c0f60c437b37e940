"""Where figures came from (issue 14): a force's answer, or what was published. An import
with source "published" (earlier years never tracked here, loaded from a release) marks the
figures it names so; every page, export and the series say so beside them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction

from figures_app.models import Figure, FigureChange, FigureSource
from requests_app.services.data_versions import requests_data_changed
from requests_app.services.errors import ServiceError

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser


def _check(source: str) -> None:
    if source not in FigureSource.values:
        raise ServiceError(
            f"The source must be one of {', '.join(FigureSource.values)}, not '{source}'.",
            "source",
        )


@transaction.atomic
def figures_mark_source_keys(
    *,
    wanted: dict[tuple[int, int, int, str], tuple[str, str]],
    source: str,
    actor: AbstractBaseUser | None,
) -> int:
    """Set the source of the figures named by (request, metric, period, category key) -> (the
    cell's name, where the change came from), after they are written, in the same transaction:
    the bulk import's rows. Each figure whose source changes gets a history row. Returns how
    many changed. Two queries and two writes however many figures (and the data version of
    the figures' campaigns: the totals mark what was loaded from a release)."""
    _check(source)
    if not wanted:
        return 0
    figures = Figure.objects.filter(
        request_id__in={k[0] for k in wanted},
        metric_id__in={k[1] for k in wanted},
        period_id__in={k[2] for k in wanted},
    ).exclude(source=source)
    changed = []
    history = []
    for figure in figures:
        key = (figure.request_id, figure.metric_id, figure.period_id, figure.category_key)
        named = wanted.get(key)
        if named is None:
            continue
        cell_name, came_from = named
        history.append(
            FigureChange(
                figure=figure,
                request_id=figure.request_id,
                metric_id=figure.metric_id,
                period_id=figure.period_id,
                category_key=figure.category_key,
                cell=cell_name,
                action=FigureChange.Action.CHANGED,
                old=figure.state(),
                new=figure.state(),
                old_display=f"source: {FigureSource(figure.source).label.lower()}",
                new_display=f"source: {FigureSource(source).label.lower()}",
                source=came_from[:300],
                actor=actor,
            )
        )
        figure.source = source
        changed.append(figure)
    Figure.objects.bulk_update(changed, ["source"])
    FigureChange.objects.bulk_create(history)
    requests_data_changed(request_ids={figure.request_id for figure in changed})
    return len(changed)
