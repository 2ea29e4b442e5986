"""Outcomes tests run on a frozen clock: Monday 23 November 2026, 08:00 in the clinic.

``signed_course`` writes a signed course straight into the orders tables (rows as the orders
services write them, dated by the clinical core's protocol expansion), so that a course can
have started six weeks ago; the review tests that change a course go through the orders
services for real.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from tests.conftest import actor_for

from ivmt.accounts.models import Clinic, User
from ivmt.clinical.formulas import formula
from ivmt.clinical.protocols import expand
from ivmt.orders.models import CourseOrder, OrderLine, PlannedDose, PlannedReview
from ivmt.orders.planning import clinic_calendar
from ivmt.outcomes import services
from ivmt.outcomes.models import QuestionnaireResponse
from ivmt.patients.models import Patient

FROZEN_NOW = datetime(2026, 11, 23, 13, 0, tzinfo=UTC)
TODAY = date(2026, 11, 23)
SIX_WEEKS_AGO = TODAY - timedelta(weeks=6)  # Monday 12 October 2026


@pytest.fixture(autouse=True)
def frozen_now() -> Iterator[datetime]:
    with time_machine.travel(FROZEN_NOW, tick=False):
        yield FROZEN_NOW


@pytest.fixture
def fibro(make_patient: Callable[..., Patient]) -> Patient:
    return make_patient(
        given_name="Fiona",
        family_name="Fields",
        indication_codes=("fibromyalgia",),
        primary_indication="fibromyalgia",
    )


def signed_course(
    patient: Patient,
    physician: User,
    *,
    protocol_id: str = "seed_clinic",
    start: date = SIX_WEEKS_AGO,
    doses: dict[str, int] | None = None,
    intervals: dict[str, int] | None = None,
) -> CourseOrder:
    clinic = Clinic.objects.get(pk=patient.clinic_id)
    order = CourseOrder.objects.create(
        clinic=clinic,
        patient=patient,
        formula_id="seed_recipe",
        route_id="small_bag",
        duration_min=Decimal(45),
        into_saline_ml=Decimal(100),
        protocol_id=protocol_id,
        start_date=start,
        phase_doses=doses or {},
        phase_intervals=intervals or {},
        status=CourseOrder.Status.SIGNED,
        created_by=physician,
        signed_by=physician,
        signed_at=datetime.combine(start, datetime.min.time(), tzinfo=UTC),
        osmolarity_limit_id="peripheral_900",
    )
    volumes = {**formula("seed_recipe").suggested_volumes()}
    for position, component in enumerate(formula("seed_recipe").components, start=1):
        OrderLine.objects.create(
            clinic=clinic,
            order=order,
            position=position,
            ingredient_id=component.ingredient.id,
            volume_ml=volumes[component.ingredient.id],
        )
    schedule = expand(
        protocol_id, start, clinic_calendar(clinic), doses=doses or {}, intervals=intervals or {}
    )
    for dose in schedule.doses:
        PlannedDose.objects.create(
            clinic=clinic,
            order=order,
            patient=patient,
            number=dose.number,
            phase_id=dose.phase_id,
            nominal_date=dose.nominal_date,
            date=dose.date,
        )
    for review in schedule.reviews:
        PlannedReview.objects.create(
            clinic=clinic,
            order=order,
            review_id=review.id,
            name=review.name,
            nominal_date=review.nominal_date,
            date=review.date,
        )
    return order


def fiqr(function: int, overall: int, symptoms: int) -> dict[str, int]:
    """FIQR answers with every item of a domain the same value."""
    answers = {f"fiqr_{n}": function for n in range(1, 10)}
    answers.update({"fiqr_10": overall, "fiqr_11": overall})
    answers.update({f"fiqr_{n}": symptoms for n in range(12, 22)})
    return answers


def record(
    patient: Patient,
    user: User,
    instrument_id: str,
    answers: dict[str, Any],
    timepoint: str,
    answered_on: date = TODAY,
    dose_number: int = 0,
) -> QuestionnaireResponse:
    clinic = Clinic.objects.get(pk=patient.clinic_id)
    return services.response_record(
        actor=actor_for(user, clinic),
        patient=patient,
        instrument_id=instrument_id,
        answers=answers,
        timepoint=timepoint,
        answered_on=answered_on,
        dose_number=dose_number,
    )
