from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from ivmt.accounts.models import Clinic, User
from ivmt.core.audit import audit_chain_verify, audit_record
from ivmt.core.models import AuditEvent, AuditTamperingError
from ivmt.patients.models import LabResult, Patient


def test_viewing_a_chart_writes_one_audit_row_naming_user_patient_and_ip(
    client_for: Callable[[User], Client], nadia: User, patient: Patient
) -> None:
    before = AuditEvent.objects.filter(action="chart.view").count()
    response = client_for(nadia).get(reverse("patients:chart", args=[patient.pk]))
    assert response.status_code == 200
    rows = AuditEvent.objects.filter(action="chart.view")
    assert rows.count() == before + 1
    row = rows.first()
    assert row is not None
    assert (row.user, row.patient_id, row.clinic_id, row.ip, row.outcome) == (
        nadia,
        patient.pk,
        patient.clinic_id,
        "127.0.0.1",
        "ok",
    )


def test_recording_a_lab_result_is_audited_without_the_value(
    record_lab: Callable[..., LabResult], patient: Patient
) -> None:
    result = record_lab(patient, "magnesium", "1.4", "mg/dL")
    row = AuditEvent.objects.get(action="lab.record", object_id=str(result.pk))
    assert row.patient_id == patient.pk
    assert "1.4" not in row.detail


def test_a_refused_chart_view_is_audited_as_denied(
    client_for: Callable[[User], Client], lena: User, patient: Patient
) -> None:
    response = client_for(lena).get(reverse("patients:chart", args=[patient.pk]))
    assert response.status_code == 404
    row = AuditEvent.objects.filter(action="chart.view", outcome="denied").first()
    assert row is not None and row.user == lena and row.object_id == str(patient.pk)


def test_audit_rows_cannot_be_changed_or_deleted_through_the_orm(clinic: Clinic) -> None:
    event = audit_record(user=None, clinic_id=clinic.pk, action="test")
    event.detail = "edited"
    with pytest.raises(AuditTamperingError):
        event.save()
    with pytest.raises(AuditTamperingError):
        event.delete()
    with pytest.raises(AuditTamperingError):
        AuditEvent.objects.filter(pk=event.pk).update(detail="edited")
    with pytest.raises(AuditTamperingError):
        AuditEvent.objects.filter(pk=event.pk).delete()


def test_the_hash_chain_detects_a_row_edited_behind_the_apps_back(clinic: Clinic) -> None:
    for n in range(3):
        audit_record(user=None, clinic_id=clinic.pk, action=f"step{n}")
    assert audit_chain_verify().intact
    middle = AuditEvent.objects.get(action="step1")
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE core_auditevent SET detail = %s WHERE id = %s", ["forged", middle.pk]
        )
    report = audit_chain_verify()
    assert not report.intact and report.broken_at == middle.pk


def test_the_hash_chain_detects_a_deleted_row(clinic: Clinic) -> None:
    for n in range(3):
        audit_record(user=None, clinic_id=clinic.pk, action=f"step{n}")
    first = AuditEvent.objects.get(action="step0")
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_auditevent WHERE id = %s", [first.pk])
    assert not audit_chain_verify().intact


def test_the_audit_page_filters_by_patient_user_and_date(
    client_for: Callable[[User], Client],
    morgan: User,
    nadia: User,
    patient: Patient,
    make_patient: Callable[..., Patient],
) -> None:
    other = make_patient(given_name="Olga", family_name="Other")
    nurse_client = client_for(nadia)
    nurse_client.get(reverse("patients:chart", args=[patient.pk]))
    nurse_client.get(reverse("patients:chart", args=[other.pk]))
    client = client_for(morgan)
    response = client.post(reverse("core:audit_log"), {"mrn": patient.mrn, "username": "nadia"})
    assert response.status_code == 200
    events = response.context["events"]
    assert events and all(e.patient_id == patient.pk and e.username == "nadia" for e in events)
    response = client.post(
        reverse("core:audit_log"), {"day_from": "2026-02-10", "day_to": "2026-01-01"}
    )
    assert response.status_code == 400
    assert "end date is before" in response.content.decode()


def test_the_audit_page_shows_only_the_managers_own_clinic(
    client_for: Callable[[User], Client],
    morgan: User,
    lena: User,
    other_clinic: Clinic,
) -> None:
    audit_record(user=lena, clinic_id=other_clinic.pk, action="secret.elsewhere")
    response = client_for(morgan).post(reverse("core:audit_log"), {})
    assert "secret.elsewhere" not in response.content.decode()
