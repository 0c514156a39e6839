"""Charts drawn on the server as inline SVG: no script, no CDN, readable by screen readers and tests.

Each chart is an `<svg role="img" aria-label="...">` saying what it shows; every bar is a
group with a `<title>` holding its count in words ("14:00–15:00: 12 tokens issued"), and the
axes carry their numbers as text. Colours come from the admin's own CSS variables
(flex_admin.css), so the light and dark themes both apply.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from ..usage.reports import Bucket

WIDTH = 480
HEIGHT = 190
LEFT = 44  # room for the y axis' numbers
RIGHT = 8
TOP = 12
BOTTOM = 30  # room for the x axis' labels


@dataclass(frozen=True)
class Bar:
    label: str  # under the bar (may be "" when the axis would be too crowded)
    value: int
    title: str  # what a hover or a screen reader gets: the count in words


def nice_ceiling(value: int) -> int:
    """The axis' top: 1, 2 or 5 times a power of ten, at least `value` (and at least 1)."""
    if value <= 1:
        return 1
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if step * power >= value:
            return step * power
    return 10 * power


def _count(n: int) -> str:
    return f"{n:,}"


def bar_chart(label: str, bars: Sequence[Bar], *, tone: str = "issued") -> SafeString:
    """Vertical bars, one per bucket, with a y axis from 0 to a round number."""
    top = nice_ceiling(max((b.value for b in bars), default=0))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / max(len(bars), 1)
    parts = []
    for tick in (0, top // 2 if top >= 2 else None, top):
        if tick is None:
            continue
        y = TOP + plot_h - plot_h * tick / top
        parts.append(
            format_html(
                '<line class="flex-chart-grid" x1="{}" x2="{}" y1="{}" y2="{}"/>'
                '<text class="flex-chart-axis" x="{}" y="{}" text-anchor="end">{}</text>',
                LEFT,
                WIDTH - RIGHT,
                f"{y:.1f}",
                f"{y:.1f}",
                LEFT - 6,
                f"{y + 4:.1f}",
                _count(tick),
            )
        )
    for index, bar in enumerate(bars):
        x = LEFT + index * slot
        h = plot_h * bar.value / top
        parts.append(
            format_html(
                '<g class="flex-chart-bar" data-value="{}"><title>{}</title>'
                '<rect class="flex-chart-hit" x="{}" y="{}" width="{}" height="{}"/>'
                '<rect class="flex-chart-{}" x="{}" y="{}" width="{}" height="{}"/></g>',
                bar.value,
                bar.title,
                f"{x:.1f}",
                TOP,
                f"{slot:.1f}",
                plot_h,
                tone,
                f"{x + slot * 0.15:.1f}",
                f"{TOP + plot_h - h:.1f}",
                f"{slot * 0.7:.1f}",
                f"{h:.1f}",
            )
        )
        if bar.label:
            parts.append(
                format_html(
                    '<text class="flex-chart-axis" x="{}" y="{}" text-anchor="middle">{}</text>',
                    f"{x + slot / 2:.1f}",
                    HEIGHT - BOTTOM + 16,
                    bar.label,
                )
            )
    return _svg(label, parts, WIDTH, HEIGHT)


def hbar_chart(label: str, bars: Sequence[Bar], *, tone: str = "issued") -> SafeString:
    """Horizontal bars, one per row (an application), the name left and the count right."""
    row_h, name_w, count_w = 24, 170, 60
    height = TOP + row_h * max(len(bars), 1) + 8
    top = nice_ceiling(max((b.value for b in bars), default=0))
    plot_w = WIDTH - name_w - count_w
    parts = []
    for index, bar in enumerate(bars):
        y = TOP + index * row_h
        w = plot_w * bar.value / top
        parts.append(
            format_html(
                '<g class="flex-chart-bar" data-value="{}"><title>{}</title>'
                '<text class="flex-chart-label" x="{}" y="{}" text-anchor="end">{}</text>'
                '<rect class="flex-chart-hit" x="0" y="{}" width="{}" height="{}"/>'
                '<rect class="flex-chart-{}" x="{}" y="{}" width="{}" height="{}"/>'
                '<text class="flex-chart-axis" x="{}" y="{}">{}</text></g>',
                bar.value,
                bar.title,
                name_w - 8,
                y + 16,
                _truncate(bar.label, 24),
                y,
                WIDTH,
                row_h,
                tone,
                name_w,
                y + 5,
                f"{w:.1f}",
                row_h - 10,
                f"{name_w + w + 6:.1f}",
                y + 16,
                _count(bar.value),
            )
        )
    if not bars:
        parts.append(format_html('<text class="flex-chart-axis" x="8" y="{}">{}</text>', TOP + 16, "No applications"))
    return _svg(label, parts, WIDTH, height)


def sparkline(label: str, buckets: Sequence[Bucket], *, width: int = 160, height: int = 28) -> SafeString:
    """A small bar row for a table cell: the same titles, no axes."""
    top = nice_ceiling(max((b.count for b in buckets), default=0))
    slot = width / max(len(buckets), 1)
    parts = [
        format_html(
            '<g class="flex-chart-bar" data-value="{}"><title>{}</title>'
            '<rect class="flex-chart-hit" x="{}" y="0" width="{}" height="{}"/>'
            '<rect class="flex-chart-issued" x="{}" y="{}" width="{}" height="{}"/></g>',
            b.count,
            hour_title(b, "tokens issued"),
            f"{i * slot:.1f}",
            f"{slot:.1f}",
            height,
            f"{i * slot + slot * 0.1:.1f}",
            f"{height - (height - 2) * b.count / top:.1f}",
            f"{slot * 0.8:.1f}",
            f"{(height - 2) * b.count / top:.1f}",
        )
        for i, b in enumerate(buckets)
    ]
    return _svg(label, parts, width, height, css="flex-sparkline")


def _svg(label: str, parts: list[SafeString], width: int, height: int, css: str = "flex-chart") -> SafeString:
    body = mark_safe("".join(parts))  # noqa: S308 - every part was built by format_html
    return format_html(
        '<svg class="{}" role="img" aria-label="{}" viewBox="0 0 {} {}" width="{}" height="{}" '
        'preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg">{}</svg>',
        css,
        label,
        width,
        height,
        width,
        height,
        body,
    )


def _truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# -- series of buckets as bars -------------------------------------------------------


def hour_title(bucket: Bucket, what: str) -> str:
    start, end = timezone.localtime(bucket.start), timezone.localtime(bucket.end)
    return f"{date_format(start, 'M j')}, {start:%H:%M}–{end:%H:%M}: {_count(bucket.count)} {what}"


def day_title(bucket: Bucket, what: str) -> str:
    return f"{date_format(timezone.localtime(bucket.start), 'D, M j')}: {_count(bucket.count)} {what}"


def hourly_bars(buckets: Sequence[Bucket], what: str) -> list[Bar]:
    """Labelled every 6 hours counting back from the current one (24 labels do not fit 480 units)."""
    last = len(buckets) - 1
    return [
        Bar(f"{timezone.localtime(b.start):%H:%M}" if (last - i) % 6 == 0 else "", b.count, hour_title(b, what))
        for i, b in enumerate(buckets)
    ]


def daily_bars(buckets: Sequence[Bucket], what: str) -> list[Bar]:
    """Labelled every 7 days counting back from today."""
    last = len(buckets) - 1
    return [
        Bar(date_format(timezone.localtime(b.start), "M j") if (last - i) % 7 == 0 else "", b.count, day_title(b, what))
        for i, b in enumerate(buckets)
    ]


def legend(rows: Sequence[tuple[str, int]]) -> SafeString:
    """Totals under a chart, as text."""
    return format_html_join(" · ", "{}: <strong>{}</strong>", ((name, _count(n)) for name, n in rows))
