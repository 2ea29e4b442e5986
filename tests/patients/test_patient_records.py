from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ivmt.accounts.models import Clinic, User
from ivmt.patients.models import Allergy, LabResult, Medication, Patient, PatientIndication

HOSTILE = [
    "<script>alert(1)</script>",
    "Robert'); DROP TABLE patients_patient;--",
    '"><img src=x onerror=alert(1)>',
    "Zoë Ñúñez-Ørsted 李",
]


def _register(client: Client, **overrides: object) -> tuple[int, str]:
    data: dict[str, object] = {
        "given_name": "Ada",
        "family_name": "Lovelace",
        "date_of_birth": "1985-12-10",
        "sex_at_birth": "female",
        "phone": "",
        "email": "",
        "address": "",
        "indications": ["migraine", "fibromyalgia"],
        "primary_indication": "migraine",
    }
    data.update(overrides)
    response = client.post(reverse("patients:register"), data)
    return response.status_code, response.content.decode()


def test_front_desk_registers_a_patient_with_coded_indications(
    client_for: Callable[[User], Client], fran: User
) -> None:
    status, _ = _register(client_for(fran))
    assert status == 302
    patient = Patient.objects.get(family_name="Lovelace")
    assert patient.mrn == "IV000001"
    codes = {(i.code, i.icd10, i.is_primary) for i in PatientIndication.objects.all()}
    assert codes == {("migraine", "G43.909", True), ("fibromyalgia", "M79.7", False)}


def test_medical_record_numbers_count_up_within_a_clinic(
    make_patient: Callable[..., Patient], other_clinic: Clinic
) -> None:
    assert [make_patient().mrn for _ in range(3)] == ["IV000001", "IV000002", "IV000003"]
    assert make_patient(other_clinic).mrn == "IV000001"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"given_name": ""}, "This field is required"),
        ({"date_of_birth": "2999-01-01"}, "cannot be in the future"),
        ({"date_of_birth": "1800-01-01"}, "more than 120 years"),
        ({"date_of_birth": "31/31/2000"}, "Enter a valid date"),
        ({"sex_at_birth": "robot"}, "Select a valid choice"),
        ({"email": "not-an-email"}, "valid email"),
        ({"indications": ["unicorn"]}, "Select a valid choice"),
        ({"primary_indication": "asthma"}, "Tick the primary indication"),
        ({"family_name": "x" * 101}, "at most 100"),
    ],
)
def test_registration_explains_bad_input_and_creates_nothing(
    client_for: Callable[[User], Client],
    fran: User,
    overrides: dict[str, object],
    message: str,
) -> None:
    status, body = _register(client_for(fran), **overrides)
    assert status == 400
    assert message in body
    assert not Patient.objects.exists()


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_text_is_stored_as_typed_and_shown_escaped(
    client_for: Callable[[User], Client], fran: User, nadia: User, text: str
) -> None:
    status, _ = _register(client_for(fran), family_name=text[:100])
    assert status == 302
    patient = Patient.objects.get()
    assert patient.family_name == text[:100]
    client = client_for(nadia)
    client.post(
        reverse("patients:allergy_add", args=[patient.pk]),
        {"substance": text[:120], "reaction": text, "severity": "mild"},
    )
    for url in (reverse("patients:chart", args=[patient.pk]), reverse("patients:list")):
        body = client.get(url).content.decode()
        assert "<script>alert(1)</script>" not in body
        assert "<img src=x" not in body
    searched = client.post(reverse("patients:list"), {"q": text[:100]}).content.decode()
    assert "<script>alert(1)</script>" not in searched


def test_search_finds_by_name_mrn_and_date_of_birth(
    client_for: Callable[[User], Client], fran: User, make_patient: Callable[..., Patient]
) -> None:
    ada = make_patient(given_name="Ada", family_name="Lovelace", date_of_birth=date(1985, 12, 10))
    make_patient(given_name="Grace", family_name="Hopper", date_of_birth=date(1976, 12, 9))
    client = client_for(fran)

    def found(term: str) -> list[Patient]:
        return list(client.post(reverse("patients:list"), {"q": term}).context["patients"])

    assert found("love") == [ada]
    assert found("ada lovelace") == [ada]
    assert found(ada.mrn) == [ada]
    assert found("1985-12-10") == [ada]
    assert found("12/10/1985") == [ada]
    assert found("%") == []
    assert found("' OR '1'='1") == []


