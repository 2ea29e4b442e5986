"""A patient in screening is screened again, by itself, whenever the chart changes."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from ivmt.clinical.screening import Finding
from ivmt.core import observers
from ivmt.core.access import Actor
from ivmt.core.observers import ChartChange, chart_listeners
from ivmt.patients import services as patient_services
from ivmt.patients.models import Medication, Patient
from ivmt.screening import services
from ivmt.screening.models import ScreeningRun
from ivmt.screening.services import rescreen_on_chart_change


def runs(patient: Patient) -> list[ScreeningRun]:
    return list(ScreeningRun.objects.filter(patient=patient).order_by("id"))


def rule_ids(run: ScreeningRun) -> set[str]:
    return {f.rule_id for f in run.finding_list()}


def test_the_screening_app_listens_to_chart_changes() -> None:
    assert rescreen_on_chart_change in chart_listeners()


def test_a_new_medication_rescreens_the_patient(
    ready_patient: Patient, doctor: Actor, nurse: Actor
) -> None:
    first = services.screening_run_create(actor=doctor, patient=ready_patient)
    assert first.outcome == "clear"
    patient_services.medication_add(
        actor=nurse, patient=ready_patient, name="Lanoxin", dose="125 mcg"
    )
    latest = runs(ready_patient)[-1]
    assert latest.pk != first.pk
    assert latest.trigger == ScreeningRun.Trigger.CHART_CHANGE
    assert latest.trigger_detail == "medication"
    assert latest.created_by == nurse.user
    assert latest.outcome == "hard_stop"
    assert "cardiac_glycoside" in rule_ids(latest)
    finding: Finding = next(f for f in latest.finding_list() if f.rule_id == "cardiac_glycoside")
    assert finding.facts_used[0].label == "Lanoxin"  # coded by its brand name


@pytest.mark.parametrize(
    ("change", "expected_rule"),
    [
        (
            lambda p, a: patient_services.allergy_add(actor=a, patient=p, substance="Thiamine"),
            "thiamine_allergy",
        ),
        (
            lambda p, a: patient_services.condition_add(
                actor=a, patient=p, description="MG", icd10="G70.00"
            ),
            "myasthenia_gravis",
        ),
        (
            lambda p, a: patient_services.lab_result_record(
                actor=a,
                patient=p,
                entry=patient_services.LabEntry(
                    analyte="magnesium",
                    value=Decimal("2.6"),
                    unit="mg/dL",
                    collected_at=datetime.fromisoformat("2026-11-22T09:00:00-05:00"),
                ),
            ),
            "magnesium_above_upper_limit",
        ),
    ],
    ids=["allergy", "condition", "lab"],
)
def test_allergies_conditions_and_labs_rescreen_too(
    ready_patient: Patient, doctor: Actor, nurse: Actor, change, expected_rule: str
) -> None:
    services.screening_run_create(actor=doctor, patient=ready_patient)
    change(ready_patient, nurse)
    assert expected_rule in rule_ids(runs(ready_patient)[-1])


def test_stopping_a_medication_and_marking_a_lab_in_error_rescreen(
    ready_patient: Patient, doctor: Actor, nurse: Actor
) -> None:
    digoxin = patient_services.medication_add(actor=nurse, patient=ready_patient, name="Digoxin")
    services.screening_run_create(actor=doctor, patient=ready_patient)
    patient_services.medication_stop(
        actor=nurse,
        patient=ready_patient,
        medication_id=digoxin.pk,
        stopped_on=date(2026, 11, 22),
    )
    assert "cardiac_glycoside" not in rule_ids(runs(ready_patient)[-1])
    magnesium = ready_patient.lab_results.get(analyte="magnesium")
    patient_services.lab_result_mark_error(
        actor=nurse, patient=ready_patient, result_id=magnesium.pk, reason="Haemolysed sample"
    )
    assert "baseline_magnesium_required" in rule_ids(runs(ready_patient)[-1])


def test_coding_a_medication_later_rescreens(
    ready_patient: Patient, doctor: Actor, nurse: Actor
) -> None:
    odd = patient_services.medication_add(actor=nurse, patient=ready_patient, name="Heart pill")
    services.screening_run_create(actor=doctor, patient=ready_patient)
    assert "uncoded_medication" in rule_ids(runs(ready_patient)[-1])
    patient_services.medication_code_set(
        actor=nurse, patient=ready_patient, medication_id=odd.pk, drug_code="digoxin"
    )
    latest = rule_ids(runs(ready_patient)[-1])
    assert "cardiac_glycoside" in latest and "uncoded_medication" not in latest


def test_a_patient_never_screened_is_not_screened_by_chart_edits(
    patient: Patient, nurse: Actor
) -> None:
    patient_services.medication_add(actor=nurse, patient=patient, name="Digoxin")
    assert runs(patient) == []


def test_an_older_result_that_changes_no_fact_makes_no_new_run(
    ready_patient: Patient, doctor: Actor, nurse: Actor
) -> None:
    services.screening_run_create(actor=doctor, patient=ready_patient)
    patient_services.lab_result_record(
        actor=nurse,
        patient=ready_patient,
        entry=patient_services.LabEntry(
            analyte="magnesium",
            value=Decimal("1.9"),
            unit="mg/dL",
            collected_at=datetime.fromisoformat("2026-10-01T09:00:00-05:00"),
        ),
    )
    assert len(runs(ready_patient)) == 1


def test_a_failing_listener_never_stops_the_chart_change(
    ready_patient: Patient, doctor: Actor, nurse: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    services.screening_run_create(actor=doctor, patient=ready_patient)

    def broken(change: ChartChange) -> None:
        ScreeningRun.objects.filter(patient_id=change.patient_id).count()
        raise RuntimeError("screening is down")

    monkeypatch.setattr(observers, "_listeners", [broken])
    patient_services.medication_add(actor=nurse, patient=ready_patient, name="Digoxin")
    assert Medication.objects.filter(patient=ready_patient, drug_code="digoxin").exists()
    assert len(runs(ready_patient)) == 1  # the re-screen was lost ...
    from ivmt.screening.selectors import screening_gate

    assert "changed after screening" in screening_gate(patient=ready_patient).reason  # ... safely
