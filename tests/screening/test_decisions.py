"""A physician's decision on a screening: who may sign it, what it needs, and that it is final."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.core.exceptions import PermissionDenied
from tests.conftest import actor_for, make_member

from ivmt.accounts.models import Clinic, User
from ivmt.core.access import Actor
from ivmt.core.models import AuditEvent
from ivmt.core.roles import Role
from ivmt.patients import services as patient_services
from ivmt.patients.models import Patient
from ivmt.screening import services
from ivmt.screening.errors import ScreeningError
from ivmt.screening.models import ScreeningDecision, ScreeningRun

REASON = "Cardiology agrees; calcium left out, ECG monitoring during each infusion."


@pytest.fixture
def digoxin_run(ready_patient: Patient, doctor: Actor, nurse: Actor) -> ScreeningRun:
    patient_services.medication_add(actor=nurse, patient=ready_patient, name="Digoxin")
    return services.screening_run_create(actor=doctor, patient=ready_patient)


@pytest.mark.parametrize("who", ["nadia", "priya", "fran", "morgan"])
def test_only_a_physician_can_override_a_hard_stop(
    who: str, digoxin_run: ScreeningRun, clinic: Clinic, request: pytest.FixtureRequest
) -> None:
    user: User = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        services.screening_decide(
            actor=actor_for(user, clinic), run_id=digoxin_run.pk, decision="override", reason=REASON
        )
    assert not ScreeningDecision.objects.exists()
    refusal = AuditEvent.objects.filter(action="screening.decide", outcome="denied").get()
    assert refusal.username == user.username


def test_a_physician_overrides_a_hard_stop_with_a_written_reason(
    digoxin_run: ScreeningRun, doctor: Actor
) -> None:
    assert digoxin_run.outcome == "hard_stop"
    signed = services.screening_decide(
        actor=doctor, run_id=digoxin_run.pk, decision="override", reason=REASON
    )
    assert signed.overridden_rules == ["cardiac_glycoside"]
    assert signed.reason == REASON
    event = AuditEvent.objects.get(action="screening.override")
    assert event.patient_id == digoxin_run.patient_id
    assert event.detail == f"run {digoxin_run.pk}: cardiac_glycoside"
    assert REASON not in event.detail  # clinical free text stays out of the audit trail


@pytest.mark.parametrize("reason", ["", "   ", "ok", "fine."])
def test_an_override_without_a_real_reason_is_refused(
    digoxin_run: ScreeningRun, doctor: Actor, reason: str
) -> None:
    with pytest.raises(ScreeningError, match="Write the reason"):
        services.screening_decide(
            actor=doctor, run_id=digoxin_run.pk, decision="override", reason=reason
        )
    assert not ScreeningDecision.objects.exists()


def test_approve_is_refused_while_a_hard_stop_stands(
    digoxin_run: ScreeningRun, doctor: Actor
) -> None:
    with pytest.raises(ScreeningError, match="hard stop: approve is not possible"):
        services.screening_decide(actor=doctor, run_id=digoxin_run.pk, decision="approve")


def test_there_is_nothing_to_override_without_a_hard_stop(
    ready_patient: Patient, doctor: Actor
) -> None:
    run = services.screening_run_create(actor=doctor, patient=ready_patient)
    with pytest.raises(ScreeningError, match="no hard stop to override"):
        services.screening_decide(actor=doctor, run_id=run.pk, decision="override", reason=REASON)


def test_missing_baseline_labs_cannot_be_overridden(patient: Patient, doctor: Actor) -> None:
    run = services.screening_run_create(actor=doctor, patient=patient)
    assert run.blocking_count == 3
    with pytest.raises(ScreeningError, match="cannot be overridden: Baseline magnesium"):
        services.screening_decide(actor=doctor, run_id=run.pk, decision="override", reason=REASON)
    services.screening_decide(
        actor=doctor, run_id=run.pk, decision="decline", reason="Will not have bloods taken."
    )


def test_a_decision_is_final(digoxin_run: ScreeningRun, doctor: Actor) -> None:
    signed = services.screening_decide(
        actor=doctor, run_id=digoxin_run.pk, decision="override", reason=REASON
    )
    with pytest.raises(ScreeningError, match="already been decided"):
        services.screening_decide(
            actor=doctor, run_id=digoxin_run.pk, decision="decline", reason=REASON
        )
    signed.reason = "changed afterwards"
    with pytest.raises(ValueError, match="cannot be changed"):
        signed.save()


def test_a_superseded_screening_cannot_be_decided(
    digoxin_run: ScreeningRun, doctor: Actor, nurse: Actor, ready_patient: Patient
) -> None:
    patient_services.allergy_add(actor=nurse, patient=ready_patient, substance="Penicillin")
    with pytest.raises(ScreeningError, match="A newer screening"):
        services.screening_decide(
            actor=doctor, run_id=digoxin_run.pk, decision="override", reason=REASON
        )


def test_a_screening_whose_chart_changed_without_a_new_run_cannot_be_decided(
    digoxin_run: ScreeningRun, doctor: Actor, ready_patient: Patient
) -> None:
    # A change that bypassed the services (and so the automatic re-screen) is still caught.
    from ivmt.patients.models import Medication

    Medication.objects.filter(patient=ready_patient).update(stopped_on="2026-11-01")
    with pytest.raises(ScreeningError, match="changed after this screening"):
        services.screening_decide(
            actor=doctor, run_id=digoxin_run.pk, decision="override", reason=REASON
        )


def test_another_clinics_screening_is_not_found(
    digoxin_run: ScreeningRun, other_clinic: Clinic
) -> None:
    stranger = make_member(other_clinic, "dr_other", Role.PHYSICIAN)
    with pytest.raises(ScreeningError, match="No such screening in your clinic"):
        services.screening_decide(
            actor=actor_for(stranger, other_clinic),
            run_id=digoxin_run.pk,
            decision="override",
            reason=REASON,
        )


@pytest.mark.parametrize("decision", ["", "approved", "APPROVE", "<script>"])
def test_an_unknown_decision_is_refused(
    digoxin_run: ScreeningRun, doctor: Actor, decision: str
) -> None:
    with pytest.raises(ScreeningError, match="Choose approve, override or decline"):
        services.screening_decide(
            actor=doctor, run_id=digoxin_run.pk, decision=decision, reason=REASON
        )


def test_a_very_long_reason_is_refused(digoxin_run: ScreeningRun, doctor: Actor) -> None:
    with pytest.raises(ScreeningError, match="under 2000 characters"):
        services.screening_decide(
            actor=doctor, run_id=digoxin_run.pk, decision="override", reason="x" * 2001
        )


def test_only_the_medical_director_approves_the_knowledge(
    clinic: Clinic, diaz: User, make_patient: Callable[..., Patient]
) -> None:
    okafor = make_member(clinic, "okafor", Role.PHYSICIAN)
    with pytest.raises(PermissionDenied, match="medical director"):
        services.knowledge_approve(actor=actor_for(okafor, clinic))
    approval = services.knowledge_approve(actor=actor_for(diaz, clinic), note="Reviewed")
    assert approval.approved_by == diaz
    with pytest.raises(ScreeningError, match="already approved"):
        services.knowledge_approve(actor=actor_for(diaz, clinic))
