"""Signing a course: the screening gate, the physician, the written reason for warnings, the
signature itself, and what a signed order becomes (immutable; doses and reviews planned)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from tests.conftest import PASSWORD, actor_for, make_member
from tests.orders.factories import approve_screening, draft, seed_input, sign
from tests.orders.test_order_form import form_data

from ivmt.accounts.models import Clinic, User
from ivmt.clinical.knowledge import knowledge_version
from ivmt.core.models import AuditEvent
from ivmt.core.roles import Role
from ivmt.orders import services
from ivmt.orders.models import CourseOrder, OrderSettings, PlannedDose
from ivmt.patients.models import Patient


def sign_form(order: CourseOrder, **changes: str) -> dict[str, str]:
    return {"version": str(order.version), "password": PASSWORD, "override_reason": "", **changes}


def test_signing_without_an_approved_screening_is_refused(
    client_for: Callable[[User], Client], diaz: User, clinic: Clinic, patient: Patient
) -> None:
    order = draft(actor_for(diaz, clinic), patient)
    response = client_for(diaz).post(reverse("orders:sign", args=[order.pk]), sign_form(order))
    assert response.status_code == 400
    assert "Signing needs an approved, current screening" in response.content.decode()
    order.refresh_from_db()
    assert order.status == "draft" and order.signed_by is None
    assert not PlannedDose.objects.exists()
    denied = AuditEvent.objects.filter(action="order.sign", outcome="denied").get()
    assert denied.patient_id == patient.pk


def test_a_signed_order_records_the_screening_and_plans_the_doses_and_reviews(
    client_for: Callable[[User], Client], diaz: User, clinic: Clinic, patient: Patient
) -> None:
    run_id = approve_screening(patient, physician=diaz, clinic=clinic)
    order = draft(actor_for(diaz, clinic), patient)
    response = client_for(diaz).post(reverse("orders:sign", args=[order.pk]), sign_form(order))
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == "signed" and order.signed_by == diaz
    assert order.screening_run_id == run_id
    assert order.screening_knowledge_version == knowledge_version()
    assert order.knowledge_version == knowledge_version()
    assert order.osmolarity_limit_id == "peripheral_900"
    doses = list(order.doses.order_by("number"))
    assert [d.number for d in doses] == list(range(1, 9))  # Yale: weekly x 8
    assert [d.date.isoformat() for d in doses[:2]] == ["2026-11-23", "2026-11-30"]
    assert [r.review_id for r in order.reviews.all()] == [
        "end_of_treatment_assessment",
        "follow_up_assessment",
    ]
    event = AuditEvent.objects.filter(action="order.sign", outcome="ok").get()
    assert event.patient_id == patient.pk and f"screening run {run_id}" in event.detail


def test_a_stop_warning_needs_a_written_reason_and_the_reason_stays_off_the_audit_trail(
    client_for: Callable[[User], Client], diaz: User, clinic: Clinic, patient: Patient
) -> None:
    approve_screening(patient, physician=diaz, clinic=clinic)
    # A 5-minute push of the seed recipe gives magnesium far above its label rate: a stop.
    order = draft(
        actor_for(diaz, clinic),
        patient,
        route_id="slow_push",
        duration_min=Decimal(5),
        into_saline_ml=None,
    )
    client = client_for(diaz)
    refused = client.post(reverse("orders:sign", args=[order.pk]), sign_form(order))
    assert refused.status_code == 400
    assert "rate_above_label_limit" in refused.content.decode()
    order.refresh_from_db()
    assert order.status == "draft"
    reason = "Patient tolerated 5-min pushes for years at her previous clinic"
    signed = client.post(
        reverse("orders:sign", args=[order.pk]), sign_form(order, override_reason=reason)
    )
    assert signed.status_code == 302
    order.refresh_from_db()
    assert order.status == "signed" and order.override_reason == reason
    assert any(w["severity"] == "stop" for w in order.warnings)
    event = AuditEvent.objects.filter(action="order.sign", outcome="ok").get()
    assert "rate_above_label_limit" in event.detail and "previous clinic" not in event.detail


def test_an_osmolarity_warning_also_needs_a_reason(
    diaz: User, clinic: Clinic, patient: Patient
) -> None:
    approve_screening(patient, physician=diaz, clinic=clinic)
    actor = actor_for(diaz, clinic)
    order = draft(actor, patient, into_saline_ml=None)  # 1367 mOsm/L undiluted
    with pytest.raises(ValidationError, match="osmolarity_above_limit"):
        sign(actor, order)
    assert sign(actor, order, reason="Central line in place (PICC)").status == "signed"


@pytest.mark.parametrize("user", ["nadia", "priya"])
def test_only_a_physician_signs(
    request: pytest.FixtureRequest,
    client_for: Callable[[User], Client],
    diaz: User,
    clinic: Clinic,
    patient: Patient,
    user: str,
) -> None:
    approve_screening(patient, physician=diaz, clinic=clinic)
    order = draft(actor_for(diaz, clinic), patient)
    person = request.getfixturevalue(user)
    response = client_for(person).post(reverse("orders:sign", args=[order.pk]), sign_form(order))
    assert response.status_code == 403
    order.refresh_from_db()
    assert order.status == "draft"
    with pytest.raises(PermissionDenied):
        sign(actor_for(person, clinic), order)


def test_a_wrong_password_signs_nothing_and_is_audited(
    client_for: Callable[[User], Client], diaz: User, clinic: Clinic, patient: Patient
) -> None:
    approve_screening(patient, physician=diaz, clinic=clinic)
    order = draft(actor_for(diaz, clinic), patient)
    response = client_for(diaz).post(
        reverse("orders:sign", args=[order.pk]), sign_form(order, password="not-my-password")
    )
    assert response.status_code == 400
    assert "That is not your password" in response.content.decode()
    order.refresh_from_db()
    assert order.status == "draft"
    assert AuditEvent.objects.filter(
        action="order.sign", outcome="denied", detail="signature password wrong"
    ).exists()


def test_a_draft_changed_after_it_was_read_cannot_be_signed_unseen(
    client_for: Callable[[User], Client], diaz: User, clinic: Clinic, patient: Patient
) -> None:
    approve_screening(patient, physician=diaz, clinic=clinic)
    actor = actor_for(diaz, clinic)
    order = draft(actor, patient)
    read_version = order.version
    services.course_order_update(
        actor=actor,
        order=order,
        expected_version=read_version,
        chosen=seed_input(duration_min=Decimal(60)),
    )
    stale = {"version": str(read_version), "password": PASSWORD, "override_reason": ""}
    response = client_for(diaz).post(reverse("orders:sign", args=[order.pk]), stale)
    assert response.status_code == 409
    assert "Someone changed this draft" in response.content.decode()
    order.refresh_from_db()
    assert order.status == "draft"


def test_two_edits_of_the_same_draft_version_the_second_gets_a_conflict(
    client_for: Callable[[User], Client], diaz: User, clinic: Clinic, patient: Patient
) -> None:
    order = draft(actor_for(diaz, clinic), patient)
    client = client_for(diaz)
    url = reverse("orders:edit", args=[order.pk])
    first = client.post(url, form_data(version=order.version, duration_min="50"))
    second = client.post(url, form_data(version=order.version, duration_min="55"))
    assert first.status_code == 302 and second.status_code == 409
    order.refresh_from_db()
    assert order.duration_min == Decimal(50) and order.version == 2


def test_a_signed_order_cannot_be_edited(
    client_for: Callable[[User], Client], diaz: User, clinic: Clinic, patient: Patient
) -> None:
    approve_screening(patient, physician=diaz, clinic=clinic)
    actor = actor_for(diaz, clinic)
    order = sign(actor, draft(actor, patient))
    client = client_for(diaz)
    response = client.post(
        reverse("orders:edit", args=[order.pk]), form_data(version=order.version, duration_min="30")
    )
    assert response.status_code == 409
    assert "A signed order cannot be edited" in response.content.decode()
    assert client.get(reverse("orders:edit", args=[order.pk])).status_code == 302
    with pytest.raises(ValidationError, match="can no longer be changed"):
        services.course_order_update(
            actor=actor,
            order=order,
            expected_version=order.version,
            chosen=seed_input(duration_min=Decimal(30)),
        )
    order.refresh_from_db()
    assert order.duration_min == Decimal(45) and order.status == "signed"
    discard = client.post(reverse("orders:discard", args=[order.pk]), {"version": order.version})
    assert discard.status_code == 400
    order.refresh_from_db()
    assert order.status == "signed"


def test_a_signed_course_blocks_a_second_one(diaz: User, clinic: Clinic, patient: Patient) -> None:
    approve_screening(patient, physician=diaz, clinic=clinic)
    actor = actor_for(diaz, clinic)
    sign(actor, draft(actor, patient))
    with pytest.raises(ValidationError, match="already has a signed course"):
        draft(actor, patient)


def test_stopping_a_course_cancels_its_future_doses(
    client_for: Callable[[User], Client], diaz: User, clinic: Clinic, patient: Patient
) -> None:
    approve_screening(patient, physician=diaz, clinic=clinic)
    actor = actor_for(diaz, clinic)
    order = sign(actor, draft(actor, patient))
    client = client_for(diaz)
    no_reason = client.post(reverse("orders:stop", args=[order.pk]), {"password": PASSWORD})
    assert no_reason.status_code == 400
    response = client.post(
        reverse("orders:stop", args=[order.pk]),
        {"password": PASSWORD, "reason": "Anaphylaxis after dose 1"},
    )
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == "stopped" and order.ended_by == diaz
    assert set(order.doses.values_list("status", flat=True)) == {"cancelled"}


def test_the_order_page_of_another_clinic_is_not_found_and_the_attempt_is_audited(
    client_for: Callable[[User], Client],
    diaz: User,
    clinic: Clinic,
    patient: Patient,
    lena: User,
) -> None:
    order = draft(actor_for(diaz, clinic), patient)
    response = client_for(lena).get(reverse("orders:detail", args=[order.pk]))
    assert response.status_code == 404
    assert AuditEvent.objects.filter(
        action="order.view", outcome="denied", object_id=str(order.pk)
    ).exists()


def test_the_order_page_shows_the_plan_and_is_audited(
    client_for: Callable[[User], Client], diaz: User, nadia: User, clinic: Clinic, patient: Patient
) -> None:
    order = draft(actor_for(diaz, clinic), patient)
    page = client_for(nadia).get(reverse("orders:detail", args=[order.pk])).content.decode()
    assert "594 mOsm/L" in page and "Awaiting a physician" in page
    assert "Sign course order" not in page  # a nurse cannot sign
    assert AuditEvent.objects.filter(action="order.view", patient_id=patient.pk).exists()


def test_the_medical_director_chooses_the_osmolarity_limit(
    client_for: Callable[[User], Client],
    diaz: User,
    clinic: Clinic,
    morgan: User,
) -> None:
    okafor = make_member(clinic, "okafor", Role.PHYSICIAN)
    url = reverse("orders:settings")
    assert (
        client_for(okafor)
        .post(url, {"osmolarity_limit_id": "peripheral_600", "version": 1})
        .status_code
        == 403
    )
    assert client_for(morgan).get(url).status_code == 403
    assert (
        client_for(diaz)
        .post(url, {"osmolarity_limit_id": "peripheral_42", "version": 1})
        .status_code
        == 400
    )
    assert (
        client_for(diaz)
        .post(url, {"osmolarity_limit_id": "peripheral_600", "version": 1})
        .status_code
        == 302
    )
    assert OrderSettings.objects.get(clinic=clinic).osmolarity_limit_id == "peripheral_600"
    stale = client_for(diaz).post(url, {"osmolarity_limit_id": "peripheral_900", "version": 1})
    assert stale.status_code == 409


def test_the_physicians_dashboard_lists_their_unsigned_drafts(
    client_for: Callable[[User], Client], diaz: User, clinic: Clinic, patient: Patient
) -> None:
    draft(actor_for(diaz, clinic), patient)
    page = client_for(diaz).get(reverse("home:dashboard")).content.decode()
    assert "Your unsigned course-order drafts" in page and patient.full_name in page
