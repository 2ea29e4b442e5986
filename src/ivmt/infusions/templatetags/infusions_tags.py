"""The infusion history panel the patient chart includes (``{% infusion_panel patient %}``):
an inclusion tag, so the patients app renders it without importing this app."""

from __future__ import annotations

from typing import Any

from django import template

from ivmt.core.access import actor_from_request
from ivmt.infusions.selectors import patient_infusions
from ivmt.patients.models import Patient

register = template.Library()


@register.inclusion_tag("infusions/panel.html", takes_context=True)
def infusion_panel(context: template.Context, patient: Patient) -> dict[str, Any]:
    actor = actor_from_request(context["request"])
    if not actor.may("infusions.view"):
        return {"show": False}
    return {
        "show": True,
        "patient": patient,
        "charts": patient_infusions(actor=actor, patient=patient),
        "can_wristband": actor.may("infusions.wristband"),
    }
