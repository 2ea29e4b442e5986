"""The intake form (indications, symptoms, pregnancy, medication and allergy review, the
nutritionist referral) and the manager's screening policy: good input saves and screens, bad
input is explained with status 400 and changes nothing."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from tests.conftest import make_member

from ivmt.accounts.models import Clinic, User
from ivmt.core.access import Actor
from ivmt.core.models import AuditEvent
from ivmt.core.roles import Role
from ivmt.patients.models import Patient, PatientIndication
from ivmt.screening import services
from ivmt.screening.errors import ScreeningError
from ivmt.screening.models import Intake, ScreeningPolicy, ScreeningRun

GOOD_INTAKE = {
    "indications": ["migraine", "fibromyalgia"],
    "primary_indication": "fibromyalgia",
    "symptoms_baseline": "Migraine 8 days a month; widespread pain.",
    "symptom_severity": "7",
    "pregnancy_status": "not_pregnant",
    "medications_reviewed": "on",
    "allergies_reviewed": "on",
    "nutritionist_referral": "accepted",
}


def _post_intake(client: Client, patient: Patient, **changes: object):
    data = {**GOOD_INTAKE, **changes}
    return client.post(
        reverse("screening:intake", args=[patient.pk]),
        {k: v for k, v in data.items() if v is not None},
    )


def test_the_intake_records_answers_indications_and_the_referral_and_screens(
    client_for: Callable[[User], Client], nadia: User, patient: Patient
) -> None:
    response = _post_intake(client_for(nadia), patient)
    assert response.status_code == 302
    intake = Intake.objects.get(patient=patient)
    assert intake.symptom_severity == 7
    assert intake.nutritionist_referral == "accepted"
    assert intake.referral_recorded_at is not None
    assert intake.medications_reviewed and intake.allergies_reviewed
    assert set(PatientIndication.objects.values_list("code", flat=True)) == {
        "migraine",
        "fibromyalgia",
    }
    run = ScreeningRun.objects.get(patient=patient)
    assert run.trigger == "intake"
    assert run.facts["pregnancy_status"] == "not_pregnant"
    assert AuditEvent.objects.filter(action="intake.save", detail="referral accepted").exists()


def test_pregnancy_recorded_at_intake_is_a_hard_stop(
    client_for: Callable[[User], Client], nadia: User, patient: Patient
) -> None:
    _post_intake(client_for(nadia), patient, pregnancy_status="pregnant")
    run = ScreeningRun.objects.get(patient=patient)
    assert "pregnancy" in {f["rule_id"] for f in run.findings}


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"symptom_severity": "11"}, "less than or equal to 10"),
        ({"symptom_severity": "-1"}, "greater than or equal to 0"),
        ({"symptom_severity": "seven"}, "Enter a whole number"),
        ({"pregnancy_status": "maybe"}, "Select a valid choice"),
        ({"nutritionist_referral": "<script>alert(1)</script>"}, "Select a valid choice"),
        ({"indications": None}, "This field is required"),
        ({"indications": ["unicorn"]}, "Select a valid choice"),
        ({"primary_indication": "asthma"}, "Tick the primary indication"),
        ({"symptoms_baseline": "x" * 2001}, "at most 2000 characters"),
        ({"version": "0"}, "greater than or equal to 1"),
    ],
)
def test_bad_intake_input_is_explained_and_changes_nothing(
    client_for: Callable[[User], Client],
    nadia: User,
    patient: Patient,
    changes: dict[str, object],
    message: str,
) -> None:
    response = _post_intake(client_for(nadia), patient, **changes)
    assert response.status_code == 400
    body = response.content.decode()
    assert message in body
    assert "<script>alert(1)</script>" not in body
    assert not Intake.objects.exists()
    assert not ScreeningRun.objects.exists()
    assert set(PatientIndication.objects.values_list("code", flat=True)) == {"migraine"}


def test_breastfeeding_for_a_patient_recorded_as_male_is_refused(
    client_for: Callable[[User], Client], nadia: User, make_patient: Callable[..., Patient]
) -> None:
    man = make_patient(sex_at_birth="male")
    response = _post_intake(
        client_for(nadia), man, pregnancy_status="not_applicable", breastfeeding="on"
    )
    assert response.status_code == 400
    assert "Breastfeeding was ticked for a patient recorded as male" in response.content.decode()
    assert not Intake.objects.exists()


def test_hostile_symptom_text_is_stored_as_typed_and_shown_escaped(
    client_for: Callable[[User], Client], nadia: User, patient: Patient
) -> None:
    hostile = '<script>alert(1)</script>"><img src=x onerror=alert(1)>'
    client = client_for(nadia)
    assert _post_intake(client, patient, symptoms_baseline=hostile).status_code == 302
    assert Intake.objects.get().symptoms_baseline == hostile
    body = client.get(reverse("screening:intake", args=[patient.pk])).content.decode()
    assert "<script>alert(1)</script>" not in body and "<img src=x" not in body


def test_a_stale_intake_form_is_refused_with_a_conflict(
    client_for: Callable[[User], Client], nadia: User, patient: Patient
) -> None:
    client = client_for(nadia)
    _post_intake(client, patient)
    _post_intake(client, patient, version="1", symptom_severity="5")  # saves, now version 2
    response = _post_intake(client, patient, version="1", symptom_severity="2")
    assert response.status_code == 409
    assert "Someone else saved this intake" in response.content.decode()
    assert Intake.objects.get().symptom_severity == 5


@pytest.mark.parametrize("who", ["priya", "fran", "morgan"])
def test_other_roles_cannot_record_the_intake(
    client_for: Callable[[User], Client], request: pytest.FixtureRequest, who: str, patient: Patient
) -> None:
    response = _post_intake(client_for(request.getfixturevalue(who)), patient)
    assert response.status_code == 403
    assert not Intake.objects.exists()


def test_another_clinics_patient_has_no_intake_page(
    client: Client, patient: Patient, lena: User
) -> None:
    client.force_login(lena, backend="django.contrib.auth.backends.ModelBackend")
    assert _post_intake(client, patient).status_code == 404
    assert not Intake.objects.exists()


def test_the_intake_service_refuses_fields_it_does_not_own(patient: Patient, nurse: Actor) -> None:
    with pytest.raises(ScreeningError, match="cannot be set here: clinic_id"):
        services.intake_save(
            actor=nurse, patient=patient, expected_version=None, values={"clinic_id": 99}
        )


# Screening policy ------------------------------------------------------------------------------

GOOD_POLICY = {
    "electrolyte_window_days": "14",
    "egfr_hard_stop_below": "45",
    "egfr_caution_below": "75",
    "formula_id": "yale_2009",
    "version": "1",
}


def test_the_manager_sets_the_clinic_screening_policy(
    client_for: Callable[[User], Client], morgan: User, clinic: Clinic
) -> None:
    client = client_for(morgan)
    page = client.get(reverse("screening:policy")).content.decode()
    assert "clinic policy" in page
    response = client.post(reverse("screening:policy"), GOOD_POLICY)
    assert response.status_code == 302
    policy = ScreeningPolicy.objects.get(clinic=clinic)
    assert policy.values() == {
        "electrolyte_window_days": Decimal(14),
        "egfr_hard_stop_below": Decimal(45),
        "egfr_caution_below": Decimal(75),
    }
    assert policy.formula_id == "yale_2009"
    assert policy.version == 2


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"electrolyte_window_days": "0"}, "greater than or equal to 1"),
        ({"electrolyte_window_days": "365"}, "less than or equal to 180"),
        ({"electrolyte_window_days": ""}, "This field is required"),
        ({"egfr_hard_stop_below": "80"}, "must be above the hard-stop one"),
        ({"egfr_caution_below": "abc"}, "Enter a number"),
        ({"egfr_caution_below": "NaN"}, "Enter a number"),
        ({"formula_id": "<script>x</script>"}, "Select a valid choice"),
        ({"version": ""}, "This field is required"),
    ],
)
def test_bad_policy_input_is_explained_and_changes_nothing(
    client_for: Callable[[User], Client],
    morgan: User,
    clinic: Clinic,
    changes: dict[str, str],
    message: str,
) -> None:
    response = client_for(morgan).post(reverse("screening:policy"), {**GOOD_POLICY, **changes})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not ScreeningPolicy.objects.filter(clinic=clinic).exists()


def test_a_stale_policy_form_is_a_conflict(
    client_for: Callable[[User], Client], morgan: User, clinic: Clinic
) -> None:
    client = client_for(morgan)
    client.post(reverse("screening:policy"), GOOD_POLICY)
    response = client.post(
        reverse("screening:policy"), {**GOOD_POLICY, "electrolyte_window_days": "7"}
    )
    assert response.status_code == 409
    assert ScreeningPolicy.objects.get(clinic=clinic).electrolyte_window_days == 14


@pytest.mark.parametrize("who", ["diaz", "nadia", "fran"])
def test_only_the_manager_sets_the_policy(
    client_for: Callable[[User], Client], request: pytest.FixtureRequest, who: str, clinic: Clinic
) -> None:
    response = client_for(request.getfixturevalue(who)).post(
        reverse("screening:policy"), GOOD_POLICY
    )
    assert response.status_code == 403
    assert not ScreeningPolicy.objects.exists()


def test_a_policy_change_makes_the_latest_screening_out_of_date(
    ready_patient: Patient, doctor: Actor, clinic: Clinic, morgan: User
) -> None:
    from tests.conftest import actor_for

    from ivmt.screening.selectors import screening_gate

    services.screening_run_create(actor=doctor, patient=ready_patient)
    services.screening_policy_update(
        actor=actor_for(morgan, clinic), expected_version=1, values={"electrolyte_window_days": 14}
    )
    assert "changed after screening" in screening_gate(patient=ready_patient).reason


def test_a_second_clinic_keeps_its_own_policy(other_clinic: Clinic, clinic: Clinic) -> None:
    boss = make_member(other_clinic, "lake_boss", Role.MANAGER)
    from tests.conftest import actor_for

    services.screening_policy_update(
        actor=actor_for(boss, other_clinic), expected_version=1, values={"egfr_caution_below": 50}
    )
    assert not ScreeningPolicy.objects.filter(clinic=clinic).exists()
