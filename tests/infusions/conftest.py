"""Infusion tests reuse the pharmacy's fixtures (frozen clock on Monday 23 November 2026,
08:00 in New York; Paul the second pharmacist; stock; a signed seed-recipe course) and add
chairs, a dispensed bag and charts at each step, all made through the services."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from tests.infusions.helpers import Visit, visit_for
from tests.pharmacy.conftest import (  # noqa: F401  # fixtures reused, not twinned
    course,
    fast_password_hashing,
    frozen_now,
    make_course,
    paul,
    stocked,
)

from ivmt.accounts.models import Clinic, User
from ivmt.orders.models import CourseOrder
from ivmt.scheduling.models import Chair


@pytest.fixture
def chairs(clinic: Clinic) -> list[Chair]:
    return [Chair.objects.create(clinic=clinic, name=f"Chair {n}") for n in range(1, 4)]


@pytest.fixture
def visit(
    clinic: Clinic,
    nadia: User,
    priya: User,
    paul: User,  # noqa: F811
    course: CourseOrder,  # noqa: F811
    stocked: object,  # noqa: F811
    chairs: list[Chair],
) -> Visit:
    """Dose 1 of the default patient's course, its bag dispensed, the patient's wristband."""
    return visit_for(course, clinic=clinic, nurse=nadia, priya=priya, paul=paul, chair=chairs[0])


@pytest.fixture
def make_visit(
    clinic: Clinic,
    nadia: User,
    priya: User,
    paul: User,  # noqa: F811
    stocked: object,  # noqa: F811
    chairs: list[Chair],
) -> Callable[..., Visit]:
    def make(course_: CourseOrder, chair: int = 0, **kwargs: object) -> Visit:
        return visit_for(
            course_,
            clinic=clinic,
            nurse=nadia,
            priya=priya,
            paul=paul,
            chair=chairs[chair],
            **kwargs,
        )

    return make
