"""Pharmacy tests: a second pharmacist (Paul), stock, a signed course; frozen clock
(Monday 23 November 2026, 08:00 in the clinic)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

import pytest
import time_machine
from tests.conftest import make_member
from tests.orders.factories import FROZEN_NOW, signed_course, stock_everything

from ivmt.accounts.models import Clinic, User
from ivmt.core.roles import Role
from ivmt.orders.models import CourseOrder
from ivmt.patients.models import Patient
from ivmt.pharmacy.models import StockLot


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: Any) -> None:
    # Personas are made for every test; argon2's deliberate slowness buys nothing here.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def frozen_now() -> Iterator[datetime]:
    with time_machine.travel(FROZEN_NOW, tick=False):
        yield FROZEN_NOW


@pytest.fixture
def paul(clinic: Clinic) -> User:
    """The second pharmacist, who verifies what Priya prepares (Paul Petrov: his initials
    differ from Priya Test's only if the label prints more than initials)."""
    paul = make_member(clinic, "paul", Role.PHARMACIST)
    paul.last_name = "Petrov"
    paul.save(update_fields=["last_name"])
    return paul


@pytest.fixture
def stocked(priya: User, clinic: Clinic) -> dict[str, StockLot]:
    return stock_everything(priya, clinic)


@pytest.fixture
def course(diaz: User, clinic: Clinic, patient: Patient) -> CourseOrder:
    """A signed seed-recipe course (8 weekly doses from today) for the default patient."""
    return signed_course(diaz, clinic, patient)


@pytest.fixture
def make_course(diaz: User, clinic: Clinic) -> Callable[..., CourseOrder]:
    def make(patient: Patient, **changes: object) -> CourseOrder:
        return signed_course(diaz, clinic, patient, **changes)

    return make
