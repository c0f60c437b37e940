"""`{{ lower|bounds:upper }}`: a figure known between bounds, written by the one rule
(figures_app/bound_words.py): '1–4', or the number when both are the same."""

from django import template

from figures_app.bound_words import bounds_text

register = template.Library()


@register.filter
def bounds(lower, upper):
    if lower is None or upper is None:
        return ""
    return bounds_text(int(lower), int(upper))
