"""How the access matrix fills each URL parameter: an object of the user's own clinic.

A new page whose URL takes a new kind of id adds one entry here (the matrix test fails with a
KeyError until it does).
"""

from __future__ import annotations

from collections.abc import Callable

from tests.billing.matrix_ids import BILLING_AND_REFERRAL_IDS
from tests.infusions.matrix_ids import INFUSION_IDS
from tests.pharmacy.matrix_ids import ORDER_AND_PHARMACY_IDS
from tests.scheduling.matrix_ids import SCHEDULING_IDS

from ivmt.accounts.models import Membership
from ivmt.core.access import Actor
from ivmt.core.roles import Role
from ivmt.patients.models import Patient
from ivmt.scheduling.models import Chair
from ivmt.screening.services import _make_run


def _chair(patient: Patient, membership: Membership) -> int:
    return Chair.objects.get_or_create(clinic_id=patient.clinic_id, name="Matrix chair")[0].pk


def _review_point(patient: Patient, membership: Membership) -> int:
    from tests.pharmacy.matrix_ids import _order

    from ivmt.orders.models import PlannedReview

    order = _order(patient, membership)
    return PlannedReview.objects.get_or_create(
        clinic_id=patient.clinic_id,
        order=order,
        review_id="end_of_treatment_assessment",
        defaults={
            "name": "Assessment one week after the last infusion",
            "nominal_date": order.start_date,
            "date": order.start_date,
        },
    )[0].pk


def _questionnaire_response(patient: Patient, membership: Membership) -> int:
    from ivmt.outcomes.models import QuestionnaireResponse

    return QuestionnaireResponse.objects.get_or_create(
        clinic_id=patient.clinic_id,
        patient=patient,
        instrument_id="pain_nrs",
        timepoint="baseline",
        defaults={
            "instrument_version": 1,
            "answered_on": patient.date_of_birth,
            "answers": {"pain_average": 5},
            "score": 5,
            "knowledge_version": "matrix",
            "recorded_by": patient.created_by,
        },
    )[0].pk


def _screening_run(patient: Patient, membership: Membership) -> int:
    # A real run of the patient's chart, made as the clinic's manager: the internal run maker
    # checks no role (the pages the matrix opens do).
    actor = Actor(user=membership.user, clinic=membership.clinic, role=Role(membership.role))
    return _make_run(actor=actor, patient=patient, trigger="manual").pk


URL_IDS: dict[str, Callable[[Patient, Membership], int]] = {
    "patient_id": lambda patient, membership: patient.pk,
    "membership_id": lambda patient, membership: membership.pk,
    "chair_id": _chair,
    **ORDER_AND_PHARMACY_IDS,  # order_id, dose_id, record_id, lot_id
    "run_id": _screening_run,
    "response_id": _questionnaire_response,
    "review_point_id": _review_point,
    # A licensed instrument (its wording page exists only for those).
    "instrument_id": lambda patient, membership: "fiqr",  # type: ignore[dict-item]
    **BILLING_AND_REFERRAL_IDS,  # document_id, charge_id, payment_id, referral_id, entry_id
    **SCHEDULING_IDS,  # appointment_id, shift_id, proposal_id
    **INFUSION_IDS,  # chart_id, event_id, advice_id
}
