"""What every billing service shares: the clinic check, audit rows, money parsing."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied

from ivmt.billing.errors import BillingError
from ivmt.billing.models import BillingSettings
from ivmt.core.access import Actor
from ivmt.core.audit import audit_record

CENT = Decimal("0.01")
# DESIGN: no single charge, package or payment of an outpatient infusion clinic reaches this;
# a larger figure is a typing error (an extra zero).
MAX_AMOUNT = Decimal("50000.00")


def own(actor: Actor, clinic_id: int) -> None:
    # Selectors already scope by clinic; this is the second lock for services called from
    # elsewhere (the infusion app, commands, later the API).
    if clinic_id != actor.clinic.pk:
        raise PermissionDenied("This record is not in your clinic.")


def audit(
    actor: Actor,
    action: str,
    *,
    patient_id: int | None,
    obj: Any = None,
    detail: str = "",
) -> None:
    audit_record(
        user=actor.user,
        clinic_id=actor.clinic.pk,
        action=action,
        patient_id=patient_id,
        object_type=type(obj).__name__.lower() if obj is not None else "",
        object_id=obj.pk if obj is not None else "",
        ip=actor.ip,
        detail=detail,
    )


def money(value: object, label: str, *, allow_zero: bool = True) -> Decimal:
    """``value`` as dollars and cents (Decimal, two places); raises BillingError otherwise."""
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise BillingError(f"{label}: enter an amount in dollars and cents, e.g. 45.00.") from None
    if not amount.is_finite():
        raise BillingError(f"{label}: enter an amount in dollars and cents, e.g. 45.00.")
    if amount != amount.quantize(CENT):
        raise BillingError(f"{label}: amounts have at most two decimal places (cents).")
    if amount < 0 or (amount == 0 and not allow_zero):
        raise BillingError(
            f"{label} must be more than 0.00." if not allow_zero else f"{label} cannot be negative."
        )
    if amount > MAX_AMOUNT:
        raise BillingError(f"{label} is more than {MAX_AMOUNT}: check the amount.")
    return amount.quantize(CENT)


def settings_for(clinic_id: int) -> BillingSettings:
    """The clinic's billing settings (defaults, unsaved, until the manager saves them)."""
    found = BillingSettings.objects.filter(clinic_id=clinic_id).first()
    return found or BillingSettings(clinic_id=clinic_id)
