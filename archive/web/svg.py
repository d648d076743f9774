"""Small server-side SVG charts (no JavaScript, no network): people would rather look than read.

Missing values are drawn as a gap marked "—" (unknown), never as a zero bar.
"""

from __future__ import annotations

from html import escape

from markupsafe import Markup

PALETTE = ["#2b6cb0", "#38a169", "#d69e2e", "#c53030", "#805ad5", "#718096", "#dd6b20", "#319795"]


def _fmt(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else f"{v:.2f}"


def hbar_chart(items: list[tuple[str, float]], title: str, width: int = 640) -> Markup:
    """Horizontal bars, one per label (e.g. open flags per rule), largest first as given."""
    row, label_w, pad = 22, 170, 8
    height = pad * 2 + 24 + row * max(len(items), 1)
    top = max((v for _, v in items), default=0) or 1
    bar_w = width - label_w - 60
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="gk-chart" role="img" width="{width}" '
             f'height="{height}" viewBox="0 0 {width} {height}"><title>{escape(title)}</title>',
             f'<text x="{pad}" y="{pad + 14}" font-weight="bold" font-size="14">{escape(title)}</text>']
    if not items:
        parts.append(f'<text x="{pad}" y="{pad + 40}" font-size="13" fill="#718096">nothing to show</text>')
    for i, (label, value) in enumerate(items):
        y = pad + 24 + i * row
        w = max(1.0, bar_w * value / top)
        parts.append(f'<text x="{label_w - 6}" y="{y + 15}" text-anchor="end" font-size="12">{escape(label)}</text>'
                     f'<rect x="{label_w}" y="{y + 3}" width="{w:.1f}" height="{row - 6}" fill="{PALETTE[0]}">'
                     f'<title>{escape(label)}: {_fmt(value)}</title></rect>'
                     f'<text x="{label_w + w + 4:.1f}" y="{y + 15}" font-size="12">{_fmt(value)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def year_bars(years: list[int], series: dict[str, list[float | None]], title: str, stacked: bool = False,
              width: int = 640, height: int = 260) -> Markup:
    """Bars per year for one or more series (grouped, or stacked when the series add up to a whole)."""
    pad_l, pad_r, pad_t, pad_b = 48, 12, 30, 46
    names = list(series)
    plot_w, plot_h = width - pad_l - pad_r, height - pad_t - pad_b
    if stacked:
        totals = [sum(series[n][i] or 0 for n in names) for i in range(len(years))]
    else:
        totals = [max((series[n][i] or 0) for n in names) if names else 0 for i in range(len(years))]
    top = max(totals, default=0) or 1
    slot = plot_w / max(len(years), 1)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="gk-chart" role="img" width="{width}" '
             f'height="{height}" viewBox="0 0 {width} {height}"><title>{escape(title)}</title>',
             f'<text x="4" y="18" font-weight="bold" font-size="14">{escape(title)}</text>',
             f'<line x1="{pad_l}" y1="{pad_t + plot_h}" x2="{width - pad_r}" y2="{pad_t + plot_h}" stroke="#999"/>',
             f'<text x="{pad_l - 4}" y="{pad_t + 10}" text-anchor="end" font-size="11">{_fmt(top)}</text>',
             f'<text x="{pad_l - 4}" y="{pad_t + plot_h}" text-anchor="end" font-size="11">0</text>']
    for i, year in enumerate(years):
        x0 = pad_l + i * slot
        parts.append(f'<text x="{x0 + slot / 2:.1f}" y="{pad_t + plot_h + 14}" text-anchor="middle" '
                     f'font-size="11">{year}</text>')
        vals = [series[n][i] for n in names]
        if all(v is None for v in vals):
            parts.append(f'<text x="{x0 + slot / 2:.1f}" y="{pad_t + plot_h - 4}" text-anchor="middle" '
                         f'font-size="12" fill="#718096">—<title>{year}: not stated</title></text>')
            continue
        base = 0.0
        bw = slot * 0.7 / (1 if stacked else len(names))
        for j, (name, v) in enumerate(zip(names, vals, strict=True)):
            if v is None:
                continue
            h = plot_h * v / top
            x = x0 + slot * 0.15 + (0 if stacked else j * bw)
            y = pad_t + plot_h - h - (plot_h * base / top if stacked else 0)
            parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bw:.1f}" height="{h:.1f}" '
                         f'fill="{PALETTE[j % len(PALETTE)]}"><title>{year} {escape(name)}: {_fmt(v)}</title></rect>')
            if not stacked:
                parts.append(f'<text x="{x + bw / 2:.1f}" y="{y - 3:.1f}" text-anchor="middle" '
                             f'font-size="10">{_fmt(v)}</text>')
            if stacked:
                base += v
        if stacked:
            parts.append(f'<text x="{x0 + slot / 2:.1f}" y="{pad_t + plot_h - plot_h * base / top - 3:.1f}" '
                         f'text-anchor="middle" font-size="10">{_fmt(base)}</text>')
    if len(names) > 1:
        for j, name in enumerate(names):
            x = pad_l + j * 90
            parts.append(f'<rect x="{x}" y="{height - 16}" width="10" height="10" fill="{PALETTE[j % len(PALETTE)]}"/>'
                         f'<text x="{x + 14}" y="{height - 7}" font-size="11">{escape(name)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
