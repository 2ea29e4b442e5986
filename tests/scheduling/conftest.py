"""Scheduling tests: a frozen clock (Monday 23 November 2026, 08:00 in New York), three chairs,
two nurses (Nadia and Noah) on shift this week, and signed courses made through the services.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

import pytest
import time_machine
from tests.conftest import make_member
from tests.orders.factories import FROZEN_NOW, signed_course
from tests.scheduling.helpers import add_shifts, make_chairs

from ivmt.accounts.models import Clinic, User
from ivmt.core.roles import Role
from ivmt.orders.models import CourseOrder
from ivmt.patients.models import Patient
from ivmt.scheduling.models import Chair


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def frozen_now() -> Iterator[datetime]:
    with time_machine.travel(FROZEN_NOW, tick=False):
        yield FROZEN_NOW


@pytest.fixture
def noah(clinic: Clinic) -> User:
    noah = make_member(clinic, "noah", Role.NURSE)
    noah.last_name = "Nguyen"
    noah.save(update_fields=["last_name"])
    return noah


@pytest.fixture
def chairs(clinic: Clinic) -> list[Chair]:
    return make_chairs(clinic, 3)


@pytest.fixture
def rota(clinic: Clinic, morgan: User, nadia: User, noah: User) -> None:
    """Nadia and Noah work 08:00–16:30 this week and next (Nadia breaks 12:00–12:30)."""
    add_shifts(morgan, clinic, nadia, weeks=2, breaks=(("12:00", "12:30"),))
    add_shifts(morgan, clinic, noah, weeks=2)


@pytest.fixture
def course(diaz: User, clinic: Clinic, patient: Patient) -> CourseOrder:
    """A signed Yale course (8 weekly doses from today, 45-minute infusions)."""
    return signed_course(diaz, clinic, patient)


@pytest.fixture
def make_course(diaz: User, clinic: Clinic) -> Callable[..., CourseOrder]:
    def make(patient: Patient, **changes: object) -> CourseOrder:
        return signed_course(diaz, clinic, patient, **changes)

    return make
