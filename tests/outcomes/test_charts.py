"""Trend charts: server-rendered SVG with doses and events marked, readable in print."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal as D

from ivmt.clinical.instruments import instrument
from ivmt.outcomes.charts import ChartPoint, score_chart_svg
from ivmt.outcomes.course import Marker

START = date(2026, 10, 12)


def _svg(points, markers=(), instrument_id="fiqr", today=date(2026, 11, 23)):
    return score_chart_svg(instrument(instrument_id), points, list(markers), today=today)


def test_no_points_no_chart():
    assert _svg([]) == ""


def test_each_score_is_a_labelled_point_on_a_line():
    svg = _svg(
        [ChartPoint(START, D(50), "50.0"), ChartPoint(START + timedelta(weeks=6), D(37), "37.0")]
    )
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert 'role="img"' in svg and "<title>FIQR over time</title>" in svg
    assert svg.count("<circle") == 2 + 1  # two scores and the legend's dot
    assert ">50.0</text>" in svg and ">37.0</text>" in svg
    assert "<polyline" in svg


def test_doses_adverse_events_and_alerts_differ_in_shape_not_only_colour():
    markers = [
        Marker(START, "dose_planned", "Dose 1 planned"),
        Marker(START + timedelta(days=7), "dose_given", "Dose 2 given"),
        Marker(START + timedelta(days=8), "adverse_event", "Flushing"),
        Marker(START + timedelta(days=42), "decision", "Week-6 review"),
    ]
    svg = _svg([ChartPoint(START, D(50), "50.0", alert=True)], markers)
    assert 'stroke-dasharray="2 3"' in svg  # planned: dotted
    assert "Dose 2 given" in svg
    assert svg.count("l6,10 h-12 z") == 2  # adverse-event triangle (and its legend)
    assert "l6,6 l-6,6 l-6,-6 z" in svg  # review diamond
    assert "(alert)</title></rect>" in svg  # an alert is a square, not a circle


def test_colours_are_attributes_so_the_chart_prints_without_the_stylesheet_and_the_csp_allows_it():
    svg = _svg([ChartPoint(START, D(50), "50.0")], [Marker(START, "dose_planned", "x")])
    assert "style=" not in svg and "<script" not in svg
    assert 'fill="#' in svg and 'stroke="#' in svg


def test_bands_are_shaded_and_named():
    svg = _svg([ChartPoint(START, D(50), "50.0")])
    for label in ("mild", "moderate", "severe"):
        assert f">{label} (often quoted, unverified)</text>" in svg


def test_marker_text_is_escaped():
    svg = _svg([ChartPoint(START, D(50), "50.0")], [Marker(START, "adverse_event", "<script>x")])
    assert "<script>x" not in svg and "&lt;script&gt;x" in svg


def test_a_wide_scale_is_fitted_to_the_data():
    # MIDAS runs to 460 days; small scores must not sit flat on the axis.
    svg = _svg(
        [ChartPoint(START, D(12), "12"), ChartPoint(START + timedelta(days=42), D(5), "5")],
        instrument_id="midas",
    )
    ticks = [float(t) for t in re.findall(r'text-anchor="end">([0-9.]+)</text>', svg)]
    assert max(ticks) < 100
