"""Backup and restore round-trip exactly, on whichever engine the suite runs on."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from ivmt.core.audit import audit_chain_verify
from ivmt.core.backup import BackupError, backup_database, restore_database
from ivmt.patients.models import LabResult, Patient

pytestmark = pytest.mark.django_db(transaction=True)


def _snapshot() -> list[tuple[object, ...]]:
    return sorted(
        (
            p.mrn,
            p.family_name,
            p.version,
            tuple(
                sorted(
                    (r.analyte, str(r.value), r.collected_at.isoformat())
                    for r in p.lab_results.all()
                )
            ),
        )
        for p in Patient.objects.all()
    )


def test_a_backup_restores_exactly_what_was_there_when_it_was_taken(
    tmp_path: Path,
    make_patient: Callable[..., Patient],
    record_lab: Callable[..., LabResult],
) -> None:
    ada = make_patient(given_name="Ada")
    record_lab(ada, "magnesium", "0.70", "mmol/L")
    before = _snapshot()
    target = tmp_path / "clinic.backup"
    backup_database(target)
    assert target.stat().st_size > 0

    make_patient(given_name="Later")
    Patient.objects.filter(pk=ada.pk).update(family_name="Changed")
    assert _snapshot() != before

    restore_database(target)
    assert _snapshot() == before
    assert audit_chain_verify().intact


def test_restoring_something_that_is_not_a_backup_is_refused_and_changes_nothing(
    tmp_path: Path,
    make_patient: Callable[..., Patient],
) -> None:
    make_patient()
    before = _snapshot()
    junk = tmp_path / "junk.backup"
    junk.write_bytes(b"not a database at all" * 100)
    with pytest.raises(BackupError):
        restore_database(junk)
    with pytest.raises(BackupError):
        restore_database(tmp_path / "missing.backup")
    assert _snapshot() == before


def test_a_backup_into_a_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(BackupError, match="directory"):
        backup_database(tmp_path)
