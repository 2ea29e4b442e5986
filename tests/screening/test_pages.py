"""Screening pages: the chart panel, the patient's screening page, decisions through the form,
the physician's queue (constant queries), the knowledge approval page, the sources page, and
the one-click lab request."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from tests.conftest import make_member

from ivmt.accounts.models import Clinic, User
from ivmt.core.access import Actor
from ivmt.core.models import AuditEvent
from ivmt.core.roles import Role
from ivmt.patients import services as patient_services
from ivmt.patients.models import Patient
from ivmt.screening import services
from ivmt.screening.models import KnowledgeApproval, LabRequest, ScreeningDecision, ScreeningRun

REASON = "Cardiology agrees; calcium left out, ECG monitoring during each infusion."


def test_the_chart_shows_the_screening_panel_with_findings_by_severity_and_sources(
    client_for: Callable[[User], Client],
    nadia: User,
    ready_patient: Patient,
    doctor: Actor,
    nurse: Actor,
) -> None:
    patient_services.medication_add(actor=nurse, patient=ready_patient, name="Digoxin")
    services.screening_run_create(actor=doctor, patient=ready_patient)
    body = (
        client_for(nadia).get(reverse("patients:chart", args=[ready_patient.pk])).content.decode()
    )
    assert "Eligibility screening" in body
    assert 'class="badge text-bg-danger screening-status">Hard stop' in body
    assert 'data-rule="cardiac_glycoside"' in body
    assert f'href="{reverse("screening:sources")}#S14"' in body  # sources one click away
    assert "not yet approved for this clinic" in body
    assert "Awaiting a physician" in body


def test_front_desk_sees_no_screening_panel(
    client_for: Callable[[User], Client], fran: User, patient: Patient
) -> None:
    body = client_for(fran).get(reverse("patients:chart", args=[patient.pk])).content.decode()
    assert "Eligibility screening" not in body


def test_a_physician_overrides_through_the_form_and_the_chart_shows_it(
    client_for: Callable[[User], Client],
    diaz: User,
    ready_patient: Patient,
    doctor: Actor,
    nurse: Actor,
    approved: None,
) -> None:
    patient_services.medication_add(actor=nurse, patient=ready_patient, name="Digoxin")
    run = services.screening_run_create(actor=doctor, patient=ready_patient)
    client = client_for(diaz)
    page = client.get(reverse("screening:patient", args=[ready_patient.pk])).content.decode()
    assert "Sign decision" in page
    response = client.post(
        reverse("screening:decide", args=[run.pk]), {"decision": "override", "reason": REASON}
    )
    assert response.status_code == 302
    chart = client.get(reverse("patients:chart", args=[ready_patient.pk])).content.decode()
    assert "Hard stop overridden" in chart
    assert REASON in chart
    assert "Ready for a course order." in chart


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"decision": "override", "reason": ""}, "Write the reason"),
        ({"decision": "approve"}, "approve is not possible"),
        ({"decision": "maybe", "reason": REASON}, "Select a valid choice"),
        ({"reason": REASON}, "This field is required"),
        ({"decision": "override", "reason": "x" * 2001}, "at most 2000 characters"),
    ],
)
def test_bad_decision_input_is_explained_and_changes_nothing(
    client_for: Callable[[User], Client],
    diaz: User,
    ready_patient: Patient,
    doctor: Actor,
    nurse: Actor,
    data: dict[str, str],
    message: str,
) -> None:
    patient_services.medication_add(actor=nurse, patient=ready_patient, name="Digoxin")
    run = services.screening_run_create(actor=doctor, patient=ready_patient)
    response = client_for(diaz).post(reverse("screening:decide", args=[run.pk]), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not ScreeningDecision.objects.exists()


def test_a_hostile_reason_is_stored_as_typed_and_shown_escaped(
    client_for: Callable[[User], Client], diaz: User, ready_patient: Patient, doctor: Actor
) -> None:
    run = services.screening_run_create(actor=doctor, patient=ready_patient)
    hostile = "<script>alert(1)</script> declined by patient"
    client = client_for(diaz)
    response = client.post(
        reverse("screening:decide", args=[run.pk]), {"decision": "decline", "reason": hostile}
    )
    assert response.status_code == 302
    assert ScreeningDecision.objects.get().reason == hostile
    for url in (
        reverse("patients:chart", args=[ready_patient.pk]),
        reverse("screening:run", args=[run.pk]),
    ):
        body = client.get(url).content.decode()
        assert "<script>alert(1)</script>" not in body
        assert "&lt;script&gt;" in body


@pytest.mark.parametrize("who", ["nadia", "priya", "fran"])
def test_the_decision_form_refuses_other_roles(
    client_for: Callable[[User], Client],
    request: pytest.FixtureRequest,
    who: str,
    ready_patient: Patient,
    doctor: Actor,
) -> None:
    run = services.screening_run_create(actor=doctor, patient=ready_patient)
    user: User = request.getfixturevalue(who)
    response = client_for(user).post(
        reverse("screening:decide", args=[run.pk]), {"decision": "approve"}
    )
    assert response.status_code == 403
    assert not ScreeningDecision.objects.exists()


def test_another_clinics_run_is_not_found(
    client: Client, ready_patient: Patient, doctor: Actor, other_clinic: Clinic
) -> None:
    run = services.screening_run_create(actor=doctor, patient=ready_patient)
    stranger = make_member(other_clinic, "dr_lake", Role.PHYSICIAN)
    client.force_login(stranger, backend="django.contrib.auth.backends.ModelBackend")
    assert client.get(reverse("screening:run", args=[run.pk])).status_code == 404
    response = client.post(
        reverse("screening:decide", args=[run.pk]), {"decision": "approve", "reason": ""}
    )
    assert response.status_code == 404
    assert client.get(reverse("screening:patient", args=[ready_patient.pk])).status_code == 404
    assert AuditEvent.objects.filter(outcome="denied", username="dr_lake").count() == 3


def test_the_queue_makes_the_same_number_of_queries_for_1_or_12_runs(
    client_for: Callable[[User], Client],
    diaz: User,
    make_patient: Callable[..., Patient],
    baseline: Callable[[Patient], None],
    doctor: Actor,
    nurse: Actor,
) -> None:
    client = client_for(diaz)
    first = make_patient()
    baseline(first)
    assert services.screening_run_create(actor=doctor, patient=first).outcome == "clear"

    def queries() -> tuple[int, str]:
        with CaptureQueriesContext(connection) as context:
            body = client.get(reverse("screening:queue")).content.decode()
        return len(context.captured_queries), body

    one, body = queries()
    assert body.count('href="/screening/run/') == 1
    for n in range(11):
        p = make_patient(given_name=f"P{n}")
        patient_services.medication_add(actor=nurse, patient=p, name="Digoxin")
        services.screening_run_create(actor=doctor, patient=p)
    services.screening_run_create(actor=doctor, patient=first)  # supersedes the first run
    twelve, body = queries()
    assert twelve == one
    assert body.count('href="/screening/run/') == 12
    assert body.index(">Hard stop<") < body.index(first.mrn)  # hard stops first, clear last


def test_the_dashboard_shows_a_physician_their_queue_count(
    client_for: Callable[[User], Client], diaz: User, patient: Patient, doctor: Actor
) -> None:
    services.screening_run_create(actor=doctor, patient=patient)
    body = client_for(diaz).get(reverse("home:dashboard")).content.decode()
    assert "Screenings awaiting your decision" in body
    assert 'data-count="screening-queue">1<' in body


def test_the_medical_director_approves_the_knowledge_on_its_page(
    client_for: Callable[[User], Client], diaz: User
) -> None:
    client = client_for(diaz)
    page = client.get(reverse("screening:knowledge")).content.decode()
    assert "not yet approved" in page
    assert 'data-status="unverified"' in page and 'data-status="design"' in page
    refused = client.post(reverse("screening:knowledge_approve"), {"note": "ok"})
    assert refused.status_code == 400  # the confirmation box was not ticked
    assert not KnowledgeApproval.objects.exists()
    done = client.post(
        reverse("screening:knowledge_approve"), {"confirm": "on", "note": "Reviewed"}
    )
    assert done.status_code == 302
    assert (
        "Approved for Riverside by" in client.get(reverse("screening:knowledge")).content.decode()
    )


def test_a_physician_who_is_not_the_director_cannot_approve(client: Client, clinic: Clinic) -> None:
    okafor = make_member(clinic, "okafor", Role.PHYSICIAN)
    client.force_login(okafor, backend="django.contrib.auth.backends.ModelBackend")
    page = client.get(reverse("screening:knowledge")).content.decode()
    assert "Only the clinic's medical director can approve" in page
    response = client.post(reverse("screening:knowledge_approve"), {"confirm": "on"})
    assert response.status_code == 403
    assert not KnowledgeApproval.objects.exists()


def test_the_sources_page_lists_every_tag_with_an_anchor(
    client_for: Callable[[User], Client], nadia: User
) -> None:
    body = client_for(nadia).get(reverse("screening:sources")).content.decode()
    assert '<dt id="S14">[S14]</dt>' in body
    assert "Calcium Gluconate Injection" in body


def test_one_click_records_a_lab_request_for_the_missing_baseline_labs(
    client_for: Callable[[User], Client], nadia: User, patient: Patient, doctor: Actor
) -> None:
    services.screening_run_create(actor=doctor, patient=patient)
    client = client_for(nadia)
    chart = client.get(reverse("patients:chart", args=[patient.pk])).content.decode()
    assert "Request labs: Magnesium, serum; Calcium, total, serum; Potassium, serum; eGFR" in chart
    response = client.post(reverse("screening:request_labs", args=[patient.pk]))
    assert response.status_code == 302
    request = LabRequest.objects.get()
    assert request.analytes == ["magnesium", "calcium_total", "potassium", "egfr"]
    assert request.requested_by == nadia
    assert (
        "Lab request recorded"
        in client.get(reverse("patients:chart", args=[patient.pk])).content.decode()
    )
    assert AuditEvent.objects.filter(action="labs.request", patient_id=patient.pk).exists()


def test_a_lab_request_with_nothing_missing_is_refused(
    client_for: Callable[[User], Client], nadia: User, ready_patient: Patient, doctor: Actor
) -> None:
    services.screening_run_create(actor=doctor, patient=ready_patient)
    response = client_for(nadia).post(reverse("screening:request_labs", args=[ready_patient.pk]))
    assert response.status_code == 400
    assert "no missing results" in response.content.decode()
    assert not LabRequest.objects.exists()


def test_screen_now_makes_a_run(
    client_for: Callable[[User], Client], nadia: User, patient: Patient
) -> None:
    response = client_for(nadia).post(reverse("screening:run_now", args=[patient.pk]))
    assert response.status_code == 302
    assert ScreeningRun.objects.get().trigger == "manual"
