"""Reaching a screened, approved patient with services only (for the orders and pharmacy tests).

``screen_and_approve`` records fresh magnesium, calcium, potassium and eGFR results, has the
medical director approve the knowledge version (once per clinic), screens the patient and signs
the physician's decision: "approve", or "override" with a reason when the screening found a
hard stop. Afterwards ``screening_gate(patient=patient).allowed`` is True until the chart, the
policy or the knowledge changes, or the results grow older than the clinic's window.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from ivmt.accounts.models import Clinic, Membership, User
from ivmt.core.access import Actor
from ivmt.core.roles import Role
from ivmt.patients import services as patient_services
from ivmt.patients.models import Patient
from ivmt.screening import services
from ivmt.screening.models import KnowledgeApproval, ScreeningDecision, ScreeningRun
from ivmt.screening.selectors import knowledge_approval

NORMAL_LABS = (
    ("magnesium", "2.0", "mg/dL"),
    ("calcium_total", "9.4", "mg/dL"),
    ("potassium", "4.2", "mmol/L"),
    ("egfr", "92", "mL/min/1.73m2"),
)


def actor(user: User, clinic: Clinic) -> Actor:
    membership = Membership.objects.get(user=user, clinic=clinic)
    return Actor(
        user=user,
        clinic=clinic,
        role=Role(membership.role),
        is_medical_director=membership.is_medical_director,
        ip="127.0.0.1",
    )


def record_baseline_labs(patient: Patient, recorder: Actor, *, days_ago: int = 1) -> None:
    collected = timezone.now() - timedelta(days=days_ago)
    for analyte, value, unit in NORMAL_LABS:
        patient_services.lab_result_record(
            actor=recorder,
            patient=patient,
            entry=patient_services.LabEntry(
                analyte=analyte, value=Decimal(value), unit=unit, collected_at=collected
            ),
        )


def approve_knowledge(director: User, clinic: Clinic) -> KnowledgeApproval:
    found = knowledge_approval(clinic_id=clinic.pk)
    return found or services.knowledge_approve(actor=actor(director, clinic))


def screen_and_approve(
    patient: Patient, *, physician: User, director: User, clinic: Clinic
) -> ScreeningRun:
    """Screen ``patient`` and sign an approval (or an override of its hard stops)."""
    doctor = actor(physician, clinic)
    record_baseline_labs(patient, doctor)
    approve_knowledge(director, clinic)
    run = services.screening_run_create(actor=doctor, patient=patient)
    decision = (
        ScreeningDecision.Decision.OVERRIDE
        if run.hard_stop_count
        else ScreeningDecision.Decision.APPROVE
    )
    services.screening_decide(
        actor=doctor,
        run_id=run.pk,
        decision=decision,
        reason="Reviewed in clinic; plan agreed with the patient.",
    )
    return run
