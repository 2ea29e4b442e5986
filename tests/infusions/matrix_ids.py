"""Objects of a patient's clinic for the role × page matrix (tests/core/test_access_matrix.py):
an infusion chart of the matrix's dose, an adverse event on it and next-dose advice. Made
directly (the matrix checks who may open a page, not the workflows, which have their tests)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from django.utils import timezone
from tests.pharmacy.matrix_ids import _dose

from ivmt.accounts.models import Membership
from ivmt.infusions.models import AdverseEvent, InfusionChart, NextDoseAdvice, Observation
from ivmt.patients.models import Patient


def _chart(patient: Patient, membership: Membership) -> InfusionChart:
    dose = _dose(patient, membership)
    found = InfusionChart.objects.filter(dose=dose).first()
    if found is not None:
        return found
    return InfusionChart.objects.create(
        clinic_id=patient.clinic_id,
        patient=patient,
        dose=dose,
        order_id=dose.order_id,
        arrived_at=timezone.now(),
        checked_in_by=membership.user,
    )


def _event(patient: Patient, membership: Membership) -> AdverseEvent:
    chart = _chart(patient, membership)
    found = AdverseEvent.objects.filter(chart=chart).first()
    if found is not None:
        return found
    observation = Observation.objects.create(
        clinic_id=patient.clinic_id,
        chart=chart,
        at=timezone.now(),
        side_effect_id="fainting",
        severity="moderate",
        action_taken="lying flat",
        recorded_by=membership.user,
    )
    return AdverseEvent.objects.create(
        clinic_id=patient.clinic_id,
        patient=patient,
        chart=chart,
        observation=observation,
        side_effect_id="fainting",
        severity="moderate",
        occurred_at=timezone.now(),
        actions="lying flat",
        outcome="resolved",
        reported_by=membership.user,
        reported_at=timezone.now(),
    )


def _advice(patient: Patient, membership: Membership) -> NextDoseAdvice:
    chart = _chart(patient, membership)
    found = NextDoseAdvice.objects.filter(chart=chart).first()
    if found is not None:
        return found
    return NextDoseAdvice.objects.create(
        clinic_id=patient.clinic_id,
        patient=patient,
        chart=chart,
        order_id=chart.order_id,
        reasons=["heat_sensation"],
        slower=True,
        changed=True,
        current_duration_min=Decimal(45),
        proposed_duration_min=Decimal(70),
        proposed_osmolarity_mosm_per_l=Decimal(594),
        summary="Infuse over 70 min instead of 45.",
        knowledge_version="matrix",
    )


INFUSION_IDS: dict[str, Callable[[Patient, Membership], int]] = {
    "chart_id": lambda patient, membership: _chart(patient, membership).pk,
    "event_id": lambda patient, membership: _event(patient, membership).pk,
    "advice_id": lambda patient, membership: _advice(patient, membership).pk,
}
