"""Server-side SVG charts (no CDN, no JavaScript). Each chart has a table beside it in the page;
the SVG carries a <title> and role="img" for screen readers."""

from __future__ import annotations

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

COLOURS = ["#1f4e79", "#c55a11", "#548235", "#7030a0", "#bf8f00"]


def _svg(width: int, height: int, title: str, body: list[str]) -> SafeString:
    return mark_safe(  # noqa: S308 - every text is escaped below
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" '
        f'role="img" aria-label="{escape(title)}" class="figures-chart"><title>{escape(title)}</title>'
        + "".join(body)
        + "</svg>"
    )


def hbar(title: str, items: list[tuple[str, float]], *, unit: str = "") -> SafeString:
    """Horizontal bars, one per item, in the order given (ranked by the caller)."""
    row, label_w, width = 18, 230, 760
    height = max(1, len(items)) * row + 24
    top = max((v for _, v in items), default=0) or 1
    plot = width - label_w - 70
    body = []
    for i, (label, value) in enumerate(items):
        y = 10 + i * row
        w = plot * value / top
        body.append(
            f'<text x="{label_w - 6}" y="{y + 12}" text-anchor="end" font-size="11">{escape(label)}</text>'
            f'<rect x="{label_w}" y="{y + 2}" width="{w:.1f}" height="{row - 5}" fill="{COLOURS[0]}"/>'
            f'<text x="{label_w + w + 4:.1f}" y="{y + 12}" font-size="11">{value:,.0f}{escape(unit)}</text>'
        )
    return _svg(width, height, title, body)


def grouped_columns(
    title: str, groups: list[str], series: list[tuple[str, list[float]]]
) -> SafeString:
    """Columns per group (e.g. per category), one colour per series (e.g. per period)."""
    width, height, left, bottom = 760, 260, 50, 40
    plot_w, plot_h = width - left - 10, height - bottom - 30
    top = max((v for _, values in series for v in values), default=0) or 1
    n = max(1, len(groups))
    group_w = plot_w / n
    bar_w = max(2.0, group_w * 0.8 / max(1, len(series)))
    body = [
        f'<line x1="{left}" y1="{30 + plot_h}" x2="{width - 10}" y2="{30 + plot_h}" stroke="#333"/>'
    ]
    for s, (name, values) in enumerate(series):
        colour = COLOURS[s % len(COLOURS)]
        body.append(
            f'<rect x="{left + s * 110}" y="4" width="10" height="10" fill="{colour}"/>'
            f'<text x="{left + 14 + s * 110}" y="13" font-size="11">{escape(name)}</text>'
        )
        for g, value in enumerate(values):
            h = plot_h * value / top
            x = left + g * group_w + group_w * 0.1 + s * bar_w
            body.append(
                f'<rect x="{x:.1f}" y="{30 + plot_h - h:.1f}" width="{bar_w:.1f}" height="{h:.1f}" fill="{colour}">'
                f"<title>{escape(name)} {escape(groups[g])}: {value:,.0f}</title></rect>"
            )
    step = max(1, n // 20)
    for g, label in enumerate(groups):
        if g % step == 0:
            x = left + g * group_w + group_w / 2
            body.append(
                f'<text x="{x:.1f}" y="{height - bottom + 16}" text-anchor="middle" font-size="11">{escape(label)}</text>'
            )
    body.append(f'<text x="{left - 4}" y="36" text-anchor="end" font-size="10">{top:,.0f}</text>')
    body.append(f'<text x="{left - 4}" y="{30 + plot_h}" text-anchor="end" font-size="10">0</text>')
    return _svg(width, height, title, body)
