"""Shared personas and factories (STYLE.md: Dr Diaz, Nurse Nadia, Pharmacists Priya and Paul,
Front-desk Fran, Manager Morgan, Patient Pat), each a member of the Riverside clinic; Lakeside
is the other tenant that Riverside must never see."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from ivmt.accounts.models import Clinic, Membership, OpeningHours, User
from ivmt.core.access import Actor
from ivmt.core.roles import Role
from ivmt.patients import services
from ivmt.patients.models import LabResult, Patient

PASSWORD = "correct-horse-battery-staple"

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright with live_server


@pytest.fixture
def clinic(db: None) -> Clinic:
    clinic = Clinic.objects.create(name="Riverside", time_zone="America/New_York")
    for weekday in range(5):
        OpeningHours.objects.create(clinic=clinic, weekday=weekday, opens=time(8), closes=time(17))
    return clinic


@pytest.fixture
def other_clinic(db: None) -> Clinic:
    return Clinic.objects.create(name="Lakeside", time_zone="America/Chicago")


def make_member(clinic: Clinic, username: str, role: Role, **extra: Any) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User(username=username, first_name=username.capitalize(), last_name="Test")
        user.set_password(PASSWORD)
        user.save()
    Membership.objects.create(user=user, clinic=clinic, role=role, **extra)
    return user


@pytest.fixture
def diaz(clinic: Clinic) -> User:
    return make_member(clinic, "diaz", Role.PHYSICIAN, is_medical_director=True)


@pytest.fixture
def nadia(clinic: Clinic) -> User:
    return make_member(clinic, "nadia", Role.NURSE)


@pytest.fixture
def priya(clinic: Clinic) -> User:
    return make_member(clinic, "priya", Role.PHARMACIST)


@pytest.fixture
def fran(clinic: Clinic) -> User:
    return make_member(clinic, "fran", Role.FRONT_DESK)


@pytest.fixture
def morgan(clinic: Clinic) -> User:
    return make_member(clinic, "morgan", Role.MANAGER)


@pytest.fixture
def lena(other_clinic: Clinic) -> User:
    """A nurse of the other clinic."""
    return make_member(other_clinic, "lena", Role.NURSE)


def actor_for(user: User, clinic: Clinic) -> Actor:
    membership = Membership.objects.get(user=user, clinic=clinic)
    return Actor(
        user=user,
        clinic=clinic,
        role=Role(membership.role),
        is_medical_director=membership.is_medical_director,
        ip="127.0.0.1",
    )


@pytest.fixture
def as_actor() -> Callable[[User, Clinic], Actor]:
    return actor_for


@pytest.fixture
def make_patient(clinic: Clinic, fran: User) -> Callable[..., Patient]:
    def make(clinic_: Clinic | None = None, **fields: Any) -> Patient:
        target = clinic_ or clinic
        registrar = fran
        if target != clinic:
            registrar = User.objects.filter(memberships__clinic=target).first() or make_member(
                target, f"desk{target.pk}", Role.FRONT_DESK
            )
            if not Membership.objects.filter(
                user=registrar, clinic=target, role=Role.FRONT_DESK
            ).exists():
                registrar = make_member(target, f"desk{target.pk}", Role.FRONT_DESK)
        values = {
            "given_name": "Pat",
            "family_name": "Patel",
            "date_of_birth": date(1980, 4, 2),
            "sex_at_birth": "female",
            "indication_codes": ("migraine",),
            "primary_indication": "migraine",
        }
        values.update(fields)
        return services.patient_register(actor=actor_for(registrar, target), **values)

    return make


@pytest.fixture
def patient(make_patient: Callable[..., Patient]) -> Patient:
    return make_patient()


@pytest.fixture
def record_lab(nadia: User, clinic: Clinic) -> Callable[..., LabResult]:
    def record(
        patient: Patient,
        analyte: str,
        value: str,
        unit: str,
        collected_at: datetime | None = None,
        **extra: Any,
    ) -> LabResult:
        when = collected_at or datetime(2026, 11, 1, 9, 0, tzinfo=clinic.zone)
        return services.lab_result_record(
            actor=actor_for(nadia, clinic),
            patient=patient,
            entry=services.LabEntry(
                analyte=analyte, value=Decimal(value), unit=unit, collected_at=when, **extra
            ),
        )

    return record


@pytest.fixture
def client_for(client: Client) -> Callable[[User], Client]:
    def sign_in(user: User) -> Client:
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        return client

    return sign_in


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    # Browsers cannot be downloaded here: use Debian's Chromium.
    return {**browser_type_launch_args, "executable_path": "/usr/bin/chromium"}
