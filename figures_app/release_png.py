"""Release charts as PNG, drawn with Pillow from the same spec as the SVG
(views/release_presentation.chart_specs). Pillow's wheels carry their own image and font
libraries and its default font is built in, so this works offline with no system packages (cairo
and friends are not needed)."""

from __future__ import annotations

import io

from PIL import Image, ImageDraw, ImageFont

COLOURS = ["#1f4e79", "#c55a11", "#548235", "#7030a0", "#bf8f00"]
SCALE = 2  # drawn at twice the SVG's size, so it stays sharp on a slide or in print


def _font(size: int):
    try:
        return ImageFont.load_default(size=size * SCALE)
    except TypeError:  # Pillow built without FreeType: the fixed bitmap font
        return ImageFont.load_default()


def render_png(spec: dict) -> bytes:
    if spec["kind"] == "hbar":
        image = _hbar(spec)
    else:
        image = _columns(spec)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _canvas(width: int, height: int, title: str, footnote: str):
    extra = 24 if footnote else 0
    image = Image.new("RGB", (width * SCALE, (height + 28 + extra) * SCALE), "white")
    draw = ImageDraw.Draw(image)
    draw.text((8 * SCALE, 6 * SCALE), title, fill="#000000", font=_font(13))
    if footnote:
        draw.text((8 * SCALE, (height + 28 + 4) * SCALE), footnote, fill="#333333", font=_font(11))
    return image, draw


def _hbar(spec: dict):
    items = spec["items"]
    row, label_w, width = 18, 230, 760
    height = max(1, len(items)) * row + 24
    image, draw = _canvas(width, height, spec["title"], spec["footnote"])
    top = max((v for _, v in items), default=0) or 1
    plot = width - label_w - 70
    font = _font(11)
    for i, (label, value) in enumerate(items):
        y = 28 + 10 + i * row
        w = plot * value / top
        draw.text(
            ((label_w - 6) * SCALE, (y + 12) * SCALE), label, fill="#000000", font=font, anchor="rs"
        )
        draw.rectangle(
            [
                label_w * SCALE,
                (y + 2) * SCALE,
                (label_w + max(w, 0.5)) * SCALE,
                (y + row - 3) * SCALE,
            ],
            fill=COLOURS[0],
        )
        draw.text(
            ((label_w + w + 4) * SCALE, (y + 12) * SCALE),
            f"{value:,.0f}",
            fill="#000000",
            font=font,
            anchor="ls",
        )
    return image


def _columns(spec: dict):
    groups, series = spec["groups"], spec["series"]
    width, height, left, bottom = 760, 260, 50, 40
    image, draw = _canvas(width, height, spec["title"], spec["footnote"])
    off = 28
    plot_w, plot_h = width - left - 10, height - bottom - 30
    top = max((v or 0 for _, values in series for v in values), default=0) or 1
    n = max(1, len(groups))
    group_w = plot_w / n
    bar_w = max(2.0, group_w * 0.8 / max(1, len(series)))
    font = _font(11)
    base = off + 30 + plot_h
    draw.line(
        [left * SCALE, base * SCALE, (width - 10) * SCALE, base * SCALE],
        fill="#333333",
        width=SCALE,
    )
    for s, (name, values) in enumerate(series):
        colour = COLOURS[s % len(COLOURS)]
        x0 = left + s * 110
        draw.rectangle(
            [x0 * SCALE, (off + 4) * SCALE, (x0 + 10) * SCALE, (off + 14) * SCALE], fill=colour
        )
        draw.text(
            ((x0 + 14) * SCALE, (off + 13) * SCALE), name, fill="#000000", font=font, anchor="ls"
        )
        for g, value in enumerate(values):
            h = plot_h * (value or 0) / top
            x = left + g * group_w + group_w * 0.1 + s * bar_w
            if h > 0:
                draw.rectangle(
                    [x * SCALE, (base - h) * SCALE, (x + bar_w) * SCALE, base * SCALE], fill=colour
                )
    step = max(1, n // 20)
    for g, label in enumerate(groups):
        if g % step == 0:
            x = left + g * group_w + group_w / 2
            draw.text(
                (x * SCALE, (off + height - bottom + 16) * SCALE),
                label,
                fill="#000000",
                font=font,
                anchor="ms",
            )
    draw.text(
        ((left - 4) * SCALE, (off + 36) * SCALE),
        f"{top:,.0f}",
        fill="#000000",
        font=_font(10),
        anchor="rs",
    )
    draw.text(((left - 4) * SCALE, base * SCALE), "0", fill="#000000", font=_font(10), anchor="rs")
    return image
