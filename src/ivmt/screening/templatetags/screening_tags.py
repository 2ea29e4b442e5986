"""The screening panel the chart includes (``{% screening_panel patient %}``) and display
helpers. The panel is an inclusion tag so that the patients app renders it without importing
screening: only its template names the tag library."""

from __future__ import annotations

from typing import Any

from django import template

from ivmt.clinical import labs
from ivmt.clinical.errors import ClinicalError
from ivmt.clinical.screening_rules import SEVERITY_LABELS
from ivmt.core.access import actor_from_request
from ivmt.patients.models import Patient
from ivmt.screening.selectors import screening_status

register = template.Library()

_SEVERITY_CLASS = {
    "hard_stop": "danger",
    "physician_review": "warning",
    "caution": "info",
    "information": "secondary",
    "clear": "success",
}


@register.inclusion_tag("screening/panel.html", takes_context=True)
def screening_panel(context: template.Context, patient: Patient) -> dict[str, Any]:
    request = context["request"]
    actor = actor_from_request(request)
    if not actor.may("screening.view"):
        return {"show": False}
    return {
        "show": True,
        "patient": patient,
        "screening": screening_status(actor=actor, patient=patient, audit=False),
        "can": context.get("can"),
        "csrf_token": context.get("csrf_token"),
        "severity_labels": SEVERITY_LABELS,
    }


@register.filter
def severity_class(severity: str) -> str:
    """The Bootstrap colour of a severity or outcome."""
    return _SEVERITY_CLASS.get(severity, "secondary")


@register.filter
def severity_label(severity: str) -> str:
    return SEVERITY_LABELS.get(severity, "Clear" if severity == "clear" else severity)


@register.filter
def analyte_names(codes: list[str]) -> str:
    names = []
    for code in codes:
        try:
            names.append(labs.analyte(code).name)
        except ClinicalError:
            names.append(code)
    return "; ".join(names)
