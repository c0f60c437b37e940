"""The review queue's figure rows, written once in Python rather than looked up cell by cell in
the template: a page holds hundreds of figures, and resolving some twenty template variables
and an include for each was most of the page's time. Also where a figure was read
(provenance_html), which the request's figures table shows through the `provenance` filter."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from figures_app.models import Figure, FigureSource, Kind


@dataclass(frozen=True)
class ShownFigure:
    cell: str
    value: SafeString
    wording: str
    note: str
    source: SafeString


def shown_figures(figures: list[Figure]) -> list[ShownFigure]:
    urls: dict[str, str] = {}

    def url(name: str, pk: int) -> str:
        # One reverse() per file, not per figure.
        key = f"{name}:{pk}"
        if key not in urls:
            urls[key] = reverse(name, args=[pk])
        return urls[key]

    return [
        ShownFigure(
            cell=_cell(f),
            value=_value(f),
            wording=f.raw_text,
            note=f.note,
            source=_source(f, url),
        )
        for f in figures
    ]


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
