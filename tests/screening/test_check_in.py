"""The check-in service the infusion issue calls: a fresh run with the day's vitals, and the
before-the-series rules switched off once the series has started."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from tests.conftest import actor_for

from ivmt.accounts.models import Clinic, User
from ivmt.clinical.screening_facts import Vitals
from ivmt.core.access import Actor
from ivmt.patients.models import Patient
from ivmt.screening import services
from ivmt.screening.models import ScreeningRun
from ivmt.screening.selectors import screening_gate


def test_check_in_screens_again_with_the_days_vitals(ready_patient: Patient, nurse: Actor) -> None:
    run = services.screening_check_in(
        actor=nurse,
        patient=ready_patient,
        vitals=Vitals(systolic_mmhg=Decimal(86), diastolic_mmhg=Decimal(54)),
    )
    assert run.trigger == ScreeningRun.Trigger.CHECK_IN
    assert run.facts["vitals"]["systolic_mmhg"] == "86"
    finding = next(f for f in run.finding_list() if f.rule_id == "low_blood_pressure_today")
    assert finding.facts_used[0].value == "86 (below 90)"


def test_after_the_first_infusion_old_electrolytes_no_longer_block(
    patient: Patient, nurse: Actor
) -> None:
    before = services.screening_check_in(actor=nurse, patient=patient)
    assert before.blocking_count == 3
    during = services.screening_check_in(actor=nurse, patient=patient, series_started=True)
    assert during.blocking_count == 0
    assert during.facts["series_started"] is True
    assert during.facts_fingerprint == before.facts_fingerprint  # the chart did not change


def test_a_check_in_run_leaves_the_course_order_gate_on_the_chart_run(
    ready_patient: Patient, doctor: Actor, nurse: Actor, approved: None
) -> None:
    run = services.screening_run_create(actor=doctor, patient=ready_patient)
    services.screening_decide(actor=doctor, run_id=run.pk, decision="approve")
    check_in = services.screening_check_in(
        actor=nurse, patient=ready_patient, vitals=Vitals(systolic_mmhg=Decimal(120))
    )
    assert check_in.facts_fingerprint == run.facts_fingerprint  # vitals are not chart facts
    gate = screening_gate(patient=ready_patient)
    assert gate.allowed
    assert gate.run_id == run.pk


def test_only_a_check_in_that_found_something_reaches_the_physicians_queue(
    ready_patient: Patient, doctor: Actor, nurse: Actor
) -> None:
    from ivmt.screening.selectors import screening_queue_count

    run = services.screening_run_create(actor=doctor, patient=ready_patient)
    services.screening_decide(actor=doctor, run_id=run.pk, decision="approve")
    services.screening_check_in(actor=nurse, patient=ready_patient, series_started=True)
    assert screening_queue_count(actor=doctor) == 0
    services.screening_check_in(
        actor=nurse, patient=ready_patient, vitals=Vitals(systolic_mmhg=Decimal(84))
    )
    assert screening_queue_count(actor=doctor) == 1


@pytest.mark.parametrize("who", ["priya", "fran", "morgan"])
def test_only_clinical_screeners_check_in(
    who: str, patient: Patient, clinic: Clinic, request: pytest.FixtureRequest
) -> None:
    user: User = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        services.screening_check_in(actor=actor_for(user, clinic), patient=patient)
    assert not ScreeningRun.objects.exists()
