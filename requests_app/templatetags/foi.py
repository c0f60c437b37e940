from datetime import date, datetime
from functools import cache

from django import template
from django.utils.html import format_html

from requests_app.text import long_date as long_date_words
from requests_app.text import long_datetime as long_datetime_words
from requests_app.text import long_day as long_day_words
from requests_app.text import plural as counted
from requests_app.workflow import (
    ANSWERED_STATES,
    AWAITING_RESPONSE,
    CLOCK_STOPPED,
    Outcome,
    Status,
)

register = template.Library()

_COLOURS = {
    Status.DRAFT: "secondary",
    Status.WITHDRAWN: "dark",
    Status.ICO_DECIDED: "success",
}
_STATUS_LABELS = {str(value): str(label) for value, label in Status.choices}
_OUTCOME_LABELS = {str(value): str(label) for value, label in Outcome.choices}


@register.simple_tag
def status_badge(foi):
    return _badge(foi.status, foi.outcome)


@cache
def _badge(status: str, outcome: str):
    """One badge per (status, outcome), made once: tables show one per row, and the model's
    get_status_display() rebuilds the whole choices dict on every call."""
    if status in _COLOURS:
        colour = _COLOURS[status]
    elif status in AWAITING_RESPONSE:
        colour = "primary"
    elif status in CLOCK_STOPPED:
        colour = "warning"
    elif status in ANSWERED_STATES:
        colour = "success"
    else:
        colour = "info"
    label = _STATUS_LABELS.get(status, status)
    if outcome and status == Status.ANSWERED:
        label = _OUTCOME_LABELS.get(outcome, outcome)
    return format_html('<span class="badge text-bg-{} status-badge">{}</span>', colour, label)


@register.simple_tag(takes_context=True)
def sort_link(context, key, label):
    """A column header that sorts by `key`, toggling direction, keeping the other query args."""
    request = context["request"]
    current = context.get("sort", "")
    params = request.GET.copy()
    new = f"-{key}" if current == key else key
    params["sort"] = new
    params.pop("page", None)
    arrow = " ▲" if current == key else (" ▼" if current == f"-{key}" else "")
    return format_html('<a class="sort" href="?{}">{}{}</a>', params.urlencode(), label, arrow)


@register.filter
def plural(count, word):
    """{{ n|plural:"force" }} -> '1 force', '2 forces'; {{ n|plural:"reply,replies" }}."""
    one, _, many = word.partition(",")
    return counted(int(count or 0), one, many)


@register.filter
def long_date(value):
    """{{ day|long_date }} -> '1 April 2017', the site's one long date format (issue 27); takes
    a date or an ISO date string (frozen release payloads keep ISO); '' for none."""
    if not value:
        return ""
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value)
        except ValueError:
            return value
    return long_date_words(value)


@register.filter(expects_localtime=True)
def long_day(value):
    """{{ day|long_day }} -> 'Saturday 1 April 2017': the long format with its weekday."""
    if not value:
        return ""
    if isinstance(value, datetime):
        value = value.date()
    return long_day_words(value)


@register.filter(expects_localtime=True)
def long_datetime(value):
    """{{ moment|long_datetime }} -> '1 April 2017, 14:05', in the site's time zone."""
    return long_datetime_words(value) if value else ""
