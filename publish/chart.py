"""A line chart as SVG text, made at publish time: active addresses over time, one line per series.
No scripts and no external resources: it renders the same from a disk, a server or a bucket."""

from __future__ import annotations

from datetime import datetime
from html import escape

PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2",
           "#7f7f7f", "#bcbd22")
WIDTH, HEIGHT = 760, 300
LEFT, RIGHT, TOP, BOTTOM = 48, 170, 30, 34


def _nice_max(value: int) -> int:
    """The smallest 1, 2 or 5 times a power of ten at or above the value (at least 5)."""
    step = 1
    while True:
        for m in (1, 2, 5):
            if m * step >= max(value, 5):
                return m * step
        step *= 10


def line_chart(title: str, times: list[datetime], series: dict[str, list[int | None]]) -> str:
    """`series`: name -> one value per time (None where the release has no count for it)."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    top = _nice_max(max((v for values in series.values() for v in values if v is not None), default=0))
    start, end = (times[0], times[-1]) if times else (None, None)
    span = (end - start).total_seconds() if start and end else 0

    def x(when: datetime) -> float:
        if not span:
            return LEFT + plot_w / 2
        return LEFT + plot_w * (when - start).total_seconds() / span  # type: ignore[operator]

    def y(value: int) -> float:
        return TOP + plot_h * (1 - value / top)

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" '
             f'height="{HEIGHT}" role="img" aria-label="{escape(title)}" font-family="system-ui,sans-serif" '
             f'font-size="11"><title>{escape(title)}</title>',
             f'<text x="{LEFT}" y="18" font-size="13" font-weight="600">{escape(title)}</text>',
             f'<rect x="{LEFT}" y="{TOP}" width="{plot_w}" height="{plot_h}" fill="#fafafa" stroke="#ccc"/>']
    for tick in (0, top // 2, top):
        parts.append(f'<line x1="{LEFT}" x2="{LEFT + plot_w}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" stroke="#e4e4e4"/>'
                     f'<text x="{LEFT - 6}" y="{y(tick) + 4:.1f}" text-anchor="end">{tick}</text>')
    if times:
        parts.append(f'<text x="{LEFT}" y="{HEIGHT - 12}">{times[0]:%Y-%m-%d}</text>')
        if span:
            parts.append(f'<text x="{LEFT + plot_w}" y="{HEIGHT - 12}" text-anchor="end">{times[-1]:%Y-%m-%d}</text>')
    for n, (name, values) in enumerate(sorted(series.items())):
        color = PALETTE[n % len(PALETTE)]
        points = [(x(t), y(v), t, v) for t, v in zip(times, values, strict=True) if v is not None]
        if len(points) > 1:
            path = " ".join(f"{px:.1f},{py:.1f}" for px, py, _, _ in points)
            parts.append(f'<polyline fill="none" stroke="{color}" stroke-width="2" points="{path}"/>')
        # A dot (with its tooltip) where the count changes, and at both ends: a long history of
        # steady counts is a line, not thousands of dots.
        marked = [p for n, p in enumerate(points) if n in (0, len(points) - 1) or p[3] != points[n - 1][3]]
        for px, py, when, value in marked:
            parts.append(f'<circle cx="{px:.1f}" cy="{py:.1f}" r="3" fill="{color}">'
                         f"<title>{escape(name)}: {value} on {when:%Y-%m-%d %H:%M}Z</title></circle>")
        legend_y = TOP + 14 * n + 8
        parts.append(f'<rect x="{WIDTH - RIGHT + 12}" y="{legend_y - 8}" width="10" height="10" fill="{color}"/>'
                     f'<text x="{WIDTH - RIGHT + 28}" y="{legend_y + 1}">{escape(name)}'
                     f"{f' ({values[-1]})' if values and values[-1] is not None else ''}</text>")
    if not series:
        parts.append(f'<text x="{LEFT + plot_w / 2}" y="{TOP + plot_h / 2}" text-anchor="middle">no data yet</text>')
    parts.append("</svg>\n")
    return "".join(parts)
