"""Billing tests run on a frozen clock: Monday 23 November 2026, 08:00 in the clinic (New
York), like the orders and pharmacy tests whose factories they reuse."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

import pytest
import time_machine
from tests.conftest import actor_for
from tests.orders.factories import FROZEN_NOW, signed_course, stock_everything

from ivmt.accounts.models import Clinic, User
from ivmt.billing import services
from ivmt.core.access import Actor
from ivmt.orders.models import CourseOrder
from ivmt.patients.models import Patient


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def frozen_now() -> Iterator[datetime]:
    with time_machine.travel(FROZEN_NOW, tick=False):
        yield FROZEN_NOW


@pytest.fixture
def morgan_actor(morgan: User, clinic: Clinic) -> Actor:
    return actor_for(morgan, clinic)


@pytest.fixture
def price_list(morgan_actor: Actor) -> None:
    """The clinic's fees: compounding 35.00, infusion 95.00 (+30.00 per extra hour), push 60.00,
    office visit 120.00 (99213)."""
    services.billing_settings_update(
        actor=morgan_actor,
        expected_version=1,
        values={
            "compounding_fee": "35.00",
            "infusion_fee": "95.00",
            "additional_hour_fee": "30.00",
            "push_fee": "60.00",
            "office_visit_fee": "120.00",
            "office_visit_code": "99213",
            "npi": "1234567893",
            "tax_id": "12-3456789",
        },
    )


@pytest.fixture
def course(diaz: User, priya: User, clinic: Clinic, patient: Patient) -> CourseOrder:
    """A signed seed-recipe course (consent and waiver signed on the way), the pharmacy stocked
    at the orders factories' prices."""
    stock_everything(priya, clinic)
    return signed_course(diaz, clinic, patient)


@pytest.fixture
def first_dose_id(course: CourseOrder) -> Callable[[], int]:
    return lambda: course.doses.order_by("number").values_list("pk", flat=True)[0]
