"""A force's page: requests_app's record of its requests, then its figures per campaign and its
lines in each series."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import timezone

from figures_app.selectors.forces import force_figures
from figures_app.selectors.series import force_series_lines
from figures_app.series_output import state_text
from requests_app.views import forces as tracking


def _figures(http_request, force) -> str:
    return render_to_string(
        "figures_app/_force_figures.html", {"blocks": force_figures(force)}, request=http_request
    )


def _series(http_request, force) -> str:
    """Its figure per period in each series, revisions marked (issue 14)."""
    lines = force_series_lines(force, today=timezone.localdate())
    if not lines:
        return ""
    return render_to_string(
        "figures_app/_force_series.html",
        {"lines": [_series_line(line) for line in lines], "force": force},
        request=http_request,
    )


def _series_line(line) -> dict:
    periods = line.totals.periods
    cells = (
        [(line.row.cell(p), state_text(line.row.cell(p).state)) for p in periods]
        if line.row
        else []
    )
    return {"totals": line.totals, "row": line.row, "periods": periods, "cells": cells}


def figure_sections(http_request, force) -> list[str]:
    return [_figures(http_request, force), _series(http_request, force)]


def force_detail(request, pk):
    return tracking.force_detail(request, pk, sections=figure_sections)
