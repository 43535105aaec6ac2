"""Charts drawn on the server as inline SVG: no script, no library to ship, no CDN.

Why server-side SVG: the figures are already exact integers on the server; an SVG
renders before any script runs (inside Telegram's web view and in a static file from
``make demo`` alike), scales to a phone's width through its ``viewBox``, follows the
light/dark theme through CSS classes, and costs a few kilobytes per chart. Each chart
is an ``<svg role="img">`` with a title and a description, followed by the same
numbers as a table, so screen readers and the accessibility check get the data too.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH = 640
HEIGHT = 220
LEFT = 64
RIGHT = 12
TOP = 12
BOTTOM = 36
_ids = itertools.count(1)


@dataclass(frozen=True, slots=True)
class Series:
    """One named series; ``css`` picks its colour class (``s1`` … ``s4``)."""

    name: str
    values: Sequence[int | None]
    css: str


def _nice_ceiling(value: int) -> int:
    """The smallest 1, 2 or 5 × 10^k at or above ``value`` (at least 1)."""
    if value <= 1:
        return 1
    magnitude = 1
    while magnitude * 10 < value:
        magnitude *= 10
    for step in (1, 2, 5, 10):
        if step * magnitude >= value:
            return step * magnitude
    return 10 * magnitude


def _frame(
    title: str,
    labels: Sequence[str],
    top_value: int,
    bottom_value: int,
    fmt: Callable[[int], str],
) -> tuple[list[str], Callable[[int], float], float]:
    """Axes and grid; returns the parts, the y of a value, and the width of one slot."""
    plot_w = WIDTH - LEFT - RIGHT
    plot_h = HEIGHT - TOP - BOTTOM
    span = max(1, top_value - bottom_value)

    def y(value: int) -> float:
        return TOP + plot_h * (top_value - value) / span

    parts: list[str] = []
    for step in range(5):
        value = bottom_value + span * step // 4
        at = y(value)
        parts.append(
            f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{at:.1f}" y2="{at:.1f}"/>'
            f'<text class="tick" x="{LEFT - 6}" y="{at + 4:.1f}" text-anchor="end">'
            f"{escape(fmt(value))}</text>"
        )
    slot = plot_w / max(1, len(labels))
    every = max(1, len(labels) // 6)
    for index, label in enumerate(labels):
        if index % every == 0 or index == len(labels) - 1:
            x = LEFT + slot * (index + 0.5)
            parts.append(
                f'<text class="tick" x="{x:.1f}" y="{HEIGHT - BOTTOM + 16}" '
                f'text-anchor="middle">{escape(label)}</text>'
            )
    return parts, y, slot


def _table(
    caption: str, labels: Sequence[str], series: Sequence[Series], fmt: Callable[[int], str]
) -> str:
    head = "".join(f'<th scope="col">{escape(item.name)}</th>' for item in series)
    rows = []
    for index, label in enumerate(labels):
        cells = "".join(
            f"<td>{'' if item.values[index] is None else escape(fmt(item.values[index] or 0))}</td>"
            for item in series
        )
        rows.append(f'<tr><th scope="row">{escape(label)}</th>{cells}</tr>')
    return (
        f'<details class="chart-data"><summary>{escape(caption)}</summary>'
        f'<div class="table-wrap" tabindex="0"><table><thead><tr><td></td>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div></details>"
    )


def _legend(series: Sequence[Series]) -> str:
    items = "".join(
        f'<li><span class="swatch {escape(item.css)}" aria-hidden="true"></span>'
        f"{escape(item.name)}</li>"
        for item in series
    )
    return f'<ul class="legend">{items}</ul>'


def _wrap(title: str, summary: str, body: list[str], extra: str) -> Markup:
    number = next(_ids)
    svg = (
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="chart-t{number} chart-d{number}" preserveAspectRatio="xMidYMid meet">'
        f'<title id="chart-t{number}">{escape(title)}</title>'
        f'<desc id="chart-d{number}">{escape(summary)}</desc>' + "".join(body) + "</svg>"
    )
    return Markup(f'<figure class="chart-box">{svg}{extra}</figure>')


def bar_chart(
    title: str,
    labels: Sequence[str],
    series: Sequence[Series],
    *,
    fmt: Callable[[int], str],
    table_caption: str,
    empty: str,
) -> Markup:
    """Stacked bars, one per label (non-negative values; ``None`` counts as 0)."""
    if not labels:
        return Markup(f'<p class="empty">{escape(empty)}</p>')
    totals = [sum(item.values[index] or 0 for item in series) for index in range(len(labels))]
    top = _nice_ceiling(max([*totals, 100]))
    parts, y, slot = _frame(title, labels, top, 0, fmt)
    width = max(1.0, slot * 0.7)
    for index in range(len(labels)):
        base = 0
        x = LEFT + slot * index + (slot - width) / 2
        for item in series:
            value = max(0, item.values[index] or 0)
            if value:
                y_top, y_bottom = y(base + value), y(base)
                parts.append(
                    f'<rect class="bar {escape(item.css)}" x="{x:.1f}" y="{y_top:.1f}" '
                    f'width="{width:.1f}" height="{max(0.5, y_bottom - y_top):.1f}">'
                    f"<title>{escape(labels[index])} {escape(item.name)}: "
                    f"{escape(fmt(value))}</title></rect>"
                )
            base += value
    summary = ", ".join(item.name for item in series)
    extra = _legend(series) + _table(table_caption, labels, series, fmt)
    return _wrap(title, summary, parts, extra)


def line_chart(
    title: str,
    labels: Sequence[str],
    series: Sequence[Series],
    *,
    fmt: Callable[[int], str],
    table_caption: str,
    empty: str,
) -> Markup:
    """Lines over the labels; a ``None`` value breaks its line."""
    values = [value for item in series for value in item.values if value is not None]
    if not labels or not values:
        return Markup(f'<p class="empty">{escape(empty)}</p>')
    high, low = max(values), min(0, min(values))
    top = _nice_ceiling(max(high, 100))
    parts, y, slot = _frame(title, labels, top, low, fmt)
    for item in series:
        runs: list[list[str]] = [[]]
        for index, value in enumerate(item.values):
            if value is None:
                runs.append([])
                continue
            runs[-1].append(f"{LEFT + slot * (index + 0.5):.1f},{y(value):.1f}")
        for run in runs:
            if len(run) > 1:
                parts.append(
                    f'<polyline class="line {escape(item.css)}" points="{" ".join(run)}"/>'
                )
            elif run:
                cx, cy = run[0].split(",")
                parts.append(f'<circle class="dot {escape(item.css)}" cx="{cx}" cy="{cy}" r="3"/>')
    summary = ", ".join(item.name for item in series)
    extra = _legend(series) + _table(table_caption, labels, series, fmt)
    return _wrap(title, summary, parts, extra)