def test_a_second_editor_gets_a_conflict_and_nothing_is_overwritten(
    client_for: Callable[[User], Client], fran: User, patient: Patient
) -> None:
    client = client_for(fran)
    form = {
        "given_name": patient.given_name,
        "family_name": patient.family_name,
        "date_of_birth": patient.date_of_birth.isoformat(),
        "sex_at_birth": "female",
        "phone": "",
        "email": "",
        "address": "",
        "version": patient.version,
    }
    first = client.post(reverse("patients:edit", args=[patient.pk]), {**form, "phone": "111"})
    assert first.status_code == 302
    second = client.post(reverse("patients:edit", args=[patient.pk]), {**form, "phone": "222"})
    assert second.status_code == 409
    assert "Someone else changed" in second.content.decode()
    patient.refresh_from_db()
    assert (patient.phone, patient.version) == ("111", 2)


def test_the_clinic_cannot_be_set_through_the_edit_form(
    client_for: Callable[[User], Client], fran: User, patient: Patient, other_clinic: Clinic
) -> None:
    client_for(fran).post(
        reverse("patients:edit", args=[patient.pk]),
        {
            "given_name": "X",
            "family_name": "Y",
            "date_of_birth": "1980-01-01",
            "sex_at_birth": "female",
            "version": patient.version,
            "clinic": other_clinic.pk,
            "mrn": "HACKED",
            "created_by": 999,
        },
    )
    patient.refresh_from_db()
    assert patient.clinic_id != other_clinic.pk and patient.mrn != "HACKED"


def test_medications_are_added_and_stopped_but_stopping_twice_is_refused(
    client_for: Callable[[User], Client], nadia: User, patient: Patient
) -> None:
    client = client_for(nadia)
    client.post(
        reverse("patients:medication_add", args=[patient.pk]),
        {"name": "Digoxin", "dose": "125 mcg daily", "started_on": "2025-01-01"},
    )
    medication = Medication.objects.get(patient=patient)
    stop = {"medication": medication.pk, "stopped_on": "2026-11-01"}
    assert (
        client.post(reverse("patients:medication_stop", args=[patient.pk]), stop).status_code == 302
    )
    again = client.post(reverse("patients:medication_stop", args=[patient.pk]), stop)
    assert again.status_code == 400 and "already stopped" in again.content.decode()


def test_a_medication_of_another_patient_cannot_be_stopped_through_this_chart(
    client_for: Callable[[User], Client], nadia: User, make_patient: Callable[..., Patient]
) -> None:
    mine, theirs = make_patient(), make_patient(given_name="Other")
    client = client_for(nadia)
    client.post(reverse("patients:medication_add", args=[theirs.pk]), {"name": "Digoxin"})
    medication = Medication.objects.get(patient=theirs)
    response = client.post(
        reverse("patients:medication_stop", args=[mine.pk]),
        {"medication": medication.pk, "stopped_on": "2026-11-01"},
    )
    assert response.status_code == 400
    medication.refresh_from_db()
    assert medication.stopped_on is None


def test_the_chart_page_makes_the_same_number_of_queries_however_full_the_chart(
    client_for: Callable[[User], Client],
    nadia: User,
    make_patient: Callable[..., Patient],
    record_lab: Callable[..., LabResult],
) -> None:
    client = client_for(nadia)
    empty, full = make_patient(), make_patient(given_name="Full")
    for value in ("1.5", "1.6", "1.7", "1.8", "1.9", "2.0"):
        record_lab(full, "magnesium", value, "mg/dL")
        record_lab(full, "potassium", "4.0", "mmol/L")
    for n in range(5):
        Allergy.objects.create(clinic_id=full.clinic_id, patient=full, substance=f"A{n}")
        Medication.objects.create(clinic_id=full.clinic_id, patient=full, name=f"M{n}")

    def queries(patient: Patient) -> int:
        with CaptureQueriesContext(connection) as context:
            assert client.get(reverse("patients:chart", args=[patient.pk])).status_code == 200
        return len(context.captured_queries)

    assert queries(full) == queries(empty)
    # 23 for the chart itself, 5 for the screening panel (knowledge approval, latest run with
    # its decision, clinic policy, intake, lab requests; it reuses the chart's prefetches).
    assert queries(full) <= 30


def test_the_patient_list_makes_the_same_number_of_queries_for_1_or_20_patients(
    client_for: Callable[[User], Client], fran: User, make_patient: Callable[..., Patient]
) -> None:
    client = client_for(fran)
    make_patient()

    def queries() -> int:
        with CaptureQueriesContext(connection) as context:
            client.get(reverse("patients:list"))
        return len(context.captured_queries)

    one = queries()
    for n in range(19):
        make_patient(given_name=f"P{n}")
    assert queries() == one
