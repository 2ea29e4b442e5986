"""Display helpers for the programme page (rounding for display only, half-up)."""

from __future__ import annotations

from decimal import Decimal

from django import template

from ivmt.clinical.instruments import instruments
from ivmt.clinical.quantities import plain, round_half_up
from ivmt.outcomes.selectors import has_open_alert, latest_scores
from ivmt.outcomes.statistics import Proportion
from ivmt.patients.models import Patient

register = template.Library()


@register.filter
def places(value: Decimal | None, digits: int) -> str:
    if value is None:
        return "—"
    return plain(round_half_up(Decimal(value), int(digits)))


@register.filter
def pct(proportion: Proportion, attribute: str) -> str:
    """``rate``, ``low`` or ``high`` of a proportion as a whole percentage ("43 %")."""
    value: Decimal = getattr(proportion, attribute)
    return f"{plain(round_half_up(value * 100, 0))} %"


@register.filter
def pvalue(value: Decimal | None) -> str:
    if value is None:
        return "—"
    if value < Decimal("0.001"):
        return "< 0.001"
    return plain(round_half_up(value, 3))


@register.inclusion_tag("outcomes/chart_panel.html")
def outcomes_panel(patient: Patient) -> dict[str, object]:
    """The chart's outcomes card: the newest score of each instrument and any open alert.

    Shown inside the chart page, whose view has already audited the chart read.
    """
    latest = latest_scores(patient)
    names = {i.id: i.short_name for i in instruments()}
    return {
        "patient": patient,
        "latest": [(names.get(r.instrument_id, r.instrument_id), r) for r in latest],
        "open_alert": has_open_alert(patient),
    }
