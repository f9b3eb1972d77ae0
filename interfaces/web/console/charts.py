"""Charts drawn on the server as SVG, for the dashboards.

Why not a JavaScript chart library: SVG written here needs no asset to vendor or update, draws without
JavaScript (and so prints, and works on an isolated network), and is accessible by construction — each chart has
a title and a description, every mark its own <title>, and the page shows the same numbers in a table beside it.
The markup is built with markupsafe, so labels (site names, translated words) are always escaped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup

# Distinguishable in colour-blind palettes (Okabe–Ito), one per order status, in STATUSES order.
PALETTE = ("#0072B2", "#56B4E9", "#009E73", "#F0E442", "#E69F00", "#CC79A7", "#999999", "#D55E00")
WIDTH, HEIGHT, LEFT, BOTTOM, TOP = 720, 260, 44, 40, 12
BAR_ROOM = WIDTH - 340  # the longest horizontal bar: its value's label (CJK too) fits after it


@dataclass(frozen=True)
class Series:
    label: str
    values: Sequence[float]


def _frame(chart_id: str, title: str, description: str, body: Markup, height: int = HEIGHT) -> Markup:
    return Markup(
        '<svg role="img" viewBox="0 0 {w} {h}" width="100%" aria-labelledby="{i}-t {i}-d" class="chart">'
        '<title id="{i}-t">{t}</title><desc id="{i}-d">{d}</desc>{b}</svg>'
    ).format(w=WIDTH, h=height, i=chart_id, t=title, d=description, b=body)


def _axis(top_value: float, plot_height: int) -> Markup:
    ticks = Markup()
    for step in range(5):
        value = top_value * step / 4
        y = TOP + plot_height - plot_height * step / 4
        ticks += Markup('<line x1="{l}" x2="{r}" y1="{y:.1f}" y2="{y:.1f}" stroke="#c9d0d6"/>'
                        '<text x="{x}" y="{ty:.1f}" text-anchor="end" font-size="11">{v}</text>').format(
            l=LEFT, r=WIDTH, y=y, x=LEFT - 4, ty=y + 4, v=_number(value))
    return ticks


def _number(value: float) -> str:
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"


def stacked_bars(chart_id: str, title: str, description: str, categories: Sequence[str],
                 series: Sequence[Series]) -> Markup:
    """One bar per category (a week), stacked by series (a status), with a legend."""
    plot_height = HEIGHT - TOP - BOTTOM
    totals = [sum(s.values[i] for s in series) for i in range(len(categories))]
    top_value = max([*totals, 1])
    slot = (WIDTH - LEFT) / max(len(categories), 1)
    body = _axis(top_value, plot_height)
    for i, category in enumerate(categories):
        x, base = LEFT + i * slot + slot * 0.15, TOP + plot_height
        for colour, s in zip(PALETTE, series):
            height = plot_height * s.values[i] / top_value
            if height:
                base -= height
                body += Markup('<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" fill="{c}">'
                               '<title>{cat} · {label}: {v}</title></rect>').format(
                    x=x, y=base, w=slot * 0.7, h=height, c=colour, cat=category, label=s.label, v=_number(s.values[i]))
        body += Markup('<text x="{x:.1f}" y="{y}" text-anchor="middle" font-size="11">{cat}</text>').format(
            x=x + slot * 0.35, y=HEIGHT - BOTTOM + 14, cat=category)
    return _frame(chart_id, title, description, body + _legend(series, HEIGHT + 4), HEIGHT + 30)


def _legend(series: Sequence[Series], y: int) -> Markup:
    items, x = Markup(), LEFT
    for colour, s in zip(PALETTE, series):
        items += Markup('<rect x="{x}" y="{y}" width="10" height="10" fill="{c}"/>'
                        '<text x="{tx}" y="{ty}" font-size="11">{label}</text>').format(
            x=x, y=y - 12, c=colour, tx=x + 14, ty=y - 3, label=s.label)
        x += 14 + 8 * len(str(s.label)) + 24
    return items


def paired_bars(chart_id: str, title: str, description: str, categories: Sequence[str],
                series: Sequence[Series], unit: str) -> Markup:
    """Horizontal bars, one group per category (a stage), one bar per series (median, p90)."""
    row, bar = 22, 9
    height = TOP + len(categories) * row * len(series) + 20
    top_value = max([v for s in series for v in s.values if v is not None] + [1])
    body, y = Markup(), TOP
    for i, category in enumerate(categories):
        body += Markup('<text x="0" y="{y}" font-size="12">{cat}</text>').format(y=y + 12, cat=category)
        for colour, s in zip(PALETTE[::2], series):
            value = s.values[i]
            width = 0 if value is None else BAR_ROOM * value / top_value
            body += Markup('<rect x="160" y="{y}" width="{w:.1f}" height="{h}" fill="{c}"><title>{cat} · {label}: '
                           '{v}</title></rect><text x="{tx:.1f}" y="{ty}" font-size="11">{label} {v}</text>').format(
                y=y + 3, w=width, h=bar * 2 - 4, c=colour, cat=category, label=s.label,
                v="—" if value is None else f"{_number(value)} {unit}", tx=166 + width, ty=y + 14)
            y += row
    return _frame(chart_id, title, description, body, height)
