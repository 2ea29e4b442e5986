"""Objects of a patient's clinic for the role × page matrix (tests/core/test_access_matrix.py):
a signed consent, a charge, a payment, a referral and a directory entry of the clinic. Made
directly (the matrix checks who may open a page, not the workflows, which have their tests)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

from django.utils import timezone
from tests.billing.helpers import signature_data_url

from ivmt.accounts.models import Membership
from ivmt.billing.models import Charge, DocumentTemplate, Payment, SignedDocument
from ivmt.billing.signature import signature_png
from ivmt.patients.models import Patient
from ivmt.referrals.models import DirectoryEntry, Referral


def _document(patient: Patient, membership: Membership) -> int:
    template, _ = DocumentTemplate.objects.get_or_create(
        clinic_id=patient.clinic_id,
        kind="consent",
        version=1,
        defaults={
            "title": "Consent",
            "body": "Matrix consent wording, long enough to be one.",
            "body_sha256": "0" * 64,
            "published_by": membership.user,
            "published_at": timezone.now(),
        },
    )
    return SignedDocument.objects.create(
        clinic_id=patient.clinic_id,
        patient=patient,
        template=template,
        kind="consent",
        template_version=1,
        signer_name=patient.full_name,
        signature_png=signature_png(signature_data_url()),
        signature_sha256="0" * 64,
        signed_at=timezone.now(),
        witnessed_by=membership.user,
    ).pk


def _charge(patient: Patient, membership: Membership) -> int:
    return Charge.objects.create(
        clinic_id=patient.clinic_id,
        patient=patient,
        kind="other",
        description="Matrix charge",
        amount=Decimal("10.00"),
        list_amount=Decimal("10.00"),
        service_date=date(2026, 11, 2),
        created_by=membership.user,
        created_at=timezone.now(),
    ).pk


def _payment(patient: Patient, membership: Membership) -> int:
    return Payment.objects.create(
        clinic_id=patient.clinic_id,
        patient=patient,
        method="cash",
        amount=Decimal("10.00"),
        received_on=date(2026, 11, 2),
        received_by=membership.user,
        created_at=timezone.now(),
    ).pk


def _entry(patient: Patient, membership: Membership) -> int:
    return DirectoryEntry.objects.get_or_create(
        clinic_id=patient.clinic_id,
        name="Matrix Nutrition",
        defaults={"kind": "nutritionist", "city": "Springfield", "updated_by": membership.user},
    )[0].pk


def _referral(patient: Patient, membership: Membership) -> int:
    now = timezone.now()
    return Referral.objects.create(
        clinic_id=patient.clinic_id,
        patient=patient,
        nutritionist_id=_entry(patient, membership),
        created_by=membership.user,
        created_at=now,
        status_changed_at=now,
    ).pk


BILLING_AND_REFERRAL_IDS: dict[str, Callable[[Patient, Membership], int]] = {
    "document_id": _document,
    "charge_id": _charge,
    "payment_id": _payment,
    "referral_id": _referral,
    "entry_id": _entry,
}
