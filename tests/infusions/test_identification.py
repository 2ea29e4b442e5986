"""Positive identification at the chair: the wristband and the bag must both be right.

Wrong patient, wrong bag, an unverified or undispensed bag, a passed beyond-use time: each is
refused with the reason, leaves a denied audit row, and nothing is identified or started."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from tests.infusions.helpers import Visit, check_in, fresh, make_bag
from tests.orders.factories import FROZEN_NOW

from ivmt.accounts.models import Clinic, User
from ivmt.core.models import AuditEvent
from ivmt.infusions import services
from ivmt.infusions.models import InfusionChart
from ivmt.orders.models import CourseOrder
from ivmt.patients.models import Patient
from ivmt.pharmacy.models import CompoundingRecord


def scan(visit: Visit, chart: InfusionChart, band: str, bag: str) -> InfusionChart:
    chart = fresh(chart)
    return services.chart_identify(
        actor=visit.actor,
        chart_id=chart.pk,
        expected_version=chart.version,
        wristband_code=band,
        bag_code=bag,
    )


def refused(visit: Visit, chart: InfusionChart, band: str, bag: str, field: str) -> str:
    before = fresh(chart)
    with pytest.raises(ValidationError) as caught:
        scan(visit, chart, band, bag)
    after = fresh(chart)
    assert after.status == "arrived" and after.bag_id is None and after.version == before.version
    return " ".join(caught.value.message_dict[field])


def denied(detail: str) -> bool:
    return AuditEvent.objects.filter(
        action="infusion.identify", outcome="denied", detail=detail
    ).exists()


@pytest.fixture
def other(
    make_patient: Callable[..., Patient],
    make_course: Callable[..., CourseOrder],
    make_visit: Callable[..., Visit],
) -> Visit:
    """A second patient of the clinic with their own dispensed bag and wristband."""
    patient = make_patient(given_name="Olga", family_name="Other")
    return make_visit(make_course(patient), chair=1)


def test_the_right_wristband_and_bag_identify_the_dose(visit: Visit) -> None:
    chart = check_in(visit)
    # Scanners and typists differ: spaces, dashes and lower case are forgiven.
    typed = visit.band.code.lower()[:8] + "-" + visit.band.code.lower()[8:]
    chart = scan(visit, chart, typed, " " + visit.bag.bag_code + " ")
    assert chart.status == "ready" and chart.identified_by == visit.nurse


def test_refuses_another_patients_wristband(visit: Visit, other: Visit) -> None:
    chart = check_in(visit)
    message = refused(visit, chart, other.band.code, visit.bag.bag_code, "wristband_code")
    assert message.startswith("WRONG PATIENT")
    assert denied("wristband of another patient")


def test_refuses_a_bag_scanned_against_another_patient(visit: Visit, other: Visit) -> None:
    chart = check_in(visit)
    message = refused(visit, chart, visit.band.code, other.bag.bag_code, "bag_code")
    assert message.startswith("WRONG BAG: this bag is labelled for another patient")
    assert denied("bag labelled for another patient")
    assert CompoundingRecord.objects.get(pk=other.bag.pk).status == "dispensed"


def test_refuses_this_patients_bag_of_another_dose(
    visit: Visit, clinic: Clinic, priya: User, paul: User
) -> None:
    second = visit.dose.order.doses.get(number=2)
    next_week = make_bag(second, clinic=clinic, priya=priya, paul=paul)
    chart = check_in(visit)
    message = refused(visit, chart, visit.band.code, next_week.bag_code, "bag_code")
    assert "made for this patient's dose 2" in message
    assert denied("bag made for another dose")


@pytest.mark.parametrize(
    ("until", "expected", "detail"),
    [
        ("prepared", "has not been verified by a second pharmacist", "bag not verified"),
        ("verified", "was not dispensed to the chair", "bag not dispensed"),
    ],
)
def test_refuses_a_bag_the_pharmacy_has_not_released(
    make_visit: Callable[..., Visit], course: CourseOrder, until: str, expected: str, detail: str
) -> None:
    visit = make_visit(course, until=until)
    chart = check_in(visit)
    assert expected in refused(visit, chart, visit.band.code, visit.bag.bag_code, "bag_code")
    assert denied(detail)


def test_refuses_a_bag_past_its_beyond_use_time(visit: Visit) -> None:
    # Immediate use: 4 hours from the start of preparation (08:00).
    with time_machine.travel(FROZEN_NOW + timedelta(hours=4, minutes=1), tick=False):
        chart = check_in(visit)
        message = refused(visit, chart, visit.band.code, visit.bag.bag_code, "bag_code")
    assert "passed its beyond-use time (2026-11-23 12:00)" in message
    assert denied("past beyond-use time")


def test_refuses_a_replaced_wristband(visit: Visit) -> None:
    old = visit.band.code
    services.wristband_issue(actor=visit.actor, patient=visit.patient, replace_reason="torn")
    chart = check_in(visit)
    assert "was replaced" in refused(visit, chart, old, visit.bag.bag_code, "wristband_code")


def test_tells_which_code_went_into_which_field(visit: Visit) -> None:
    chart = check_in(visit)
    swapped = refused(visit, chart, visit.bag.bag_code, visit.band.code, "wristband_code")
    assert "That is a bag's barcode" in swapped
    assert "No wristband with this code" in refused(
        visit, chart, "ZZZZ0000ZZZZ0000", visit.bag.bag_code, "wristband_code"
    )
    assert "Scan or type" in refused(visit, chart, "", visit.bag.bag_code, "wristband_code")


def test_a_held_dose_cannot_be_identified(visit: Visit) -> None:
    chart = check_in(visit, {"systolic_mmhg": "82", "diastolic_mmhg": "50", "heart_rate_bpm": "70"})
    assert chart.status == "held"
    with pytest.raises(ValidationError, match="held"):
        scan(visit, chart, visit.band.code, visit.bag.bag_code)
    assert fresh(chart).bag_id is None
