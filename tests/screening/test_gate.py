"""The screening gate the orders issue calls: allowed only with approved knowledge, a current
run approved (or overridden) by a physician, and baseline electrolytes inside the window."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from tests.screening.helpers import screen_and_approve

from ivmt.accounts.models import Clinic, User
from ivmt.clinical.knowledge import knowledge_version
from ivmt.core.access import Actor
from ivmt.patients import services as patient_services
from ivmt.patients.models import Patient
from ivmt.screening import facts, selectors, services
from ivmt.screening.selectors import ScreeningGate, screening_gate


def test_the_gate_has_the_interface_the_orders_issue_codes_against(patient: Patient) -> None:
    gate = screening_gate(patient=patient)
    assert isinstance(gate, ScreeningGate)
    assert gate.allowed is False
    assert gate.run_id is None
    assert gate.knowledge_version == knowledge_version()
    with pytest.raises(AttributeError):
        gate.allowed = True  # type: ignore[misc]  # frozen


def test_an_approved_current_screening_opens_the_gate(
    ready_patient: Patient, doctor: Actor, approved: None
) -> None:
    run = services.screening_run_create(actor=doctor, patient=ready_patient)
    assert screening_gate(patient=ready_patient).reason == (
        f"Screening #{run.pk} is waiting for a physician's decision."
    )
    services.screening_decide(actor=doctor, run_id=run.pk, decision="approve")
    gate = screening_gate(patient=ready_patient)
    assert gate == ScreeningGate(
        allowed=True, reason="", run_id=run.pk, knowledge_version=knowledge_version()
    )


def test_unapproved_knowledge_keeps_the_gate_shut(ready_patient: Patient, doctor: Actor) -> None:
    run = services.screening_run_create(actor=doctor, patient=ready_patient)
    services.screening_decide(actor=doctor, run_id=run.pk, decision="approve")
    gate = screening_gate(patient=ready_patient)
    assert not gate.allowed
    assert "not yet approved for this clinic by its medical director" in gate.reason


def test_a_new_knowledge_version_needs_a_new_approval_and_a_new_screening(
    ready_patient: Patient, doctor: Actor, approved: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = services.screening_run_create(actor=doctor, patient=ready_patient)
    services.screening_decide(actor=doctor, run_id=run.pk, decision="approve")
    for module in (selectors, services, facts):
        monkeypatch.setattr(module, "knowledge_version", lambda: "2099.1.1+000000000000")
    gate = screening_gate(patient=ready_patient)
    assert not gate.allowed
    assert "2099.1.1+000000000000" in gate.reason
    assert f"changed after screening #{run.pk}" in gate.reason


def test_an_unscreened_patient_is_not_allowed(ready_patient: Patient, approved: None) -> None:
    assert screening_gate(patient=ready_patient).reason == "The patient has not been screened yet."


def test_a_declined_screening_keeps_the_gate_shut(
    ready_patient: Patient, doctor: Actor, approved: None
) -> None:
    run = services.screening_run_create(actor=doctor, patient=ready_patient)
    services.screening_decide(
        actor=doctor, run_id=run.pk, decision="decline", reason="Prefers oral magnesium."
    )
    assert "declined IVMT" in screening_gate(patient=ready_patient).reason


def test_a_chart_change_after_approval_closes_the_gate_until_a_new_decision(
    ready_patient: Patient, doctor: Actor, nurse: Actor, approved: None
) -> None:
    run = services.screening_run_create(actor=doctor, patient=ready_patient)
    services.screening_decide(actor=doctor, run_id=run.pk, decision="approve")
    patient_services.medication_add(actor=nurse, patient=ready_patient, name="Sertraline")
    gate = screening_gate(patient=ready_patient)
    assert not gate.allowed
    assert gate.run_id != run.pk  # re-screened automatically: the new run awaits a decision
    assert "waiting for a physician's decision" in gate.reason


def test_a_hard_stop_overridden_with_a_reason_opens_the_gate(
    ready_patient: Patient, doctor: Actor, nurse: Actor, approved: None
) -> None:
    patient_services.medication_add(actor=nurse, patient=ready_patient, name="Digoxin")
    run = services.screening_run_create(actor=doctor, patient=ready_patient)
    assert run.outcome == "hard_stop"
    services.screening_decide(
        actor=doctor,
        run_id=run.pk,
        decision="override",
        reason="Cardiology agrees; calcium left out, ECG monitoring during each infusion.",
    )
    assert screening_gate(patient=ready_patient).allowed


def test_electrolytes_older_than_the_window_close_the_gate_again(
    ready_patient: Patient,
    doctor: Actor,
    approved: None,
    frozen_clock: time_machine.Traveller,
) -> None:
    run = services.screening_run_create(actor=doctor, patient=ready_patient)
    services.screening_decide(actor=doctor, run_id=run.pk, decision="approve")
    frozen_clock.shift(timedelta(days=30))  # results taken yesterday are now 31 days old
    gate = screening_gate(patient=ready_patient)
    assert not gate.allowed
    assert "Baseline magnesium missing or too old" in gate.reason
    assert "31 days old (window 30 days, clinic policy)" in gate.reason
    assert gate.run_id == run.pk


def test_the_test_helper_reaches_an_open_gate(patient: Patient, diaz: User, clinic: Clinic) -> None:
    screen_and_approve(patient, physician=diaz, director=diaz, clinic=clinic)
    assert screening_gate(patient=patient).allowed


def test_the_gate_reads_a_fixed_number_of_queries_however_full_the_chart(
    make_patient: Callable[..., Patient],
    baseline: Callable[[Patient], None],
    nurse: Actor,
    doctor: Actor,
    approved: None,
) -> None:
    small, large = make_patient(), make_patient(given_name="Large")
    for p in (small, large):
        baseline(p)
        services.screening_run_create(actor=doctor, patient=p)
    for n in range(6):
        patient_services.medication_add(actor=nurse, patient=large, name=f"Remedy {n}")
        patient_services.allergy_add(actor=nurse, patient=large, substance=f"Pollen {n}")
        patient_services.condition_add(actor=nurse, patient=large, description=f"Thing {n}")
    baseline(large)

    def queries(p: Patient) -> int:
        with CaptureQueriesContext(connection) as context:
            screening_gate(patient=p)
        return len(context.captured_queries)

    assert queries(large) == queries(small) <= 10
