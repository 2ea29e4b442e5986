"""The ``ivmt`` command, run in-process."""

from __future__ import annotations

from pathlib import Path

import pytest

from ivmt.accounts.models import Clinic, Membership
from ivmt.cli import main
from ivmt.core.roles import Role
from ivmt.demo import DEMO_CLINIC
from ivmt.patients.models import LabResult, Patient


@pytest.mark.django_db(transaction=True)
def test_demo_loads_a_clinic_with_every_role_and_30_patients_with_labs(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    assert "diaz" in out and "ivmt-demo-2026" in out
    clinic = Clinic.objects.get(name=DEMO_CLINIC)
    roles = set(Membership.objects.filter(clinic=clinic).values_list("role", flat=True))
    assert roles == {r.value for r in Role}
    # 30 from the base demo; later apps' demo extensions may add a few of their own.
    patients = Patient.objects.filter(clinic=clinic).count()
    assert patients >= 30
    indications = set(
        Patient.objects.filter(clinic=clinic).values_list("indications__code", flat=True)
    )
    assert {"migraine", "fibromyalgia", "asthma", "chronic_fatigue_syndrome"} <= indications
    assert LabResult.objects.filter(clinic=clinic, analyte="magnesium", flag="L").exists()
    assert main(["demo"]) == 0  # a second run changes nothing
    assert Patient.objects.filter(clinic=clinic).count() == patients
    assert main(["audit", "verify"]) == 0
    assert "intact" in capsys.readouterr().out


@pytest.mark.django_db(transaction=True)
def test_createadmin_makes_a_manager_and_refuses_a_weak_password(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("IVMT_ADMIN_PASSWORD", "short")
    assert main(["createadmin", "--username", "boss", "--clinic", "Hilltop"]) == 2
    assert "too short" in capsys.readouterr().err
    monkeypatch.setenv("IVMT_ADMIN_PASSWORD", "a-long-enough-password-2026")
    assert main(["createadmin", "--username", "boss", "--clinic", "Hilltop"]) == 0
    assert Membership.objects.get(user__username="boss").role == Role.MANAGER
    assert main(["createadmin", "--username", "boss", "--clinic", "Hilltop"]) == 2


@pytest.mark.django_db(transaction=True)
def test_backup_and_restore_commands_round_trip(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    Clinic.objects.create(name="Before")
    target = tmp_path / "b.backup"
    assert main(["backup", str(target)]) == 0
    Clinic.objects.create(name="After")
    assert main(["restore", str(target)]) == 2  # needs --yes
    assert main(["restore", str(target), "--yes"]) == 0
    assert list(Clinic.objects.values_list("name", flat=True)) == ["Before"]
    assert main(["restore", str(tmp_path / "nope"), "--yes"]) == 2
    assert "Restore failed" in capsys.readouterr().err


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "moment",
    ["2026-11-23T11:00:00Z", "2026-11-24T02:30:00Z"],  # a Monday 06:00 and 21:30 in New York
    ids=["before-opening", "after-closing"],
)
def test_demo_loads_outside_opening_hours_too(
    moment: str, capsys: pytest.CaptureFixture[str]
) -> None:
    import time_machine

    with time_machine.travel(moment, tick=True):
        assert main(["demo"]) == 0
    assert "Demo clinic loaded." in capsys.readouterr().out
