"""Server-rendered SVG trend charts of one instrument's scores, with dated markers.

Pure (values in, SVG text out), like ``patients/trend.py``, but larger and made to be read on
paper: colours are SVG presentation attributes (no stylesheet needed, nothing the CSP blocks),
every marker kind also differs in shape or dash pattern so the chart survives black-and-white
printing, each point is labelled with its value, and the caller shows the same numbers in a
table for screen readers. Floats are used for drawing only.

Markers: planned doses (dotted), given infusions (solid, issue 6), adverse events (triangle),
review decisions (diamond). Bands of the instrument are shaded with their start value written
at the left edge.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from html import escape

from ivmt.clinical.instruments import Instrument
from ivmt.outcomes.course import Marker

WIDTH, HEIGHT = 680, 240
LEFT, RIGHT, TOP, BOTTOM = 44, 16, 22, 58
BAND_FILLS = ("#f1f3f5", "#e2e6ea")
HORIZON_DAYS = 28
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


@dataclass(frozen=True)
class ChartPoint:
    day: date
    value: Decimal
    label: str
    alert: bool = False


def _ticks(low: float, high: float) -> list[float]:
    span = high - low
    step = next((s for s in (1, 2, 5, 10, 20, 25, 50, 100) if span / s <= 6), span / 4 or 1.0)
    first = -(-low // step) * step
    count = int((high - first) // step) + 1
    return [first + i * step for i in range(count)]


def _nice_top(value: float) -> float:
    for step in (5, 10, 20, 25, 50, 100, 200, 250, 500):
        if value <= step * 5:
            return float(-(-value // step) * step)
    return value


def score_chart_svg(
    measure: Instrument,
    points: Sequence[ChartPoint],
    markers: Sequence[Marker],
    *,
    today: date,
) -> str:
    """An accessible ``<svg>`` of ``points`` (oldest first) with ``markers``; '' if no point."""
    if not points:
        return ""
    low = float(measure.score_min)
    high = float(measure.score_max)
    values = [float(p.value) for p in points]
    if high - low > 100:  # MIDAS runs to 460 days: scale to the data instead
        high = _nice_top(max(*values, *(float(b.start) for b in measure.bands[:2]), 10.0) * 1.25)
    # From the first point or dose to four weeks past today (or the last point): later planned
    # doses would squeeze the scores into a corner.
    horizon = max(today, max(p.day for p in points)) + timedelta(days=HORIZON_DAYS)
    markers = [m for m in markers if m.day <= horizon]
    days = [p.day for p in points] + [m.day for m in markers]
    first, last = min(days), max(*days, today)
    if (last - first).days < 28:
        last = first + timedelta(days=28)
    first, last = first - timedelta(days=3), last + timedelta(days=3)
    span_days = (last - first).days
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(day: date) -> float:
        return LEFT + (day - first).days / span_days * plot_w

    def y(value: float) -> float:
        clipped = min(max(value, low), high)
        return TOP + plot_h - (clipped - low) / ((high - low) or 1.0) * plot_h

    title = f"{measure.short_name} over time"
    parts = [
        f'<svg class="outcome-chart" viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" '
        f'preserveAspectRatio="xMinYMin meet" role="img" aria-label="{escape(title)}" '
        'xmlns="http://www.w3.org/2000/svg" font-family="sans-serif" font-size="11">',
        f"<title>{escape(title)}</title>",
        f'<rect x="{LEFT}" y="{TOP}" width="{plot_w}" height="{plot_h}" fill="#ffffff" '
        'stroke="#6c757d" stroke-width="1"/>',
    ]
    # Bands, shaded alternately, each labelled with where it starts.
    for index, band in enumerate(measure.bands):
        if band.on is not None:
            continue
        start = float(band.start)
        nxt = float(measure.bands[index + 1].start) if index + 1 < len(measure.bands) else high
        if start >= high:
            continue
        top, bottom = y(min(nxt, high)), y(max(start, low))
        parts.append(
            f'<rect x="{LEFT}" y="{top:.1f}" width="{plot_w}" height="{bottom - top:.1f}" '
            f'fill="{BAND_FILLS[index % 2]}"><title>{escape(band.label)}</title></rect>'
        )
        parts.append(
            f'<text x="{LEFT + plot_w - 4}" y="{bottom - 3:.1f}" fill="#495057" font-size="9" '
            f'text-anchor="end">{escape(band.label)}</text>'
        )
    # Y axis: round ticks (1, 2, 5, 10 ... apart), at most seven.
    for value in _ticks(low, high):
        parts.append(
            f'<line x1="{LEFT - 4}" x2="{LEFT}" y1="{y(value):.1f}" y2="{y(value):.1f}" '
            'stroke="#6c757d"/>'
            f'<text x="{LEFT - 6}" y="{y(value) + 4:.1f}" text-anchor="end">{value:g}</text>'
        )
    # X axis: the first of each month (or every week for a short chart).
    tick = date(first.year, first.month, 1)
    weekly = span_days <= 70
    if weekly:
        tick = first + timedelta(days=(7 - first.weekday()) % 7)
    while tick <= last:
        if tick >= first:
            label = (
                f"{tick.day} {MONTHS[tick.month - 1]}"
                if weekly
                else (f"{MONTHS[tick.month - 1]} {tick:%y}")
            )
            parts.append(
                f'<line x1="{x(tick):.1f}" x2="{x(tick):.1f}" y1="{TOP + plot_h}" '
                f'y2="{TOP + plot_h + 4}" stroke="#6c757d"/>'
                f'<text x="{x(tick):.1f}" y="{TOP + plot_h + 16}" text-anchor="middle">'
                f"{label}</text>"
            )
        tick = (
            tick + timedelta(days=7)
            if weekly
            else date(tick.year + tick.month // 12, tick.month % 12 + 1, 1)
        )
    # Markers under the line.
    for marker in markers:
        mx = x(marker.day)
        label = escape(f"{marker.day:%Y-%m-%d}: {marker.label}")
        if marker.kind in ("dose_planned", "dose_given"):
            dash = ' stroke-dasharray="2 3"' if marker.kind == "dose_planned" else ""
            colour = "#868e96" if marker.kind == "dose_planned" else "#1c7ed6"
            if marker.kind == "dose_planned" and marker.day > today:
                colour = "#ced4da"
            parts.append(
                f'<line x1="{mx:.1f}" x2="{mx:.1f}" y1="{TOP}" y2="{TOP + plot_h}" '
                f'stroke="{colour}" stroke-width="1.5"{dash}><title>{label}</title></line>'
            )
        elif marker.kind == "adverse_event":
            parts.append(
                f'<path d="M{mx:.1f},{TOP + 2} l6,10 h-12 z" fill="#c92a2a" stroke="#000">'
                f"<title>{label}</title></path>"
            )
        else:
            parts.append(
                f'<path d="M{mx:.1f},{TOP + 1} l6,6 l-6,6 l-6,-6 z" fill="#ffffff" '
                f'stroke="#000" stroke-width="1.5"><title>{label}</title></path>'
            )
    # Today.
    if first <= today <= last:
        parts.append(
            f'<line x1="{x(today):.1f}" x2="{x(today):.1f}" y1="{TOP}" y2="{TOP + plot_h}" '
            'stroke="#000" stroke-width="1" stroke-dasharray="6 3"/>'
            f'<text x="{x(today) + 3:.1f}" y="{TOP + 10}" font-size="9">today</text>'
        )
    # The scores.
    coords = " ".join(f"{x(p.day):.1f},{y(float(p.value)):.1f}" for p in points)
    parts.append(f'<polyline points="{coords}" fill="none" stroke="#1864ab" stroke-width="2.5"/>')
    for point in points:
        px, py = x(point.day), y(float(point.value))
        tip = escape(f"{point.day:%Y-%m-%d}: {point.label}")
        if point.alert:
            parts.append(
                f'<rect x="{px - 5:.1f}" y="{py - 5:.1f}" width="10" height="10" '
                f'fill="#c92a2a" stroke="#000"><title>{tip} (alert)</title></rect>'
            )
        else:
            parts.append(
                f'<circle cx="{px:.1f}" cy="{py:.1f}" r="4.5" fill="#1864ab" stroke="#fff" '
                f'stroke-width="1.5"><title>{tip}</title></circle>'
            )
        label_y = py - 9 if py - 9 > TOP + 8 else py + 18
        parts.append(
            f'<text x="{px:.1f}" y="{label_y:.1f}" text-anchor="middle" font-weight="bold" '
            f'fill="#000">{escape(point.label)}</text>'
        )
    # Legend: the score, and only the marker kinds this chart shows.
    direction = "lower is better" if measure.better == "lower" else "higher is better"
    kinds = {m.kind for m in markers}
    entries = [
        ('<circle cx="6" cy="-4" r="4" fill="#1864ab"/>', f"score ({direction})", True),
        (
            '<line x1="6" x2="6" y1="-11" y2="2" stroke="#868e96" stroke-width="1.5" '
            'stroke-dasharray="2 3"/>',
            "planned dose",
            "dose_planned" in kinds,
        ),
        (
            '<line x1="6" x2="6" y1="-11" y2="2" stroke="#1c7ed6" stroke-width="1.5"/>',
            "infusion given",
            "dose_given" in kinds,
        ),
        (
            '<path d="M6,-11 l6,10 h-12 z" fill="#c92a2a" stroke="#000"/>',
            "adverse event",
            "adverse_event" in kinds,
        ),
        (
            '<path d="M6,-12 l6,6 l-6,6 l-6,-6 z" fill="#ffffff" stroke="#000"/>',
            "review decision",
            "decision" in kinds,
        ),
        (
            '<rect x="1" y="-9" width="9" height="9" fill="#c92a2a" stroke="#000"/>',
            "alert raised",
            any(p.alert for p in points),
        ),
    ]
    offset = LEFT
    for symbol, text, shown in entries:
        if shown:
            parts.append(
                f'<g transform="translate({offset},{HEIGHT - 14})">{symbol}'
                f'<text x="16" y="0">{text}</text></g>'
            )
            offset += 30 + 6 * len(text)
    parts.append("</svg>")
    return "".join(parts)
