"""Staff fill questionnaires on the patient's behalf: scored, stored, audited; bad input refused."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal as D

import pytest
from django.test import Client
from django.urls import reverse
from tests.outcomes.conftest import TODAY, fiqr, record

from ivmt.accounts.models import Clinic, User
from ivmt.core.models import AuditEvent
from ivmt.outcomes.models import QuestionnaireResponse
from ivmt.patients.models import Patient

HOSTILE = "<script>alert(1)</script>"


def _post(client: Client, patient: Patient, instrument_id: str, data: dict[str, object]):
    url = reverse("outcomes:record", args=[patient.pk, instrument_id])
    return client.post(url, {"timepoint": "baseline", "answered_on": TODAY.isoformat(), **data})


def test_a_nurse_records_a_baseline_fiqr_and_sees_its_score_and_band(
    client_for: Callable[[User], Client], nadia: User, fibro: Patient
) -> None:
    client = client_for(nadia)
    response = _post(client, fibro, "fiqr", fiqr(6, 6, 4))
    assert response.status_code == 302
    saved = QuestionnaireResponse.objects.get(patient=fibro)
    # 54 / 3 + 12 + 40 / 2 = 50
    assert (saved.score, saved.band_id, saved.timepoint) == (D(50), "moderate", "baseline")
    assert saved.recorded_by == nadia and saved.source == "staff"
    page = client.get(reverse("outcomes:patient", args=[fibro.pk])).content.decode()
    assert "FIQR recorded (score 50.0, moderate" in page
    assert 'data-instrument="fiqr"' in page


def test_recording_is_audited_without_the_answers(nadia: User, fibro: Patient) -> None:
    saved = record(fibro, nadia, "phq9", {f"phq9_{n}": 2 for n in range(1, 10)}, "baseline")
    row = AuditEvent.objects.get(action="outcome.record", object_id=str(saved.pk))
    assert (row.patient_id, row.user, row.outcome) == (fibro.pk, nadia, "ok")
    assert row.detail == "phq9 baseline; alert stop"  # no score, no answer


def test_a_blank_fiqr_item_is_reweighted(
    client_for: Callable[[User], Client], nadia: User, fibro: Patient
) -> None:
    answers: dict[str, object] = dict(fiqr(6, 6, 4))
    answers["fiqr_9"] = ""
    assert _post(client_for(nadia), fibro, "fiqr", answers).status_code == 302
    saved = QuestionnaireResponse.objects.get(patient=fibro)
    assert saved.score == 50 and saved.reweighted and saved.missing_items == 1


@pytest.mark.parametrize(
    ("instrument_id", "data", "message"),
    [
        ("pain_nrs", {"pain_average": "11"}, "less than or equal to 10"),
        ("pain_nrs", {"pain_average": "-1"}, "greater than or equal to 0"),
        ("pain_nrs", {"pain_average": "seven"}, "Enter a whole number"),
        ("pain_nrs", {"pain_average": HOSTILE}, "Enter a whole number"),
        ("pain_nrs", {"pain_average": "7.5"}, "Enter a whole number"),
        ("pain_nrs", {"pain_average": "5", "timepoint": ""}, "This field is required"),
        ("pain_nrs", {"pain_average": "5", "timepoint": "week_99"}, "Select a valid choice"),
        ("pain_nrs", {"pain_average": "5", "answered_on": "2999-01-01"}, "cannot be in the future"),
        ("pain_nrs", {"pain_average": "5", "answered_on": "2020-01-01"}, "more than a year ago"),
        ("pain_nrs", {"pain_average": "5", "answered_on": HOSTILE}, "Enter a valid date"),
        ("pain_nrs", {"pain_average": "5", "dose_number": "1000"}, "less than or equal to 999"),
        ("hit6", {f"hit6_{n}": "7" for n in range(1, 7)}, "Select a valid choice"),
        ("phq9", {f"phq9_{n}": "4" for n in range(1, 10)}, "Select a valid choice"),
        ("pgic", {"pgic_change": "2"}, "Select a valid choice"),  # no baseline for PGIC
        ("fiqr", {**fiqr(6, 6, 4), "fiqr_1": "", "fiqr_2": ""}, "Answer them, or tick"),
        ("pain_nrs", {"pain_average": ""}, "Answer them, or tick"),
    ],
)
def test_bad_input_is_explained_and_nothing_is_saved(
    client_for: Callable[[User], Client],
    nadia: User,
    fibro: Patient,
    instrument_id: str,
    data: dict[str, object],
    message: str,
) -> None:
    response = _post(client_for(nadia), fibro, instrument_id, data)
    assert response.status_code == 400
    body = response.content.decode()
    assert message in body
    assert HOSTILE not in body
    assert not QuestionnaireResponse.objects.exists()


def test_an_unknown_instrument_is_a_404(
    client_for: Callable[[User], Client], nadia: User, fibro: Patient
) -> None:
    url = reverse("outcomes:record", args=[fibro.pk, "sf36"])
    assert client_for(nadia).get(url).status_code == 404


def test_incomplete_answers_can_be_kept_knowingly_and_stay_unscored(
    client_for: Callable[[User], Client], nadia: User, fibro: Patient
) -> None:
    answers = {f"phq9_{n}": "1" for n in range(1, 9)}
    response = _post(client_for(nadia), fibro, "phq9", {**answers, "accept_incomplete": "on"})
    assert response.status_code == 302
    saved = QuestionnaireResponse.objects.get(patient=fibro)
    assert saved.score is None and saved.missing_items == 1
    # Item 9 left unanswered: the physician is alerted to ask it.
    assert saved.alert_level == "stop"


def test_a_second_baseline_is_refused_until_the_first_is_marked_in_error(
    client_for: Callable[[User], Client], nadia: User, fibro: Patient
) -> None:
    client = client_for(nadia)
    first = record(fibro, nadia, "pain_nrs", {"pain_average": 7}, "baseline")
    again = _post(client, fibro, "pain_nrs", {"pain_average": "6"})
    assert again.status_code == 400
    assert "already recorded" in again.content.decode()
    error_url = reverse("outcomes:response_error", args=[first.pk])
    assert client.post(error_url, {"reason": HOSTILE}).status_code == 302
    detail = client.get(reverse("outcomes:response", args=[first.pk])).content.decode()
    assert HOSTILE not in detail and "&lt;script&gt;" in detail
    assert _post(client, fibro, "pain_nrs", {"pain_average": "6"}).status_code == 302
    assert QuestionnaireResponse.objects.filter(entered_in_error=False).get().score == 6


def test_marking_in_error_needs_a_reason(
    client_for: Callable[[User], Client], nadia: User, fibro: Patient
) -> None:
    saved = record(fibro, nadia, "pain_nrs", {"pain_average": 7}, "baseline")
    response = client_for(nadia).post(reverse("outcomes:response_error", args=[saved.pk]), {})
    assert response.status_code == 400
    saved.refresh_from_db()
    assert not saved.entered_in_error


def test_the_tender_point_count_is_recorded_as_a_clinician_examination(
    nadia: User, diaz: User, fibro: Patient
) -> None:
    painful = ["occiput", "trapezius", "second_rib", "gluteal", "knee", "supraspinatus"]
    others = ["low_cervical", "lateral_epicondyle", "greater_trochanter"]
    answers = {f"{s}_{side}": 1 for s in painful for side in ("left", "right")}
    answers |= {f"{s}_{side}": 0 for s in others for side in ("left", "right")}
    saved = record(fibro, diaz, "tender_points", answers, "baseline")
    assert saved.score == 12 and saved.band_id == "meets_count_criterion"
    assert saved.source == "clinician"


@pytest.mark.parametrize("who", ["fran", "morgan", "priya"])
def test_roles_without_outcome_rights_are_refused(
    client_for: Callable[[User], Client],
    fibro: Patient,
    who: str,
    request: pytest.FixtureRequest,
) -> None:
    client = client_for(request.getfixturevalue(who))
    assert client.get(reverse("outcomes:patient", args=[fibro.pk])).status_code == 403
    assert _post(client, fibro, "pain_nrs", {"pain_average": "5"}).status_code == 403
    assert not QuestionnaireResponse.objects.exists()


def test_another_clinics_patient_and_response_answer_404_and_are_audited(
    client_for: Callable[[User], Client],
    lena: User,
    nadia: User,
    fibro: Patient,
    other_clinic: Clinic,
) -> None:
    saved = record(fibro, nadia, "pain_nrs", {"pain_average": 7}, "baseline")
    client = client_for(lena)
    assert client.get(reverse("outcomes:patient", args=[fibro.pk])).status_code == 404
    assert client.get(reverse("outcomes:response", args=[saved.pk])).status_code == 404
    assert _post(client, fibro, "pain_nrs", {"pain_average": "5"}).status_code == 404
    denied = AuditEvent.objects.filter(user=lena, outcome="denied")
    assert denied.count() >= 3
    assert QuestionnaireResponse.objects.count() == 1


def test_a_positive_phq9_item_9_waits_on_a_physician_until_acknowledged(
    client_for: Callable[[User], Client], nadia: User, diaz: User, fibro: Patient
) -> None:
    answers = {f"phq9_{n}": 0 for n in range(1, 9)} | {"phq9_9": 1}
    saved = record(fibro, nadia, "phq9", answers, "baseline")
    assert saved.score == 1 and saved.alert_level == "stop"
    doctor = client_for(diaz)
    dashboard = doctor.get(reverse("home:dashboard")).content.decode()
    assert "thoughts of self-harm" in dashboard
    queue = doctor.get(reverse("outcomes:queue")).content.decode()
    assert "thoughts of self-harm" in queue
    chart = doctor.get(reverse("patients:chart", args=[fibro.pk])).content.decode()
    assert "A questionnaire alert waits on a physician" in chart

    ack = reverse("outcomes:alert_acknowledge", args=[saved.pk])
    nurse = client_for(nadia)
    assert nurse.post(ack, {"action": "assessed"}).status_code == 403
    doctor = client_for(diaz)
    assert doctor.post(ack, {"action": "launch"}).status_code == 400
    assert doctor.post(ack, {"action": "assessed"}).status_code == 302
    saved.refresh_from_db()
    assert saved.alert_acknowledged_by == diaz and saved.alert_action == "assessed"
    assert "thoughts of self-harm" not in doctor.get(reverse("outcomes:queue")).content.decode()
    assert doctor.post(ack, {"action": "assessed"}).status_code == 400  # only once
