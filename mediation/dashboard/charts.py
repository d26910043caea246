"""Small server-side SVG charts: no JavaScript, no CDN, no style attributes (the CSP forbids
inline styles), only SVG presentation attributes and classes from static/css/dashboard.css.

Every chart is an `<svg role="img">` with a `<title>` and `<desc>` for screen readers, and each bar
or point has its own `<title>` (the browser shows it as a tooltip).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from markupsafe import Markup, escape

PALETTE = ("#1f5f99", "#d08a1c", "#1e7b4a", "#b3261e", "#6b4fa0")
_ids = itertools.count(1)


def _num(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _svg(width: int, height: int, title: str, desc: str, body: list[str], css: str) -> Markup:
    n = next(_ids)
    # Every piece of text in `body` was escaped where it was built; numbers are formatted here.
    return Markup(  # noqa: S704 # nosec B704 - every text in `body` was escaped where built
        f'<svg class="chart {css}" xmlns="http://www.w3.org/2000/svg" role="img" '
        f'viewBox="0 0 {width} {height}" width="100%" preserveAspectRatio="xMinYMin meet" '
        f'aria-labelledby="chart-{n}-t chart-{n}-d" font-family="system-ui, sans-serif" '
        f'font-size="12">'
        f'<title id="chart-{n}-t">{escape(title)}</title>'
        f'<desc id="chart-{n}-d">{escape(desc)}</desc>'
        + "".join(body) + "</svg>"
    )


@dataclass
class Bar:
    label: str
    value: float
    text: str | None = None  # shown at the end of the bar (default: the value)


def bar_chart(bars: list[Bar], title: str, width: int = 560, label_width: int = 170,
              bar_height: int = 18, gap: int = 6, colour: str = PALETTE[0]) -> Markup:
    """Horizontal bars, one per label, scaled to the largest value."""
    top = max((b.value for b in bars), default=0) or 1
    plot = width - label_width - 60
    height = max(1, len(bars)) * (bar_height + gap) + gap
    body = []
    for i, bar in enumerate(bars):
        y = gap + i * (bar_height + gap)
        w = 0 if bar.value <= 0 else max(1.0, plot * bar.value / top)
        text = bar.text if bar.text is not None else _num(bar.value)
        body.append(
            f'<g class="bar"><title>{escape(bar.label)}: {escape(text)}</title>'
            f'<text x="{label_width - 6}" y="{y + bar_height - 5}" text-anchor="end" '
            f'fill="#1d2733">{escape(_clip(bar.label, 26))}</text>'
            f'<rect x="{label_width}" y="{y}" width="{_num(w)}" height="{bar_height}" '
            f'fill="{colour}" rx="2"/>'
            f'<text x="{label_width + w + 4:.1f}" y="{y + bar_height - 5}" '
            f'fill="#5d6b7a">{escape(text)}</text></g>'
        )
    if not bars:
        body.append(f'<text x="4" y="{gap + 12}" fill="#5d6b7a">–</text>')
    desc = "; ".join(f"{b.label}: {b.text if b.text is not None else _num(b.value)}"
                     for b in bars)
    return _svg(width, height, title, desc, body, "bars")


def _text_width(text: str) -> int:
    """Rough width in pixels at 12 px: CJK characters are about twice as wide as Latin ones."""
    return sum(12 if ord(ch) > 0x2E7F else 7 for ch in text)


def _clip(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


@dataclass
class Series:
    name: str
    values: list[float | None]  # one per category on the x axis; None: nothing to show


def column_chart(labels: list[str], series: list[Series], title: str, width: int = 720,
                 height: int = 220, percent: bool = False) -> Markup:
    """Grouped columns: one group per label (e.g. month), one column per series, with a legend.
    `percent` fixes the scale at 0–100."""
    left, right, top_pad, bottom = 40, 10, 28, 36
    plot_w, plot_h = width - left - right, height - top_pad - bottom
    values = [v for s in series for v in s.values if v is not None]
    top = 100.0 if percent else (max(values, default=0) or 1)
    groups = max(1, len(labels))
    group_w = plot_w / groups
    col_w = max(2.0, (group_w - 6) / max(1, len(series)))
    body = []
    # Axis with three grid lines.
    for k in range(4):
        value = top * k / 3
        y = top_pad + plot_h - plot_h * k / 3
        body.append(f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" '
                    f'stroke="#d9e0e7"/>'
                    f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end" fill="#5d6b7a">'
                    f'{_num(value)}{"%" if percent else ""}</text>')
    for g, label in enumerate(labels):
        x0 = left + g * group_w + 3
        for s_index, s in enumerate(series):
            value = s.values[g] if g < len(s.values) else None
            if value is None:
                continue
            h = plot_h * min(value, top) / top
            x = x0 + s_index * col_w
            shown = f"{_num(value)}{'%' if percent else ''}"
            body.append(
                f'<rect x="{x:.1f}" y="{top_pad + plot_h - h:.1f}" width="{col_w - 1:.1f}" '
                f'height="{h:.1f}" fill="{PALETTE[s_index % len(PALETTE)]}">'
                f'<title>{escape(label)} · {escape(s.name)}: {shown}</title></rect>')
        body.append(f'<text x="{x0 + (group_w - 6) / 2:.1f}" y="{height - bottom + 16}" '
                    f'text-anchor="middle" fill="#1d2733">{escape(label)}</text>')
    # Legend across the top.
    x = left
    for s_index, s in enumerate(series):
        colour = PALETTE[s_index % len(PALETTE)]
        body.append(f'<rect x="{x}" y="6" width="10" height="10" fill="{colour}"/>'
                    f'<text x="{x + 14}" y="15" fill="#1d2733">{escape(s.name)}</text>')
        x += 24 + _text_width(s.name)
    desc = "; ".join(
        f"{s.name}: " + ", ".join(
            f"{labels[i]} {'–' if v is None else _num(v)}" for i, v in enumerate(s.values))
        for s in series)
    return _svg(width, height, title, desc, body, "columns")
