"""The review queue's figure rows and campaign filter, written once in Python rather than looked
up cell by cell in the template: a page holds hundreds of figures (and an instance a thousand
campaigns), and resolving some twenty template variables and an include for each was most of
the page's time. Also where a figure was read
(provenance_html), which the request's figures table shows through the `provenance` filter."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import TYPE_CHECKING
from urllib.parse import quote

from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from figures_app.bound_words import bounds_text
from figures_app.models import Figure, FigureSource, Kind

if TYPE_CHECKING:
    from figures_app.selectors.review import QueueCampaign
    from figures_app.selectors.review_figures import FigureRow


def figure_rows_html(figures: Sequence[Figure | FigureRow]) -> SafeString:
    """The rows of a request's figures table in the queue, as the template wrote them. Plain
    strings and html.escape (what Django's escape calls): format_html and Django's escape check
    every argument for lazy text, which cost more than the rest of writing 1,400 rows. Takes
    Figure objects or the queue's plain rows (selectors.review_figures.FigureRow)."""
    urls: dict[str, str] = {}

    def url(name: str, pk: int) -> str:
        # One reverse() per file, not per figure.
        key = f"{name}:{pk}"
        if key not in urls:
            urls[key] = reverse(name, args=[pk])
        return urls[key]

    rows = []
    for f in figures:
        wording = f"<code>{escape(f.raw_text)}</code>" if f.raw_text else ""
        source = _provenance(f, url) or '<span class="text-muted">not recorded</span>'
        rows.append(
            "<tr>"
            f'<td data-label="Cell">{escape(_cell(f))}</td>'
            f'<td class="text-end" data-label="Value">{_value(f)}</td>'
            f'<td data-label="Force’s wording">{wording}</td>'
            f'<td data-label="Note">{escape(f.note)}</td>'
            f'<td data-label="Source">{source}</td>'
            "</tr>"
        )
    return mark_safe("\n".join(rows))  # every value above is escaped


def campaign_options_html(
    campaigns: Sequence[QueueCampaign], chosen: QueueCampaign | None
) -> SafeString:
    """The queue's campaign filter's options, one a campaign with reviews pending: written here,
    not in the template, as an instance of a thousand campaigns has a thousand of them (at scale
    100 the template's loop was most of the page's time)."""
    return mark_safe(  # every value escaped
        "".join(
            f'<option value="{escape(c.slug)}"{" selected" if c == chosen else ""}>'
            f"{escape(c.title)} ({c.pending:,})</option>"
            for c in campaigns
        )
    )


def _cell(f: Figure | FigureRow) -> str:
    where = f"{f.metric.label} · {f.period.label}"
    if f.category_id:
        return f"{where} · {f.category.dimension.label} {f.category.label or f.category.value}"
    if f.category_key:
        return f"{where} · {f.category_key}"
    return f"{where} · total"


# The model's get_FOO_display() builds the whole choices dict on every call.
_KIND_LABEL = {kind.value: str(kind.label) for kind in Kind}
_PUBLISHED = ' <span class="badge text-bg-secondary published-marker">published</span>'


def _value(f: Figure | FigureRow) -> str:
    """The figure as the queue shows it, escaped."""
    if f.kind == Kind.REPORTED:
        shown = escape(f"{f.value:,}")
    elif f.kind == Kind.SUPPRESSED:
        shown = escape(f"{bounds_text(f.lower, f.upper)} (suppressed)")
    elif f.exemption:
        shown = escape(f"{_KIND_LABEL[f.kind]} ({f.exemption})")
    else:
        shown = escape(_KIND_LABEL[f.kind])
    return shown + _PUBLISHED if f.source == FigureSource.PUBLISHED else shown


def provenance_html(f: Figure, url=None) -> SafeString:
    """The file a figure was read from and a link to its cell, the location alone, or "": the one
    definition the review queue and the request's figures table (the `provenance` filter) use.
    `url(name, pk)` reverses, cached by the caller for a page of many figures."""
    return mark_safe(_provenance(f, url or (lambda name, pk: reverse(name, args=[pk]))))


def _provenance(f: Figure | FigureRow, url) -> str:
    """provenance_html as a plain string, escaped."""
    if not f.attachment_id:
        return escape(f.location)
    shown = (
        f'<a href="{escape(url("attachment_download", f.attachment_id))}">'
        f"{escape(f.attachment.original_name)}</a>"
    )
    if f.location:
        shown += (
            f' <a class="provenance" href="{escape(url("figures_cells", f.attachment_id))}'
            f'?cell={escape(quote(f.location, safe="/"))}" title="Open the file at this cell">'
            f"{escape(f.location)}</a>"
        )
    return shown
