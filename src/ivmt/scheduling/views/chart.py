"""The chart's appointments card, fetched by the chart page after it loads (htmx), so the
chart's own queries stay what they were: the patient's next visits, booking the series, the
calendar link. Without JavaScript the chart links to the same card as a page."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from ivmt.core.access import actor_from_request, requires
from ivmt.patients.selectors import patient_get
from ivmt.scheduling import selectors


@requires("patients.view")
@require_GET
def chart_panel(request: HttpRequest, patient_id: int) -> HttpResponse:
    actor = actor_from_request(request)
    patient = patient_get(actor=actor, patient_id=patient_id, action="appointments.panel")
    panel = selectors.chart_panel(actor=actor, patient=patient)
    template = (
        "scheduling/chart_panel.html"
        if getattr(request, "htmx", False)
        else "scheduling/chart_panel_page.html"
    )
    return render(request, template, {"patient": patient, **panel})
