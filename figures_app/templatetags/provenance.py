"""`{{ figure|provenance }}`: the file and cell a figure was read from (review_rows.provenance_html)."""

from django import template

from figures_app.review_rows import provenance_html

register = template.Library()


@register.filter
def provenance(figure):
    return provenance_html(figure)
