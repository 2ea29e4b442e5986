"""A small server-rendered SVG trend line for one analyte (no chart library, no script).

Points are placed by collection time; the lab's reference band is shaded. Pure: values in,
SVG text out, so it prints and needs nothing on the page.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from html import escape

WIDTH, HEIGHT, PAD = 240, 60, 6


def trend_svg(
    points: Sequence[tuple[datetime, Decimal, str]],
    low: Decimal | None,
    high: Decimal | None,
    label: str,
) -> str:
    """``points`` oldest first as (collected_at, value, flag); returns an accessible <svg>."""
    if not points:
        return ""
    values = [float(v) for _, v, _ in points]  # floats only for drawing, never for care
    bounds = values + [float(b) for b in (low, high) if b is not None]
    v_min, v_max = min(bounds), max(bounds)
    span = (v_max - v_min) or 1.0
    t0 = points[0][0].timestamp()
    t_span = (points[-1][0].timestamp() - t0) or 1.0

    def x(t: datetime) -> float:
        if len(points) == 1:
            return WIDTH / 2
        return PAD + (t.timestamp() - t0) / t_span * (WIDTH - 2 * PAD)

    def y(v: float) -> float:
        return HEIGHT - PAD - (v - v_min) / span * (HEIGHT - 2 * PAD)

    parts = [
        f'<svg class="trend" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" '
        f'role="img" aria-label="{escape(label)}">'
    ]
    if low is not None and high is not None:
        top, bottom = y(float(high)), y(float(low))
        parts.append(
            f'<rect x="0" y="{top:.1f}" width="{WIDTH}" height="{bottom - top:.1f}" '
            'class="trend-band"/>'
        )
    coords = " ".join(f"{x(t):.1f},{y(float(v)):.1f}" for t, v, _ in points)
    parts.append(f'<polyline points="{coords}" class="trend-line"/>')
    for t, v, flag in points:
        css = "trend-point-abnormal" if flag else "trend-point"
        parts.append(
            f'<circle cx="{x(t):.1f}" cy="{y(float(v)):.1f}" r="3" class="{css}">'
            f"<title>{t:%Y-%m-%d}: {v.normalize():f} {escape(flag)}</title></circle>"
        )
    parts.append("</svg>")
    return "".join(parts)
