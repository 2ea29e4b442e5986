"""Receiving and quarantining stock lots; the clinic's pharmacy settings.

A lot received again (a second delivery of the same lot number) tops up the existing lot when
its expiry, container size and unit cost match, and is refused otherwise: one lot number with
two expiries or two prices is a data-entry error to resolve, not to average away.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from ivmt.clinical.beyond_use import beyond_use_rule
from ivmt.clinical.errors import BeyondUseError, ClinicalError
from ivmt.clinical.ingredients import ingredient as ingredient_by_id
from ivmt.core.access import Actor
from ivmt.core.audit import audit_record
from ivmt.orders.planning import clinic_today
from ivmt.patients.errors import EditConflict
from ivmt.pharmacy.models import PharmacySettings, StockLot

MAX_UNITS = 10000
MAX_UNIT_COST = Decimal(100000)


def _audit(actor: Actor, action: str, lot: StockLot, detail: str = "") -> None:
    audit_record(
        user=actor.user,
        clinic_id=actor.clinic.pk,
        action=action,
        object_type="stocklot",
        object_id=lot.pk,
        ip=actor.ip,
        detail=detail,
    )


def clean_lot_number(raw: str) -> str:
    lot = raw.strip()
    if not lot:
        raise ValidationError({"lot_number": "Give the lot number printed on the vial."})
    if len(lot) > 40 or any(not ch.isprintable() for ch in lot):
        raise ValidationError(
            {"lot_number": "A lot number is at most 40 printable characters, as on the vial."}
        )
    return lot


def lot_receive(
    *,
    actor: Actor,
    ingredient_id: str,
    lot_number: str,
    expiry_date: date,
    units: int,
    unit_cost: Decimal,
    unit_volume_ml: Decimal | None = None,
    supplier: str = "",
) -> StockLot:
    """Receive ``units`` containers of one lot into stock (or top up the same lot)."""
    actor.require("pharmacy.stock_receive")
    try:
        product = ingredient_by_id(ingredient_id)
    except ClinicalError as error:
        raise ValidationError({"ingredient_id": str(error)}) from error
    lot_number = clean_lot_number(lot_number)
    if expiry_date < clinic_today(actor.clinic):
        raise ValidationError(
            {"expiry_date": f"Lot {lot_number} expired on {expiry_date:%Y-%m-%d}; refused."}
        )
    if not 1 <= units <= MAX_UNITS:
        raise ValidationError({"units": f"Receive 1 to {MAX_UNITS} containers at a time."})
    if not Decimal(0) <= unit_cost <= MAX_UNIT_COST:
        raise ValidationError({"unit_cost": "The cost per container must be 0 or more."})
    volume = unit_volume_ml if unit_volume_ml is not None else product.vial_volume_ml
    if not Decimal(0) < volume <= Decimal(1000):
        raise ValidationError(
            {"unit_volume_ml": "A container holds more than 0 and at most 1000 mL."}
        )
    with transaction.atomic():
        existing = (
            StockLot.objects.select_for_update()
            .filter(clinic=actor.clinic, ingredient_id=product.id, lot_number=lot_number)
            .first()
        )
        if existing is not None:
            mismatch = [
                what
                for what, same in (
                    ("expiry", existing.expiry_date == expiry_date),
                    ("container size", existing.unit_volume_ml == volume),
                    ("unit cost", existing.unit_cost == unit_cost),
                )
                if not same
            ]
            if mismatch:
                raise ValidationError(
                    f"Lot {lot_number} of {product.name} is already in stock with a different "
                    f"{' and '.join(mismatch)}; check the vial, or correct the earlier receipt."
                )
            existing.units_received += units
            existing.on_hand_ml += units * volume
            existing.save(update_fields=["units_received", "on_hand_ml"])
            _audit(actor, "stock.receive", existing, f"topped up {units} units")
            return existing
        try:
            with transaction.atomic():
                lot = StockLot.objects.create(
                    clinic=actor.clinic,
                    ingredient_id=product.id,
                    lot_number=lot_number,
                    expiry_date=expiry_date,
                    unit_volume_ml=volume,
                    single_use=product.single_dose,
                    units_received=units,
                    unit_cost=unit_cost,
                    on_hand_ml=units * volume,
                    supplier=supplier.strip()[:120],
                    received_by=actor.user,
                )
        except IntegrityError:
            raise ValidationError(
                f"Lot {lot_number} was received by someone else at the same moment; reload."
            ) from None
        _audit(actor, "stock.receive", lot, f"{units} units")
    return lot


def lot_quarantine(*, actor: Actor, lot_id: int, reason: str) -> StockLot:
    """Stop a lot from being drawn (a recall, damage); bags already made are not changed."""
    actor.require("pharmacy.stock_receive")
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "Say why the lot is quarantined."})
    with transaction.atomic():
        lot = StockLot.objects.select_for_update().filter(clinic=actor.clinic, pk=lot_id).first()
        if lot is None:
            raise ValidationError("That lot is not in this clinic's stock.")
        if lot.quarantined:
            raise ValidationError(f"Lot {lot.lot_number} is already quarantined.")
        lot.quarantined = True
        lot.quarantine_reason = reason[:200]
        lot.save(update_fields=["quarantined", "quarantine_reason"])
        _audit(actor, "stock.quarantine", lot)
    return lot


def pharmacy_settings_for(clinic_id: int) -> PharmacySettings:
    """The clinic's settings, or the defaults (unsaved) until someone saves them."""
    found = PharmacySettings.objects.filter(clinic_id=clinic_id).first()
    return found or PharmacySettings(clinic_id=clinic_id)


def pharmacy_settings_update(
    *,
    actor: Actor,
    expected_version: int,
    category: str,
    storage: str,
    expiring_soon_days: int,
    low_stock_horizon_days: int,
) -> PharmacySettings:
    actor.require("pharmacy.configure")
    if category not in PharmacySettings.Category.values:
        raise ValidationError({"category": "Choose a compounding category from the list."})
    if storage not in PharmacySettings.Storage.values:
        raise ValidationError({"storage": "Choose a storage from the list."})
    try:
        beyond_use_rule(category, storage)
    except BeyondUseError as error:
        raise ValidationError({"storage": str(error)}) from error
    with transaction.atomic():
        current, _ = PharmacySettings.objects.select_for_update().get_or_create(clinic=actor.clinic)
        if current.version != expected_version:
            raise EditConflict(
                "Someone changed the pharmacy settings after you opened them. Nothing was "
                "saved: reload and choose again."
            )
        current.category = category
        current.storage = storage
        current.expiring_soon_days = expiring_soon_days
        current.low_stock_horizon_days = low_stock_horizon_days
        current.updated_by = actor.user
        current.version += 1
        current.save()
        audit_record(
            user=actor.user,
            clinic_id=actor.clinic.pk,
            action="pharmacy.configure",
            object_type="pharmacysettings",
            object_id=current.pk,
            ip=actor.ip,
            detail=f"{category}/{storage}",
        )
    return current
