"""Payments, packages, the price list and the clinic's billing identity.

A card is never typed in full: the reference is the terminal's receipt or authorisation number,
or the last four digits, and anything that looks like a whole card number (12-19 digits) is
refused before it reaches the database. Insurance payments name the payer or claim.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from ivmt.accounts.models import Membership
from ivmt.billing.errors import BillingConflict, BillingError
from ivmt.billing.models import (
    BillingSettings,
    Charge,
    Package,
    PatientPackage,
    Payment,
    ProviderNumber,
)
from ivmt.billing.services._common import audit, money, own
from ivmt.billing.text import clean_text
from ivmt.clinical import billing_codes
from ivmt.core.access import Actor
from ivmt.core.roles import Role
from ivmt.patients.models import Patient

_CARD_NUMBER = re.compile(r"\d{12,19}")
_NPI = re.compile(r"\d{10}")
_EIN = re.compile(r"\d{2}-\d{7}")
PRICE_FIELDS = (
    "compounding_fee",
    "infusion_fee",
    "additional_hour_fee",
    "push_fee",
    "office_visit_fee",
)
PRICE_LABELS = {
    "compounding_fee": "The compounding fee",
    "infusion_fee": "The infusion fee",
    "additional_hour_fee": "The additional-hour fee",
    "push_fee": "The IV push fee",
    "office_visit_fee": "The office visit fee",
}
SETTINGS_FIELDS = (
    *PRICE_FIELDS,
    "waiver_required",
    "billing_name",
    "npi",
    "tax_id",
    "place_of_service",
    "office_visit_code",
)


def npi_valid(npi: str) -> bool:
    """Ten digits whose Luhn check over the prefix 80840 holds (the CMS NPI check digit)."""
    if not _NPI.fullmatch(npi):
        return False
    digits = [int(d) for d in "80840" + npi]
    total = 0
    for index, digit in enumerate(reversed(digits)):
        if index % 2 == 1:
            digit *= 2
            digit = digit - 9 if digit > 9 else digit
        total += digit
    return total % 10 == 0


def _check_date(received_on: date, actor: Actor) -> None:
    today = timezone.localdate(timezone=actor.clinic.zone)
    if received_on > today:
        raise BillingError("A payment cannot be dated in the future.")
    if received_on < today - timedelta(days=366):
        raise BillingError("The payment date is more than a year ago: check the year.")


def payment_record(
    *,
    actor: Actor,
    patient: Patient,
    method: str,
    amount: object,
    reference: str,
    received_on: date,
) -> Payment:
    """Record money received. Raises BillingError for a bad amount, a missing reference for
    card or insurance, something that looks like a full card number, or a date out of range."""
    actor.require("billing.payment", patient_id=patient.pk)
    own(actor, patient.clinic_id)
    if method not in Payment.Method.values:
        raise BillingError("Choose cash, card or insurance.")
    value = money(amount, "The amount", allow_zero=False)
    reference = clean_text(reference, "The reference", max_length=60, required=False)
    if _CARD_NUMBER.search(re.sub(r"[\s-]", "", reference)):
        raise BillingError(
            "Never type a card number: record the terminal's receipt number or the last four "
            "digits."
        )
    if method == Payment.Method.CARD and not reference:
        raise BillingError(
            "A card payment needs the terminal's receipt number or last four digits."
        )
    if method == Payment.Method.INSURANCE and not reference:
        raise BillingError("An insurance payment needs the payer and claim number.")
    _check_date(received_on, actor)
    with transaction.atomic():
        locked = Patient.objects.select_for_update().get(pk=patient.pk)
        payment = Payment.objects.create(
            clinic=actor.clinic,
            patient=locked,
            method=method,
            amount=value,
            reference=reference,
            received_on=received_on,
            received_by=actor.user,
            created_at=timezone.now(),
        )
        audit(
            actor, "billing.payment", patient_id=locked.pk, obj=payment, detail=f"{method} {value}"
        )
    return payment


def payment_void(*, actor: Actor, payment_id: int, reason: str) -> Payment:
    actor.require("billing.payment")
    reason = clean_text(reason, "The reason", max_length=200)
    if len(reason) < 5:
        raise BillingError("Give the reason in a few words.")
    with transaction.atomic():
        payment = (
            Payment.objects.select_for_update().filter(clinic=actor.clinic, pk=payment_id).first()
        )
        if payment is None:
            raise BillingError("That payment is not one of this clinic's.")
        if payment.voided_at is not None:
            raise BillingError("This payment was already voided.")
        payment.voided_at = timezone.now()
        payment.voided_by = actor.user
        payment.void_reason = reason
        payment.save(update_fields=["voided_at", "voided_by", "void_reason"])
        audit(
            actor,
            "billing.payment_void",
            patient_id=payment.patient_id,
            obj=payment,
            detail=f"{payment.method} {payment.amount}",
        )
    return payment


def package_create(*, actor: Actor, name: str, infusions: int, price: object) -> Package:
    """Put a prepaid package on the price list (e.g. a loading series of 8 infusions)."""
    actor.require("billing.configure")
    name = clean_text(name, "The package name", max_length=80)
    if not isinstance(infusions, int) or not 1 <= infusions <= 52:
        raise BillingError("A package covers between 1 and 52 infusions.")
    value = money(price, "The price", allow_zero=False)
    with transaction.atomic():
        if Package.objects.filter(clinic=actor.clinic, name__iexact=name).exists():
            raise BillingError("A package with this name exists already.")
        package = Package.objects.create(
            clinic=actor.clinic, name=name, infusions=infusions, price=value
        )
        audit(
            actor,
            "billing.package_create",
            patient_id=None,
            obj=package,
            detail=f"{infusions} infusions {value}",
        )
    return package


def package_sell(
    *, actor: Actor, patient: Patient, package_id: int, service_date: date
) -> PatientPackage:
    """Sell a package: one charge of its price; the next infusions are charged against it."""
    actor.require("billing.charge", patient_id=patient.pk)
    own(actor, patient.clinic_id)
    _check_date(service_date, actor)
    with transaction.atomic():
        locked = Patient.objects.select_for_update().get(pk=patient.pk)
        package = Package.objects.filter(clinic=actor.clinic, pk=package_id, is_active=True).first()
        if package is None:
            raise BillingError("Choose a package from the clinic's price list.")
        sold = PatientPackage.objects.create(
            clinic=actor.clinic,
            patient=locked,
            package=package,
            infusions_total=package.infusions,
            sold_by=actor.user,
            sold_at=timezone.now(),
        )
        Charge.objects.create(
            clinic=actor.clinic,
            patient=locked,
            kind=Charge.Kind.PACKAGE,
            description=f"{package.name}: {package.infusions} infusions, prepaid",
            amount=package.price,
            list_amount=package.price,
            service_date=service_date,
            package_sold=sold,
            codes_version=billing_codes.billing_codes_version(),
            created_by=actor.user,
            created_at=timezone.now(),
        )
        audit(
            actor,
            "billing.package_sell",
            patient_id=locked.pk,
            obj=sold,
            detail=f"{package.infusions} infusions {package.price}",
        )
    return sold


def billing_settings_update(
    *, actor: Actor, expected_version: int, values: dict[str, Any]
) -> BillingSettings:
    """Save the price list, the billing identity and the waiver policy (the manager).

    Raises BillingConflict when someone saved since the form was read, BillingError for a bad
    amount, an NPI whose check digit fails, or a tax id not written NN-NNNNNNN.
    """
    actor.require("billing.configure")
    unknown = set(values) - set(SETTINGS_FIELDS)
    if unknown:
        raise BillingError(f"These fields cannot be changed here: {', '.join(sorted(unknown))}.")
    cleaned: dict[str, Any] = {}
    for field in PRICE_FIELDS:
        if field in values:
            cleaned[field] = money(values[field], PRICE_LABELS[field])
    if "waiver_required" in values:
        cleaned["waiver_required"] = bool(values["waiver_required"])
    if "billing_name" in values:
        cleaned["billing_name"] = clean_text(
            values["billing_name"], "The billing name", max_length=120, required=False
        )
    if "npi" in values:
        npi = str(values["npi"] or "").strip()
        if npi and not npi_valid(npi):
            raise BillingError("The NPI must be 10 digits with a valid check digit.")
        cleaned["npi"] = npi
    if "tax_id" in values:
        tax_id = str(values["tax_id"] or "").strip()
        if tax_id and not _EIN.fullmatch(tax_id):
            raise BillingError("Write the tax id (EIN) as NN-NNNNNNN.")
        cleaned["tax_id"] = tax_id
    if "place_of_service" in values:
        pos = str(values["place_of_service"] or "").strip()
        if not (len(pos) == 2 and pos.isdigit()):
            raise BillingError("The place of service is a two-digit code (11 = office).")
        cleaned["place_of_service"] = pos
    if "office_visit_code" in values:
        code = str(values["office_visit_code"] or "").strip().upper()
        if code and not (len(code) == 5 and code.isalnum()):
            raise BillingError("The office visit code has five letters or digits, e.g. 99213.")
        cleaned["office_visit_code"] = code
    with transaction.atomic():
        current, _ = BillingSettings.objects.select_for_update().get_or_create(clinic=actor.clinic)
        if current.version != expected_version:
            raise BillingConflict(
                "Someone else saved the billing settings after you opened the form. Nothing "
                "was saved: reload to see their changes."
            )
        changed = sorted(f for f, v in cleaned.items() if getattr(current, f) != v)
        for field in changed:
            setattr(current, field, cleaned[field])
        current.version += 1
        current.updated_by = actor.user
        current.save()
        audit(
            actor,
            "billing.settings",
            patient_id=None,
            obj=current,
            detail="fields: " + ", ".join(changed),
        )
    return current


def provider_npi_set(*, actor: Actor, user_id: int, npi: str) -> ProviderNumber:
    """Record a physician's individual NPI for the superbills of the services they order."""
    actor.require("billing.configure")
    npi = (npi or "").strip()
    if not npi_valid(npi):
        raise BillingError("The NPI must be 10 digits with a valid check digit.")
    membership = Membership.objects.filter(
        clinic=actor.clinic, user_id=user_id, role=Role.PHYSICIAN
    ).first()
    if membership is None:
        raise BillingError("Choose a physician of this clinic.")
    with transaction.atomic():
        number, _ = ProviderNumber.objects.update_or_create(
            clinic=actor.clinic, user_id=user_id, defaults={"npi": npi}
        )
        audit(actor, "billing.provider_npi", patient_id=None, obj=number)
    return number
