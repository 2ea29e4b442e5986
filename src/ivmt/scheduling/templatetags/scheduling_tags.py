"""The chart's appointments card: upcoming visits, booking the series, the calendar link."""

from __future__ import annotations

from typing import Any

from django import template

from ivmt.core.access import actor_from_request
from ivmt.orders.models import CourseOrder
from ivmt.patients.models import Patient
from ivmt.scheduling.selectors import patient_has_feed, patient_upcoming

register = template.Library()


@register.inclusion_tag("scheduling/chart_panel.html", takes_context=True)
def scheduling_panel(context: dict[str, Any], patient: Patient) -> dict[str, object]:
    """Shown inside the chart page, whose view has already audited the chart read."""
    actor = actor_from_request(context["request"])
    can_book = actor.may("scheduling.book")
    order_id = None
    if can_book:
        order_id = (
            CourseOrder.objects.filter(patient=patient, status=CourseOrder.Status.SIGNED)
            .values_list("pk", flat=True)
            .first()
        )
    return {
        "patient": patient,
        "upcoming": patient_upcoming(actor=actor, patient=patient),
        "can_book": can_book,
        "order_id": order_id,
        "has_feed": can_book and patient_has_feed(patient=patient),
    }
