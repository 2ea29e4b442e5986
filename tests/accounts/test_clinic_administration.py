from __future__ import annotations

from collections.abc import Callable
from datetime import time

import pytest
from django.test import Client
from django.urls import reverse

from ivmt.accounts.models import Clinic, ClosedDay, Membership, OpeningHours, User


def _settings(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "section": "clinic",
        "clinic-name": "Riverside",
        "clinic-time_zone": "America/New_York",
        "clinic-address": "",
        "clinic-phone": "",
        "clinic-idle_timeout_minutes": "20",
    }
    data.update(overrides)
    return data


def test_the_manager_changes_the_idle_time_out_and_time_zone(
    client_for: Callable[[User], Client], morgan: User, clinic: Clinic
) -> None:
    response = client_for(morgan).post(
        reverse("accounts:clinic_settings"), _settings(**{"clinic-time_zone": "Europe/London"})
    )
    assert response.status_code == 302
    clinic.refresh_from_db()
    assert (clinic.idle_timeout_minutes, clinic.time_zone) == (20, "Europe/London")


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"clinic-idle_timeout_minutes": "0"}, "greater than or equal to 1"),
        ({"clinic-idle_timeout_minutes": "999"}, "less than or equal to 240"),
        ({"clinic-idle_timeout_minutes": "ten"}, "Enter a whole number"),
        ({"clinic-time_zone": "Mars/Olympus"}, "Select a valid choice"),
        ({"clinic-name": ""}, "This field is required"),
    ],
)
def test_bad_clinic_settings_are_explained_and_change_nothing(
    client_for: Callable[[User], Client],
    morgan: User,
    clinic: Clinic,
    overrides: dict[str, str],
    message: str,
) -> None:
    response = client_for(morgan).post(reverse("accounts:clinic_settings"), _settings(**overrides))
    assert response.status_code == 400 and message in response.content.decode()
    clinic.refresh_from_db()
    assert (clinic.idle_timeout_minutes, clinic.time_zone, clinic.name) == (
        15,
        "America/New_York",
        "Riverside",
    )


def test_opening_hours_are_replaced_and_a_close_before_opening_is_refused(
    client_for: Callable[[User], Client], morgan: User, clinic: Clinic
) -> None:
    client = client_for(morgan)
    response = client.post(
        reverse("accounts:clinic_settings"),
        {
            "section": "hours",
            "hours-open_5": "on",
            "hours-opens_5": "09:00",
            "hours-closes_5": "08:00",
        },
    )
    assert response.status_code == 400 and "closing time must be after" in response.content.decode()
    assert OpeningHours.objects.filter(clinic=clinic).count() == 5
    client.post(
        reverse("accounts:clinic_settings"),
        {
            "section": "hours",
            "hours-open_5": "on",
            "hours-opens_5": "09:00",
            "hours-closes_5": "13:00",
        },
    )
    hours = list(OpeningHours.objects.filter(clinic=clinic))
    assert [(h.weekday, h.opens, h.closes) for h in hours] == [(5, time(9), time(13))]


def test_closed_days_are_added_once_and_removed(
    client_for: Callable[[User], Client], morgan: User, clinic: Clinic
) -> None:
    client = client_for(morgan)
    data = {"section": "closed", "closed-date": "2026-12-25", "closed-reason": "Christmas Day"}
    assert client.post(reverse("accounts:clinic_settings"), data).status_code == 302
    again = client.post(reverse("accounts:clinic_settings"), data)
    assert "already a closed day" in again.content.decode()
    day = ClosedDay.objects.get(clinic=clinic)
    client.post(reverse("accounts:clinic_settings"), {"section": "reopen", "closed_day": day.pk})
    assert not ClosedDay.objects.exists()


def test_the_manager_adds_a_staff_member_who_can_then_sign_in(
    client_for: Callable[[User], Client], morgan: User, clinic: Clinic, client: Client
) -> None:
    response = client_for(morgan).post(
        reverse("accounts:staff"),
        {
            "username": "paul",
            "first_name": "Paul",
            "last_name": "Petrov",
            "title": "PharmD",
            "email": "",
            "role": "pharmacist",
            "password": "a-long-enough-password-26",
        },
    )
    assert response.status_code == 302
    assert Membership.objects.get(user__username="paul").role == "pharmacist"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"password": "short"}, "too short"),
        (
            {"role": "physician", "is_medical_director": "on", "password": ""},
            "A new user needs an initial password",
        ),
        ({"role": "nurse", "is_medical_director": "on"}, "Only a physician"),
        ({"role": "patient"}, "Select a valid choice"),
        ({"username": "a b<script>"}, "Use 3–150 letters"),
    ],
)
def test_bad_staff_input_is_explained_and_creates_nobody(
    client_for: Callable[[User], Client],
    morgan: User,
    overrides: dict[str, str],
    message: str,
) -> None:
    data = {
        "username": "paul",
        "first_name": "Paul",
        "last_name": "Petrov",
        "title": "",
        "email": "",
        "role": "pharmacist",
        "password": "a-long-enough-password-26",
    }
    data.update(overrides)
    response = client_for(morgan).post(reverse("accounts:staff"), data)
    assert response.status_code == 400 and message in response.content.decode()
    assert not User.objects.filter(username__in=["paul", "a b<script>"]).exists()


def test_a_manager_cannot_deactivate_themselves_or_another_clinics_staff(
    client_for: Callable[[User], Client], morgan: User, lena: User
) -> None:
    client = client_for(morgan)
    own = Membership.objects.get(user=morgan)
    client.post(reverse("accounts:staff_set_active", args=[own.pk]), {"active": "0"})
    theirs = Membership.objects.get(user=lena)
    client.post(reverse("accounts:staff_set_active", args=[theirs.pk]), {"active": "0"})
    own.refresh_from_db()
    theirs.refresh_from_db()
    assert own.is_active and theirs.is_active


def test_a_deactivated_member_loses_access_at_once(
    client_for: Callable[[User], Client], morgan: User, nadia: User, client: Client
) -> None:
    membership = Membership.objects.get(user=nadia)
    client_for(morgan).post(
        reverse("accounts:staff_set_active", args=[membership.pk]), {"active": "0"}
    )
    client.force_login(nadia, backend="django.contrib.auth.backends.ModelBackend")
    assert client.get(reverse("patients:list")).status_code == 302
