from __future__ import annotations

from collections.abc import Callable

from django.test import Client
from django.urls import reverse
from tests.conftest import make_member

from ivmt.accounts.models import Clinic, User
from ivmt.core.roles import Role
from ivmt.patients.models import LabResult, Patient


def test_a_user_of_one_clinic_gets_404_for_every_page_of_another_clinics_patient(
    client_for: Callable[[User], Client], lena: User, patient: Patient
) -> None:
    client = client_for(lena)
    for name in (
        "chart",
        "edit",
        "lab_add",
        "medication_add",
        "allergy_add",
        "condition_add",
        "indications",
    ):
        assert client.get(reverse(f"patients:{name}", args=[patient.pk])).status_code == 404, name
    response = client.post(
        reverse("patients:lab_add", args=[patient.pk]),
        {
            "analyte": "magnesium",
            "value": "1.0",
            "unit": "mg/dL",
            "collected_at": "2026-11-01T09:00",
        },
    )
    assert response.status_code == 404
    assert not LabResult.objects.filter(patient=patient).exists()


def test_search_never_lists_another_clinics_patients(
    client_for: Callable[[User], Client], lena: User, patient: Patient
) -> None:
    response = client_for(lena).post(reverse("patients:list"), {"q": patient.family_name})
    assert patient.mrn not in response.content.decode()
    assert response.context["patients"] == []


def test_a_user_in_two_clinics_chooses_one_and_sees_only_its_patients(
    client: Client,
    clinic: Clinic,
    other_clinic: Clinic,
    make_patient: Callable[..., Patient],
) -> None:
    here = make_patient(family_name="Riverside")
    there = make_patient(other_clinic, family_name="Lakeside")
    user = make_member(clinic, "floater", Role.NURSE)
    make_member(other_clinic, "floater", Role.NURSE)
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    assert client.get(reverse("patients:list")).status_code == 302  # must choose first
    client.post(reverse("accounts:choose_clinic"), {"clinic": other_clinic.pk})
    assert client.get(reverse("patients:chart", args=[there.pk])).status_code == 200
    assert client.get(reverse("patients:chart", args=[here.pk])).status_code == 404
    client.post(reverse("accounts:choose_clinic"), {"clinic": clinic.pk})
    assert client.get(reverse("patients:chart", args=[here.pk])).status_code == 200
    assert client.get(reverse("patients:chart", args=[there.pk])).status_code == 404


def test_choosing_a_clinic_one_does_not_belong_to_is_refused(
    client_for: Callable[[User], Client], nadia: User, other_clinic: Clinic
) -> None:
    client = client_for(nadia)
    client.post(reverse("accounts:choose_clinic"), {"clinic": other_clinic.pk})
    response = client.post(reverse("accounts:choose_clinic"), {"clinic": "1 OR 1=1"})
    assert response.status_code == 302
    assert client.session.get("ivmt_clinic_id") != other_clinic.pk


def test_a_patient_portal_account_sees_only_its_own_record(
    client: Client, clinic: Clinic, make_patient: Callable[..., Patient]
) -> None:
    mine = make_patient(given_name="Pat")
    theirs = make_patient(given_name="Quinn")
    user = make_member(clinic, "pat", Role.PATIENT, patient=mine)
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    portal = client.get(reverse("home:portal"))
    assert portal.status_code == 200 and mine.mrn in portal.content.decode()
    assert theirs.mrn not in portal.content.decode()
    assert client.get(reverse("patients:chart", args=[theirs.pk])).status_code == 403
    assert client.get(reverse("patients:list")).status_code == 403
