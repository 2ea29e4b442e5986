from __future__ import annotations

from collections.abc import Callable
from typing import Any

import time_machine
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from tests.conftest import PASSWORD

from ivmt.accounts.models import Clinic, User
from ivmt.core.models import AuditEvent


def _login(client: Client, username: str, password: str) -> int:
    return client.post(
        reverse("accounts:login"), {"username": username, "password": password}
    ).status_code


def test_sign_in_and_out_are_audited(client: Client, nadia: User) -> None:
    assert _login(client, "nadia", PASSWORD) == 302
    assert client.get(reverse("patients:list")).status_code == 200
    client.post(reverse("accounts:logout"))
    assert client.get(reverse("patients:list")).status_code == 302
    actions = list(AuditEvent.objects.filter(user=nadia).values_list("action", flat=True))
    assert "login" in actions and "logout" in actions


def test_passwords_are_hashed_with_argon2(nadia: User) -> None:
    assert nadia.password.startswith("argon2")


def test_five_failed_sign_ins_lock_the_account_even_for_the_right_password(
    client: Client, nadia: User
) -> None:
    for _ in range(5):
        _login(client, "nadia", "wrong-password-123")
    response = client.post(reverse("accounts:login"), {"username": "nadia", "password": PASSWORD})
    assert response.status_code == 429
    assert "locked" in response.content.decode()
    assert AuditEvent.objects.filter(action="login", outcome="denied").count() >= 5


def test_an_idle_session_is_signed_out_after_the_clinics_time_out(
    client: Client, nadia: User
) -> None:
    with time_machine.travel("2026-11-22 09:00:00Z", tick=False) as traveller:
        assert _login(client, "nadia", PASSWORD) == 302
        assert client.get(reverse("patients:list")).status_code == 200
        traveller.shift(14 * 60)
        assert client.get(reverse("patients:list")).status_code == 200
        traveller.shift(16 * 60)
        response = client.get(reverse("patients:list"))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))
        assert client.get(reverse("patients:list")).status_code == 302  # really signed out
    assert AuditEvent.objects.filter(action="logout.idle", user=nadia).exists()


def test_the_idle_time_out_follows_the_clinic_setting(
    client: Client, nadia: User, clinic: Clinic
) -> None:
    clinic.idle_timeout_minutes = 60
    clinic.save()
    with time_machine.travel("2026-11-22 09:00:00Z", tick=False) as traveller:
        _login(client, "nadia", PASSWORD)
        client.get(reverse("patients:list"))
        traveller.shift(45 * 60)
        assert client.get(reverse("patients:list")).status_code == 200


def test_background_polling_does_not_keep_a_session_alive(client: Client, nadia: User) -> None:
    with time_machine.travel("2026-11-22 09:00:00Z", tick=False) as traveller:
        _login(client, "nadia", PASSWORD)
        client.get(reverse("patients:list"))
        for _ in range(4):
            traveller.shift(5 * 60)
            client.get(reverse("home:dashboard"), headers={"X-IVMT-Background": "1"})
        assert client.get(reverse("patients:list")).status_code == 302


def test_a_clinic_that_requires_two_factor_sends_staff_to_set_it_up_and_then_to_verify(
    client: Client, nadia: User, clinic: Clinic, settings: Any
) -> None:
    # Throttling after a wrong code is django-otp's own (tested there); off here so the right
    # code can follow the wrong one at once.
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    clinic.require_staff_2fa = True
    clinic.save()
    _login(client, "nadia", PASSWORD)
    response = client.get(reverse("patients:list"))
    assert response["Location"] == reverse("accounts:two_factor_setup")
    client.get(reverse("accounts:two_factor_setup"))
    device = TOTPDevice.objects.get(user=nadia)
    wrong = client.post(reverse("accounts:two_factor_setup"), {"token": "000000"})
    assert "not right" in wrong.content.decode()
    token = totp(device.bin_key, device.step, device.t0, device.digits, device.drift)
    confirmed = client.post(reverse("accounts:two_factor_setup"), {"token": f"{token:06d}"})
    assert "backup codes" in confirmed.content.decode()
    assert client.get(reverse("patients:list")).status_code == 200
    client.post(reverse("accounts:logout"))
    _login(client, "nadia", PASSWORD)
    assert client.get(reverse("patients:list"))["Location"] == reverse("accounts:two_factor_verify")
    assert (
        client.post(reverse("accounts:two_factor_verify"), {"token": "<script>"}).status_code == 200
    )  # refused, stays on the form
    assert client.get(reverse("patients:list")).status_code == 302


def test_staff_without_a_device_are_not_asked_for_a_code_when_the_clinic_does_not_require_it(
    client: Client, nadia: User, client_for: Callable[[User], Client]
) -> None:
    _login(client, "nadia", PASSWORD)
    assert client.get(reverse("patients:list")).status_code == 200


def test_failed_sign_ins_of_a_clinics_user_show_on_that_clinics_audit_trail(
    client: Client, nadia: User, clinic: Clinic
) -> None:
    _login(client, "nadia", "wrong-password-123")
    row = AuditEvent.objects.get(action="login", outcome="denied")
    assert (row.username, row.clinic_id) == ("nadia", clinic.pk)
