"""The request page: requests_app's timeline with the request's figures below it."""

from __future__ import annotations

from django.template.loader import render_to_string

from figures_app.views.requests import request_section_context
from requests_app.views import requests as tracking


def figure_sections(http_request, foi) -> list[str]:
    context = request_section_context(http_request, foi)
    return [render_to_string("figures_app/_request_section.html", context, request=http_request)]


def request_detail(request, pk):
    return tracking.request_detail(request, pk, sections=figure_sections)


def request_action(request, pk, action):
    return tracking.request_action(request, pk, action, sections=figure_sections)


def request_note(request, pk):
    return tracking.request_note(request, pk, sections=figure_sections)
