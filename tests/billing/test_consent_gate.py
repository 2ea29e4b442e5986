"""A new course cannot be signed until the patient has signed the current consent — and the
waiver, unless the clinic made it optional; a new version asks for re-signing."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from tests.billing.helpers import publish_standard, sign_consents
from tests.conftest import actor_for
from tests.orders.factories import draft, sign
from tests.screening.helpers import screen_and_approve

from ivmt.accounts.models import Clinic, User
from ivmt.billing import services
from ivmt.billing.documents import CONSENT_BODY, CONSENT_TITLE
from ivmt.billing.selectors import consent_gate, consents_to_sign
from ivmt.core.models import AuditEvent
from ivmt.orders.models import CourseOrder
from ivmt.patients.models import Patient


@pytest.fixture
def screened(patient: Patient, diaz: User, clinic: Clinic) -> Patient:
    screen_and_approve(patient, physician=diaz, director=diaz, clinic=clinic)
    return patient


def test_a_course_is_refused_without_signatures_and_the_refusal_is_audited(
    screened: Patient, diaz: User, clinic: Clinic
) -> None:
    publish_standard(clinic)
    actor = actor_for(diaz, clinic)
    order = draft(actor, screened)
    with pytest.raises(ValidationError, match="treatment consent is not signed"):
        sign(actor, order)
    order.refresh_from_db()
    assert order.status == CourseOrder.Status.DRAFT
    refusal = AuditEvent.objects.filter(action="order.sign", outcome="denied").get()
    assert refusal.detail == "consent missing: consent, waiver"


def test_a_clinic_that_published_nothing_cannot_start_a_course(
    screened: Patient, clinic: Clinic
) -> None:
    gate = consent_gate(patient=screened)
    assert not gate.allowed
    assert "has not published a treatment consent" in gate.reason


def test_the_consent_alone_is_not_enough_while_the_waiver_is_required(
    screened: Patient, diaz: User, clinic: Clinic
) -> None:
    sign_consents(screened, clinic=clinic, kinds=("consent",))
    gate = consent_gate(patient=screened)
    assert gate.missing == ("waiver",)
    with pytest.raises(ValidationError, match="waiver is not signed"):
        actor = actor_for(diaz, clinic)
        sign(actor, draft(actor, screened))


def test_the_clinic_can_make_the_waiver_optional(
    screened: Patient, diaz: User, clinic: Clinic, morgan: User
) -> None:
    sign_consents(screened, clinic=clinic, kinds=("consent",))
    services.billing_settings_update(
        actor=actor_for(morgan, clinic), expected_version=1, values={"waiver_required": False}
    )
    assert consent_gate(patient=screened).allowed
    actor = actor_for(diaz, clinic)
    assert sign(actor, draft(actor, screened)).status == CourseOrder.Status.SIGNED


def test_with_both_signed_the_course_is_signed(
    screened: Patient, diaz: User, clinic: Clinic
) -> None:
    sign_consents(screened, clinic=clinic)
    assert consent_gate(patient=screened) == consent_gate(patient=screened)
    assert consent_gate(patient=screened).allowed
    actor = actor_for(diaz, clinic)
    assert sign(actor, draft(actor, screened)).status == CourseOrder.Status.SIGNED


def test_a_new_version_asks_for_re_signing_before_a_new_course_and_at_the_next_visit(
    screened: Patient, diaz: User, clinic: Clinic, morgan: User, fran: User
) -> None:
    sign_consents(screened, clinic=clinic)
    actor = actor_for(diaz, clinic)
    running = sign(actor, draft(actor, screened))
    services.document_template_publish(
        actor=actor_for(morgan, clinic),
        kind="consent",
        title=CONSENT_TITLE,
        body=CONSENT_BODY + "\n\nPhotographs of the IV site may be taken for your chart.",
    )
    gate = consent_gate(patient=screened)
    assert not gate.allowed
    assert gate.missing == ("consent",)
    assert "signed in version 1; version 2 needs signing" in gate.reason
    # The running course has doses in the next two weeks: the front desk is asked to re-sign.
    waiting = consents_to_sign(actor=actor_for(fran, clinic))
    assert [(w.patient, w.problems) for w in waiting] == [
        (screened, ("treatment consent: re-sign version 2",))
    ]
    assert waiting[0].next_dose == running.doses.order_by("date").first().date  # type: ignore[union-attr]
    sign_consents(screened, clinic=clinic, kinds=("consent",))
    assert consent_gate(patient=screened).allowed
    assert consents_to_sign(actor=actor_for(fran, clinic)) == []


def test_a_withdrawn_consent_blocks_until_signed_again(
    screened: Patient, clinic: Clinic, fran: User
) -> None:
    sign_consents(screened, clinic=clinic)  # an earlier signature of the same version
    consent, _waiver = sign_consents(screened, clinic=clinic)
    services.document_withdraw(actor=actor_for(fran, clinic), document_id=consent.pk)
    gate = consent_gate(patient=screened)
    assert gate.missing == ("consent",)  # the earlier signature does not revive
    assert "The patient withdrew the treatment consent" in gate.reason
    sign_consents(screened, clinic=clinic, kinds=("consent",))
    assert consent_gate(patient=screened).allowed


def test_the_gate_runs_a_fixed_number_of_queries(
    screened: Patient, clinic: Clinic, django_assert_max_num_queries: object
) -> None:
    sign_consents(screened, clinic=clinic)
    with django_assert_max_num_queries(4):  # type: ignore[operator]
        assert consent_gate(patient=screened).allowed


def test_an_amendment_of_a_running_course_is_not_gated(
    screened: Patient, diaz: User, clinic: Clinic, morgan: User
) -> None:
    from tests.orders.factories import seed_input

    from ivmt.orders import services as order_services

    sign_consents(screened, clinic=clinic)
    actor = actor_for(diaz, clinic)
    running = sign(actor, draft(actor, screened))
    services.document_template_publish(
        actor=actor_for(morgan, clinic), kind="waiver", title="Waiver", body="x" * 60
    )
    change = order_services.course_order_amend(
        actor=actor, order=running, chosen=seed_input(), reason="Longer after flushing"
    )
    assert sign(actor, change).status == CourseOrder.Status.SIGNED
