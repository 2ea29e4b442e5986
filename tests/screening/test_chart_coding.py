"""Coding medications and allergies on the chart (what screening reads): the add forms code a
known name, the Code forms pick from the catalogue; bad input is explained and changes
nothing; other roles and other clinics are refused."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from ivmt.accounts.models import User
from ivmt.core.access import Actor
from ivmt.patients import services as patient_services
from ivmt.patients.models import Allergy, Medication, Patient


def test_a_known_name_is_coded_and_an_unknown_one_is_flagged_on_the_chart(
    client_for: Callable[[User], Client], nadia: User, patient: Patient
) -> None:
    client = client_for(nadia)
    for name in ("Lanoxin", "Heart pill"):
        response = client.post(
            reverse("patients:medication_add", args=[patient.pk]), {"name": name, "drug_code": ""}
        )
        assert response.status_code == 302
    assert dict(Medication.objects.values_list("name", "drug_code")) == {
        "Lanoxin": "digoxin",
        "Heart pill": "",
    }
    chart = client.get(reverse("patients:chart", args=[patient.pk])).content.decode()
    assert chart.count("not coded") == 1


def test_an_explicit_code_wins_over_the_name(
    client_for: Callable[[User], Client], nadia: User, patient: Patient
) -> None:
    client_for(nadia).post(
        reverse("patients:allergy_add", args=[patient.pk]),
        {"substance": "B1 shots", "allergen_code": "thiamine", "severity": "severe"},
    )
    assert Allergy.objects.get().allergen_code == "thiamine"


def test_a_medication_is_coded_later_from_the_catalogue(
    client_for: Callable[[User], Client], nadia: User, patient: Patient, nurse: Actor
) -> None:
    odd = patient_services.medication_add(actor=nurse, patient=patient, name="Heart pill")
    response = client_for(nadia).post(
        reverse("patients:medication_code", args=[patient.pk]),
        {"medication": odd.pk, "drug_code": "digoxin"},
    )
    assert response.status_code == 302
    odd.refresh_from_db()
    assert odd.drug_code == "digoxin"


@pytest.mark.parametrize(
    ("url", "data", "message"),
    [
        (
            "patients:medication_add",
            {"name": "X", "drug_code": "digoxine"},
            "Select a valid choice",
        ),
        (
            "patients:allergy_add",
            {"substance": "X", "allergen_code": "<script>alert(1)</script>", "severity": "mild"},
            "Select a valid choice",
        ),
        (
            "patients:medication_code",
            {"medication": "999999", "drug_code": "digoxin"},
            "Select a valid choice",
        ),
        (
            "patients:medication_code",
            {"medication": "", "drug_code": "digoxin"},
            "This field is required",
        ),
        (
            "patients:medication_code",
            {"medication": "abc", "drug_code": "digoxin"},
            "Select a valid choice",
        ),
        ("patients:allergy_code", {"allergy": "1", "allergen_code": ""}, "This field is required"),
        (
            "patients:allergy_code",
            {"allergy": "1", "allergen_code": "unicorn"},
            "Select a valid choice",
        ),
    ],
)
def test_bad_coding_input_is_explained_and_changes_nothing(
    client_for: Callable[[User], Client],
    nadia: User,
    patient: Patient,
    nurse: Actor,
    url: str,
    data: dict[str, str],
    message: str,
) -> None:
    medication = patient_services.medication_add(actor=nurse, patient=patient, name="Heart pill")
    allergy = patient_services.allergy_add(actor=nurse, patient=patient, substance="Cats")
    if data.get("allergy") == "1":
        data = {**data, "allergy": str(allergy.pk)}
    response = client_for(nadia).post(reverse(url, args=[patient.pk]), data)
    assert response.status_code == 400
    body = response.content.decode()
    assert message in body
    assert "<script>alert(1)</script>" not in body
    assert Medication.objects.count() == 1 and Allergy.objects.count() == 1
    medication.refresh_from_db()
    allergy.refresh_from_db()
    assert medication.drug_code == "" and allergy.allergen_code == ""


def test_another_patients_medication_cannot_be_coded_through_this_chart(
    client_for: Callable[[User], Client],
    nadia: User,
    make_patient: Callable[..., Patient],
    nurse: Actor,
) -> None:
    mine, theirs = make_patient(), make_patient(given_name="Other")
    foreign = patient_services.medication_add(actor=nurse, patient=theirs, name="Heart pill")
    response = client_for(nadia).post(
        reverse("patients:medication_code", args=[mine.pk]),
        {"medication": foreign.pk, "drug_code": "digoxin"},
    )
    assert response.status_code == 400
    foreign.refresh_from_db()
    assert foreign.drug_code == ""


@pytest.mark.parametrize("who", ["priya", "fran", "morgan"])
def test_other_roles_cannot_code(
    client_for: Callable[[User], Client],
    request: pytest.FixtureRequest,
    who: str,
    patient: Patient,
    nurse: Actor,
) -> None:
    medication = patient_services.medication_add(actor=nurse, patient=patient, name="Heart pill")
    response = client_for(request.getfixturevalue(who)).post(
        reverse("patients:medication_code", args=[patient.pk]),
        {"medication": medication.pk, "drug_code": "digoxin"},
    )
    assert response.status_code == 403
    medication.refresh_from_db()
    assert medication.drug_code == ""


def test_another_clinics_nurse_cannot_code(
    client: Client, lena: User, patient: Patient, nurse: Actor
) -> None:
    medication = patient_services.medication_add(actor=nurse, patient=patient, name="Heart pill")
    client.force_login(lena, backend="django.contrib.auth.backends.ModelBackend")
    response = client.post(
        reverse("patients:medication_code", args=[patient.pk]),
        {"medication": medication.pk, "drug_code": "digoxin"},
    )
    assert response.status_code == 404
    medication.refresh_from_db()
    assert medication.drug_code == ""


def test_a_hostile_knowledge_approval_note_is_shown_escaped(
    client_for: Callable[[User], Client], diaz: User
) -> None:
    client = client_for(diaz)
    client.post(
        reverse("screening:knowledge_approve"),
        {"confirm": "on", "note": "<script>alert(1)</script>"},
    )
    body = client.get(reverse("screening:knowledge")).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert "<script>alert(1)</script>" not in body
