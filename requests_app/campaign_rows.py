"""The rows of requests tables, written once in Python rather than looked up cell by cell in the
template: the campaign page's (a row per force, 45 at most in the UK) and the dashboard's
deadline cards (twenty campaigns' overdue and due-soon requests, hundreds of rows at scale).
Resolving some twenty dotted template variables, a tag and two reverse() calls for each row was
a third of the campaign page's time under load, and most of the dashboard's rendering
(figures_app/review_rows.py does the same for the review queue)."""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from html import escape

from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.safestring import SafeString, mark_safe

from requests_app.selectors.requests import RequestRow
from requests_app.templatetags.foi import status_badge
from requests_app.text import LONG_DATE, LONG_DAY, long_datetime
from requests_app.workflow import Status

PIT_BEYOND_LIMIT = mark_safe(
    ' <span class="badge text-bg-warning" title="Estimate beyond 20 further working days">'
    "PIT &gt; 40 days</span>"
)
LONG_OVERDUE = mark_safe(' <span class="badge text-bg-danger">long overdue</span>')


@lru_cache(maxsize=512)
def _day(day: date | None, form: str = LONG_DATE, none: str = "—") -> str:
    """The template's date:form|default:none, once per date (a table's rows share a few)."""
    return dateformat.format(day, form) if day else none


def _request_url_format() -> str:
    """The request page's URL with "{}" for the id: one reverse() for a table's rows."""
    return reverse("request_detail", args=[0]).replace("/0/", "/{}/")


def campaign_rows_html(rows: list[RequestRow], *, can_edit: bool) -> SafeString:
    """Every row of the campaign's requests table (templates/requests_app/campaign_detail.html
    holds the header and the empty state). Each value is escaped with the standard library's
    html.escape, as Django's escape() does, without its lazy-string wrapper around every call."""
    url_of = _request_url_format()
    return mark_safe("\n".join(_row(r, url_of, can_edit) for r in rows))


def _row(row: RequestRow, url_of: str, can_edit: bool) -> str:
    foi = row.foi
    name = escape(foi.force.name)
    url = escape(url_of.format(foi.pk))
    shade = "table-danger" if row.long_overdue else "table-warning" if row.overdue else ""
    select = ""
    if can_edit:
        draft = ' data-draft="1"' if foi.status == Status.DRAFT else ""
        select = (
            '<td><input type="checkbox" class="form-check-input row-select" name="request_ids"'
            f' value="{foi.pk}" aria-label="Select {name}"{draft}></td>'
        )
    new_reply = ""
    if foi.new_reply_at:
        received = long_datetime(timezone.localtime(foi.new_reply_at))
        new_reply = (
            f' <a href="{url}#new-reply" class="badge text-bg-info text-decoration-none'
            f' new-reply-badge" title="Reply received {escape(received)}: record the response">'
            "New reply</a>"
        )
    late = ""
    if row.working_days_late:
        colour = "text-danger" if row.overdue else ""
        late = f'<span class="{colour}">{row.working_days_late}</span>'
    elif row.working_days_late == 0:
        late = "0"
    left = "" if row.working_days_left is None else row.working_days_left
    return (
        f'<tr data-force="{name}" data-status="{escape(foi.status)}" class="{shade}">{select}'
        f'<td><a href="{url}">{name}</a>{new_reply}</td>'
        f"<td>{escape(foi.force.law.upper())}</td>"
        f"<td>{status_badge(foi)}{PIT_BEYOND_LIMIT if row.pit_beyond_limit else ''}</td>"
        f"<td>{escape(_day(foi.sent_on))}</td>"
        f"<td>{escape(_day(foi.next_due_on or foi.due_on))}</td>"
        f'<td class="num">{left}</td>'
        f'<td class="num">{late}{LONG_OVERDUE if row.long_overdue else ""}</td>'
        f"<td>{escape(foi.force_reference)}</td></tr>"
    )


def deadline_rows_html(rows: list[RequestRow]) -> SafeString:
    """A dashboard deadline card's rows: force, state, due date, working days late or left."""
    url_of = _request_url_format()
    lines = []
    for row in rows:
        foi = row.foi
        if row.overdue:
            long = " (long overdue)" if row.long_overdue else ""
            days = f'<span class="text-danger">{row.working_days_late} late{long}</span>'
        else:
            days = f"{row.working_days_left} left"
        lines.append(
            f'<tr><td><a href="{escape(url_of.format(foi.pk))}">{escape(foi.force.name)}</a></td>'
            f"<td>{status_badge(foi)}</td>"
            f"<td>{escape(_day(foi.next_due_on, LONG_DAY, ''))}</td>"
            f'<td class="num">{days}</td></tr>'
        )
    return mark_safe("\n".join(lines))


def deadline_card_html(card, rows_html: str, n_rows: int) -> SafeString:
    """One campaign's deadline card on the dashboard, as the template wrote it: its title, its
    counts, its first rows (deadline_rows_html) and how many more. `card` is a
    selectors.deadlines.CampaignDeadlines; written here, not in the template, as twenty cards
    of template nodes were a quarter of the dashboard once their rows came from the cache."""
    url = escape(reverse("campaign_detail", args=[card.slug]))
    counts = "".join(
        f'<span class="badge text-bg-{tone}">{n:,} {what}</span> '
        for n, tone, what in (
            (card.n_overdue, "danger", "overdue"),
            (card.n_long_overdue, "dark", "long overdue"),
            (card.n_due_soon, "warning", "due soon"),
        )
        if n
    )
    more = card.n_overdue + card.n_due_soon - n_rows
    more_line = (
        f'<p class="small mb-0 mt-1 deadline-more"><a href="{url}?sort=due">{more:,} more on the '
        "campaign page</a></p>"
        if more
        else ""
    )
    return mark_safe(  # every value escaped
        f'<li class="list-group-item deadline-campaign" id="deadlines-{escape(card.slug)}">'
        f'<details><summary><a href="{url}">{escape(card.title)}</a> '
        f'<span class="deadline-counts small">{counts}</span></summary>'
        '<div class="table-responsive mt-2"><table class="table table-sm mb-0">'
        '<thead><tr><th>Force</th><th>State</th><th>Due</th><th class="num">Working days</th>'
        f"</tr></thead><tbody>\n{rows_html}\n</tbody></table></div>{more_line}</details></li>"
    )
