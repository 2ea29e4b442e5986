"""Check-in: arrival, chair, pre-visit advice, pre-dose vitals against the clinic's hold limits
(clinic policy), re-screening with today's facts, and holds only a physician releases."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from tests.conftest import actor_for
from tests.infusions.helpers import NORMAL, Visit, check_in, fresh
from tests.orders.factories import signed_course

from ivmt.accounts.models import Clinic, User
from ivmt.core.models import AuditEvent
from ivmt.infusions import services
from ivmt.infusions.models import InfusionChart, VitalSigns
from ivmt.orders.models import CourseOrder, PlannedDose
from ivmt.patients.models import Patient

LOW = {"systolic_mmhg": "86", "diastolic_mmhg": "54", "heart_rate_bpm": "68"}


def test_low_systolic_pressure_holds_the_dose(visit: Visit) -> None:
    chart = check_in(visit, LOW)
    assert chart.status == "held"
    assert [h["code"] for h in chart.holds] == ["systolic_below"]
    assert "86 mmHg is below the clinic's hold limit of 90 mmHg" in chart.holds[0]["message"]
    assert "Magnesium lowers blood pressure" in chart.holds[0]["message"]
    assert VitalSigns.objects.get(chart=chart).outside_limits == ["systolic_below"]
    # The screening's own vital-sign rule found it too, but holds only once (clinic policy).
    assert len(chart.holds) == 1


def test_the_hold_limit_is_the_clinics_policy(visit: Visit, diaz: User, clinic: Clinic) -> None:
    services.infusion_policy_update(
        actor=actor_for(diaz, clinic),
        expected_version=1,
        hold_limits={"systolic_below": Decimal(85)},
        charted_vitals=[],
    )
    assert check_in(visit, LOW).status == "arrived"  # 86 is above this clinic's 85


def test_only_a_physician_releases_a_hold_with_a_reason(
    visit: Visit, diaz: User, clinic: Clinic
) -> None:
    chart = check_in(visit, LOW)
    with pytest.raises(PermissionDenied):
        services.chart_hold_release(
            actor=visit.actor, chart_id=chart.pk, expected_version=chart.version, reason="x" * 20
        )
    doctor = actor_for(diaz, clinic)
    with pytest.raises(ValidationError, match="at least 10"):
        services.chart_hold_release(
            actor=doctor, chart_id=chart.pk, expected_version=chart.version, reason="ok"
        )
    assert fresh(chart).status == "held"
    released = services.chart_hold_release(
        actor=doctor,
        chart_id=chart.pk,
        expected_version=chart.version,
        reason="Usual pressure 88-92 systolic; lying back; give over 60 min",
    )
    assert released.status == "arrived" and released.hold_released_by == diaz
    assert released.holds[0]["code"] == "systolic_below"  # the reason stays on the chart
    assert AuditEvent.objects.filter(action="infusions.review", outcome="denied").exists()


def test_a_nurse_may_hold_a_dose_and_record_it_not_given(visit: Visit) -> None:
    chart = check_in(visit)
    chart = services.chart_hold(
        actor=visit.actor, chart_id=chart.pk, expected_version=chart.version, reason="feels unwell"
    )
    assert chart.status == "held" and chart.holds[-1]["source"] == "nurse"
    chart = services.chart_not_given(
        actor=visit.actor, chart_id=chart.pk, expected_version=chart.version, reason="sent home"
    )
    assert chart.status == "done" and not chart.given
    chart = services.chart_sign(
        actor=visit.actor, chart_id=chart.pk, expected_version=chart.version
    )
    assert chart.status == "signed" and chart.charges_note == ""


@pytest.mark.parametrize(
    ("vitals", "message"),
    [
        (
            {"systolic_mmhg": "1240", "diastolic_mmhg": "78", "heart_rate_bpm": "72"},
            "not a possible",
        ),
        ({"systolic_mmhg": "78", "diastolic_mmhg": "124", "heart_rate_bpm": "72"}, "must be below"),
        (
            {"systolic_mmhg": "124", "diastolic_mmhg": "78", "heart_rate_bpm": "-3"},
            "not a possible",
        ),
        (
            {"systolic_mmhg": "124", "diastolic_mmhg": "78", "heart_rate_bpm": "72.5"},
            "whole number",
        ),
        ({"systolic_mmhg": "124", "diastolic_mmhg": "78"}, "pulse are taken"),
        ({"systolic_mmhg": "NaN", "diastolic_mmhg": "78", "heart_rate_bpm": "72"}, "finite"),
        ({**NORMAL, "temperature_c": "37.2"}, "does not chart"),
    ],
)
def test_refuses_impossible_vitals_and_writes_nothing(
    visit: Visit, vitals: dict[str, str], message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        check_in(visit, vitals)
    assert not InfusionChart.objects.exists() and not VitalSigns.objects.exists()


def test_optional_vitals_once_the_clinic_charts_them(
    visit: Visit, diaz: User, clinic: Clinic
) -> None:
    services.infusion_policy_update(
        actor=actor_for(diaz, clinic),
        expected_version=1,
        hold_limits={},
        charted_vitals=["temperature_c", "spo2_percent"],
    )
    chart = check_in(visit, {**NORMAL, "temperature_c": "38.4", "spo2_percent": "97"})
    assert chart.status == "held" and chart.holds[0]["code"] == "temperature_above"
    assert VitalSigns.objects.get(chart=chart).temperature_c == Decimal("38.4")


def test_a_chair_in_use_is_refused(
    visit: Visit,
    make_visit: Callable[..., Visit],
    make_patient: Callable[..., Patient],
    make_course: Callable[..., CourseOrder],
) -> None:
    check_in(visit)
    other = make_visit(make_course(make_patient(given_name="Ona")), chair=0)
    with pytest.raises(ValidationError) as caught:
        check_in(other)
    assert "Chair 1 is in use" in caught.value.message_dict["chair"][0]
    assert InfusionChart.objects.count() == 1


def test_a_dose_is_checked_in_once(visit: Visit) -> None:
    check_in(visit)
    with pytest.raises(ValidationError, match="already checked in"):
        check_in(visit)


def test_a_dose_of_another_day_needs_a_reason_and_a_far_one_is_refused(
    make_visit: Callable[..., Visit], course: CourseOrder
) -> None:
    visit = make_visit(course, number=2)  # dose 2: next Monday, 7 days ahead
    with pytest.raises(ValidationError, match="more than 3 days from today"):
        check_in(visit)
    dose = visit.dose
    PlannedDose.objects.filter(pk=dose.pk).update(date=dose.date - timedelta(days=5))
    with pytest.raises(ValidationError) as caught:
        check_in(visit)
    assert "say why" in caught.value.message_dict["moved_reason"][0]
    chart = check_in(visit, moved_reason="Patient away on Monday; physician agreed")
    assert chart.moved_reason.startswith("Patient away")


def test_a_dose_of_another_clinic_is_refused(
    visit: Visit, lena: User, other_clinic: Clinic
) -> None:
    with pytest.raises(PermissionDenied):
        services.chart_check_in(
            actor=actor_for(lena, other_clinic),
            entry=services.CheckIn(dose_id=visit.dose.pk, arrived_at=timezone.now(), vitals=NORMAL),
        )
    assert not InfusionChart.objects.exists()


def test_a_stopped_course_cannot_be_checked_in(visit: Visit, diaz: User, clinic: Clinic) -> None:
    from ivmt.orders import services as order_services

    order = CourseOrder.objects.get(pk=visit.dose.order_id)
    order_services.course_order_stop(
        actor=actor_for(diaz, clinic), order=order, reason="side effects"
    )
    with pytest.raises(ValidationError):
        check_in(visit)


def test_arrival_in_the_future_is_refused(visit: Visit) -> None:
    with pytest.raises(ValidationError) as caught:
        services.chart_check_in(
            actor=visit.actor,
            entry=services.CheckIn(
                dose_id=visit.dose.pk,
                chair_id=visit.chair.pk,
                arrived_at=timezone.now() + timedelta(hours=1),
                vitals=NORMAL,
            ),
        )
    assert "in the future" in caught.value.message_dict["arrived_at"][0]


def test_a_new_screening_finding_holds_the_dose(
    clinic: Clinic,
    diaz: User,
    nadia: User,
    make_patient: Callable[..., Patient],
    make_visit: Callable[..., Visit],
    record_lab: Callable[..., object],
) -> None:
    patient = make_patient(given_name="Kay")
    course = signed_course(diaz, clinic, patient)
    visit = make_visit(course)
    # Since the course was signed, a potassium result far below range arrives.
    record_lab(patient, "potassium", "2.6", "mmol/L", collected_at=timezone.now())
    chart = check_in(visit)
    assert chart.status == "held"
    assert any(h["source"] == "screening" for h in chart.holds)
