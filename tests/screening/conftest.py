"""Screening fixtures: a frozen clock (dates in findings are exact), actors, baseline labs."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import time_machine
from tests.conftest import actor_for
from tests.screening.helpers import approve_knowledge, record_baseline_labs

from ivmt.accounts.models import Clinic, User
from ivmt.core.access import Actor
from ivmt.patients.models import Patient

NOW = "2026-11-22 15:00:00Z"  # 10:00 in Riverside (America/New_York)


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: Any) -> None:
    # The personas' passwords are hashed once per test; argon2 is deliberately slow.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def frozen_clock() -> Iterator[time_machine.Traveller]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def doctor(diaz: User, clinic: Clinic) -> Actor:
    return actor_for(diaz, clinic)


@pytest.fixture
def nurse(nadia: User, clinic: Clinic) -> Actor:
    return actor_for(nadia, clinic)


@pytest.fixture
def approved(diaz: User, clinic: Clinic) -> None:
    approve_knowledge(diaz, clinic)


@pytest.fixture
def ready_patient(patient: Patient, nurse: Actor) -> Patient:
    """A patient with fresh, normal baseline labs (not yet screened)."""
    record_baseline_labs(patient, nurse)
    return patient


@pytest.fixture
def baseline(nurse: Actor) -> Callable[[Patient], None]:
    return lambda p: record_baseline_labs(p, nurse)
