"""The review queue's figure rows, written once in Python rather than looked up cell by cell in
the template: a page holds hundreds of figures, and resolving some twenty template variables
and an include for each was most of the page's time. Also where a figure was read
(provenance_html), which the request's figures table shows through the `provenance` filter."""

from __future__ import annotations

from urllib.parse import quote

from django.urls import reverse
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

from figures_app.models import Figure, FigureSource, Kind


def figure_rows_html(figures: list[Figure]) -> SafeString:
    """The rows of a request's figures table in the queue, as the template wrote them."""
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
        rows.append(
            "<tr>"
            f'<td data-label="Cell">{escape(_cell(f))}</td>'
            f'<td class="text-end" data-label="Value">{_value(f)}</td>'
            f'<td data-label="Force’s wording">{wording}</td>'
            f'<td data-label="Note">{escape(f.note)}</td>'
            f'<td data-label="Source">{_source(f, url)}</td>'
            "</tr>"
        )
    return mark_safe("\n".join(rows))  # every value above is escaped, or safe already


def _cell(f: Figure) -> str:
    where = f"{f.metric.label} · {f.period.label}"
    if f.category_id:
        return f"{where} · {f.category.dimension.label} {f.category.label or f.category.value}"
    if f.category_key:
        return f"{where} · {f.category_key}"
    return f"{where} · total"


def _value(f: Figure) -> SafeString:
    if f.kind == Kind.REPORTED:
        shown = format_html("{}", f.value)
    elif f.kind == Kind.SUPPRESSED:
        shown = format_html("{}–{} (suppressed)", f.lower, f.upper)
    elif f.exemption:
        shown = format_html("{} ({})", f.get_kind_display(), f.exemption)
    else:
        shown = format_html("{}", f.get_kind_display())
    if f.source == FigureSource.PUBLISHED:
        shown += mark_safe(
            ' <span class="badge text-bg-secondary published-marker">published</span>'
        )
    return shown


def _source(f: Figure, url) -> SafeString:
    """Where the figure was read (provenance_html), or "not recorded"."""
    return provenance_html(f, url) or mark_safe('<span class="text-muted">not recorded</span>')


def provenance_html(f: Figure, url=None) -> SafeString:
    """The file a figure was read from and a link to its cell, the location alone, or "": the one
    definition the review queue and the request's figures table (the `provenance` filter) use.
    `url(name, pk)` reverses, cached by the caller for a page of many figures."""
    url = url or (lambda name, pk: reverse(name, args=[pk]))
    if f.attachment_id:
        shown = format_html(
            '<a href="{}">{}</a>',
            url("attachment_download", f.attachment_id),
            f.attachment.original_name,
        )
        if f.location:
            shown += format_html(
                ' <a class="provenance" href="{}?cell={}" title="Open the file at this cell">{}</a>',
                url("figures_cells", f.attachment_id),
                quote(f.location, safe="/"),
                f.location,
            )
        return shown
    return format_html("{}", f.location)
