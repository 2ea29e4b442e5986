"""How the access matrix fills each URL parameter: an object of the user's own clinic.

A new page whose URL takes a new kind of id adds one entry here (the matrix test fails with a
KeyError until it does).
"""

from __future__ import annotations

from collections.abc import Callable

from tests.pharmacy.matrix_ids import ORDER_AND_PHARMACY_IDS

from ivmt.accounts.models import Membership
from ivmt.patients.models import Patient
from ivmt.scheduling.models import Chair


def _chair(patient: Patient, membership: Membership) -> int:
    return Chair.objects.get_or_create(clinic_id=patient.clinic_id, name="Matrix chair")[0].pk


URL_IDS: dict[str, Callable[[Patient, Membership], int]] = {
    "patient_id": lambda patient, membership: patient.pk,
    "membership_id": lambda patient, membership: membership.pk,
    "chair_id": _chair,
    **ORDER_AND_PHARMACY_IDS,  # order_id, dose_id, record_id, lot_id
}
