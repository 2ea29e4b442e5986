"""A bag's life: prepared (with its lots) → verified by another pharmacist → dispensed →
administered at the chair, or wasted with a reason.

Hard limits that no role can pass (RELIABILITY.md, "Clinical limits"):

* the pharmacist who prepared a bag cannot verify it (also a database constraint), and every
  signature is the signed-in person's: no service takes a "verified by" argument;
* no lot that is expired, quarantined or expires before the bag's beyond-use time;
* no verification, dispensing or administration once the beyond-use time has passed, nor for a
  course that was stopped; no bag given to a patient it is not labelled for.

Stock is decremented exactly (Decimal mL; single-use containers whole) under row locks on the
lots, taken in ascending id after the dose and the record (see the package docstring), so two
pharmacists drawing the last vial cannot both have it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from ivmt.clinical.beyond_use import BeyondUse, beyond_use
from ivmt.clinical.errors import ClinicalError
from ivmt.clinical.ingredients import ingredient as ingredient_by_id
from ivmt.clinical.osmolarity import SALINE
from ivmt.core.access import Actor
from ivmt.core.audit import audit_record
from ivmt.orders.errors import AuditedRefusal, audited_refusals
from ivmt.orders.models import CourseOrder, PlannedDose
from ivmt.orders.planning import infusion_plan, order_input
from ivmt.pharmacy.allocation import AllocationError, Draw, LotState, allocate
from ivmt.pharmacy.gs1 import ScanError, read_lot
from ivmt.pharmacy.models import CompoundingLine, CompoundingRecord, LotDraw, StockLot
from ivmt.pharmacy.services.stock import pharmacy_settings_for

# A preparation start may be stamped a little ahead of the server clock by a wall clock.
CLOCK_SKEW = timedelta(minutes=5)
LOT_FIELD = "lot__"


def _audit(actor: Actor, action: str, record: CompoundingRecord, detail: str = "") -> None:
    audit_record(
        user=actor.user,
        clinic_id=actor.clinic.pk,
        action=action,
        patient_id=record.patient_id,
        object_type="compoundingrecord",
        object_id=record.pk,
        ip=actor.ip,
        detail=detail,
    )


@dataclass(frozen=True)
class Need:
    """One component to draw: ``volume_ml`` of ``ingredient_id``."""

    ingredient_id: str
    name: str
    volume_ml: Decimal


def needs_of(order: CourseOrder) -> list[Need]:
    """What a bag of ``order`` draws from stock: each component over 0 mL, then the saline bag
    the mixture is added to (a piggy-back line is hung from ward stock, not compounded)."""
    plan = infusion_plan(order_input(order), order.osmolarity_limit_id or None)
    needs = [Need(ln.ingredient.id, ln.ingredient.name, ln.volume_ml) for ln in plan.bag.lines]
    if plan.carrier is not None:
        needs.append(Need(SALINE, plan.carrier.diluent.name, plan.carrier.diluent_ml))
    return needs


def lot_state(lot: StockLot, zone: tzinfo) -> LotState:
    return LotState(
        lot_id=lot.pk,
        lot_number=lot.lot_number,
        unit_volume_ml=lot.unit_volume_ml,
        single_use=lot.single_use,
        on_hand_ml=lot.on_hand_ml,
        usable_until=lot.usable_until(zone),
        quarantined=lot.quarantined,
        expiry_text=f"expiry {lot.expiry_date:%Y-%m-%d}",
    )


def resolve_lot(actor: Actor, ingredient_id: str, raw: str) -> StockLot:
    """The stock lot a typed or scanned reference names, for this ingredient; refuses a lot of
    another ingredient (the wrong vial), an unknown lot, or a scanned expiry that differs."""
    try:
        label = read_lot(raw)
    except ScanError as error:
        raise AllocationError(str(error)) from error
    name = ingredient_by_id(ingredient_id).name
    lot = StockLot.objects.filter(
        clinic=actor.clinic, ingredient_id=ingredient_id, lot_number=label.lot
    ).first()
    if lot is None:
        other = (
            StockLot.objects.filter(clinic=actor.clinic, lot_number=label.lot)
            .exclude(ingredient_id=ingredient_id)
            .first()
        )
        if other is not None:
            raise AllocationError(
                f"Lot {label.lot} is {ingredient_by_id(other.ingredient_id).name}, not {name}: "
                "check the vial."
            )
        raise AllocationError(
            f"Lot {label.lot} of {name} is not in stock: receive it first, or check the number."
        )
    if label.expiry is not None and label.expiry != lot.expiry_date:
        raise AllocationError(
            f"The scanned expiry of lot {label.lot} ({label.expiry:%Y-%m-%d}) differs from the "
            f"received record ({lot.expiry_date:%Y-%m-%d}): check the vial and the receipt."
        )
    return lot


def _fefo_ids(actor: Actor, ingredient_id: str) -> list[int]:
    return list(
        StockLot.objects.filter(
            clinic=actor.clinic, ingredient_id=ingredient_id, quarantined=False, on_hand_ml__gt=0
        )
        .order_by("expiry_date", "received_at", "id")
        .values_list("pk", flat=True)
    )


def plan_draws(
    actor: Actor,
    needs: Sequence[Need],
    lot_choices: Mapping[str, Sequence[str]],
    bud: BeyondUse,
    *,
    lock: bool,
) -> dict[str, list[Draw]]:
    """Draws per ingredient; raises ValidationError keyed ``lot__<ingredient>`` per problem.

    With ``lock`` the lots are locked (ascending id) and read fresh inside the caller's
    transaction; without it (the form's preview) they are read as they are.
    """
    errors: dict[str, str] = {}
    order_of: dict[str, list[int]] = {}
    explicit: dict[str, bool] = {}
    for need in needs:
        refs = [r for r in lot_choices.get(need.ingredient_id, ()) if r.strip()]
        explicit[need.ingredient_id] = bool(refs)
        try:
            order_of[need.ingredient_id] = (
                [resolve_lot(actor, need.ingredient_id, r).pk for r in refs]
                if refs
                else _fefo_ids(actor, need.ingredient_id)
            )
        except AllocationError as error:
            errors[LOT_FIELD + need.ingredient_id] = str(error)
    if errors:
        raise ValidationError(errors)
    ids = sorted({pk for pks in order_of.values() for pk in pks})
    lots = StockLot.objects.filter(pk__in=ids).order_by("pk")
    fresh = {lot.pk: lot for lot in (lots.select_for_update() if lock else lots)}
    zone = actor.clinic.zone
    draws: dict[str, list[Draw]] = {}
    for need in needs:
        states = [lot_state(fresh[pk], zone) for pk in order_of[need.ingredient_id]]
        try:
            draws[need.ingredient_id] = allocate(
                what=need.name,
                needed_ml=need.volume_ml,
                lots=states,
                prep_started_at=bud.prepared_at,
                beyond_use_at=bud.beyond_use_at,
                explicit=explicit[need.ingredient_id],
            )
        except AllocationError as error:
            errors[LOT_FIELD + need.ingredient_id] = str(error)
    if errors:
        raise ValidationError(errors)
    return draws


def bag_beyond_use(actor: Actor, prep_started_at: datetime) -> BeyondUse:
    """The beyond-use moment under the clinic's category and storage (clinical core)."""
    chosen = pharmacy_settings_for(actor.clinic.pk)
    try:
        return beyond_use(prep_started_at, chosen.category, chosen.storage)
    except ClinicalError as error:
        raise ValidationError({"prep_started_at": str(error)}) from error


def _check_start(actor: Actor, prep_started_at: datetime) -> BeyondUse:
    if timezone.is_naive(prep_started_at):
        raise ValidationError({"prep_started_at": "The preparation start needs a time zone."})
    now = timezone.now()
    if prep_started_at > now + CLOCK_SKEW:
        raise ValidationError({"prep_started_at": "The preparation start is in the future."})
    bud = bag_beyond_use(actor, prep_started_at)
    if bud.expired(now):
        raise ValidationError(
            {
                "prep_started_at": "A bag started then is already past its beyond-use time "
                f"({bud.beyond_use_at.astimezone(actor.clinic.zone):%Y-%m-%d %H:%M}); "
                "it cannot be recorded as usable."
            }
        )
    return bud


def compounding_prepare(
    *,
    actor: Actor,
    dose_id: int,
    prep_started_at: datetime,
    lot_choices: Mapping[str, Sequence[str]] | None = None,
) -> CompoundingRecord:
    """Record the bag made for one planned dose, drawing its lots from stock.

    ``lot_choices`` maps an ingredient id to the lots typed or scanned for it; an ingredient
    not listed is drawn first-expiring first. Raises ValidationError (keyed by form field when
    it concerns one) and changes nothing on any refusal.
    """
    actor.require("pharmacy.compound")
    bud = _check_start(actor, prep_started_at)
    with transaction.atomic():
        dose = (
            PlannedDose.objects.select_for_update().filter(clinic=actor.clinic, pk=dose_id).first()
        )
        if dose is None:
            raise PermissionDenied("That dose is not in your clinic.")
        order = CourseOrder.objects.prefetch_related("lines").get(pk=dose.order_id)
        if order.status != CourseOrder.Status.SIGNED or dose.status != PlannedDose.Status.PLANNED:
            raise ValidationError(
                f"Dose {dose.number} cannot be prepared: the order is "
                f"{order.get_status_display().lower()} and the dose is "
                f"{dose.get_status_display().lower()}."
            )
        live = CompoundingRecord.objects.filter(dose=dose).exclude(status="wasted").first()
        if live is not None:
            raise ValidationError(
                f"Dose {dose.number} already has bag {live.bag_code} "
                f"({live.get_status_display().lower()}); waste it first to make another."
            )
        try:
            needs = needs_of(order)
        except ClinicalError as error:
            raise ValidationError(f"The order can no longer be calculated: {error}") from error
        draws = plan_draws(actor, needs, lot_choices or {}, bud, lock=True)
        plan_volume = sum((n.volume_ml for n in needs), Decimal(0))
        now = timezone.now()
        try:
            with transaction.atomic():
                record = CompoundingRecord.objects.create(
                    clinic=actor.clinic,
                    dose=dose,
                    order=order,
                    patient_id=dose.patient_id,
                    prep_started_at=prep_started_at,
                    beyond_use_at=bud.beyond_use_at,
                    bud_category=bud.rule.category,
                    bud_storage=bud.rule.storage,
                    bud_rule_id=bud.rule.id,
                    bud_status=bud.status,
                    knowledge_version=order.knowledge_version,
                    total_volume_ml=plan_volume,
                    prepared_by=actor.user,
                    prepared_at=now,
                )
        except IntegrityError:
            raise ValidationError(
                f"Dose {dose.number} was prepared by someone else at the same moment."
            ) from None
        lots = {
            lot.pk: lot
            for lot in StockLot.objects.filter(
                pk__in={d.lot_id for ds in draws.values() for d in ds}
            )
        }
        for position, need in enumerate(needs, start=1):
            line = CompoundingLine.objects.create(
                clinic=actor.clinic,
                record=record,
                position=position,
                ingredient_id=need.ingredient_id,
                volume_ml=need.volume_ml,
            )
            for draw in draws[need.ingredient_id]:
                lot = lots[draw.lot_id]
                lot.on_hand_ml -= draw.taken_ml
                lot.save(update_fields=["on_hand_ml"])
                LotDraw.objects.create(
                    clinic=actor.clinic,
                    line=line,
                    lot=lot,
                    used_ml=draw.used_ml,
                    taken_ml=draw.taken_ml,
                    units_opened=draw.units_opened,
                )
        _audit(actor, "bag.prepare", record, f"dose {dose.number}")
    return record


def _locked(actor: Actor, record_id: int) -> CompoundingRecord:
    record = (
        CompoundingRecord.objects.select_for_update()
        .filter(clinic=actor.clinic, pk=record_id)
        .first()
    )
    if record is None:
        raise PermissionDenied("That bag is not in your clinic.")
    return record


def _refusal(record: CompoundingRecord, message: str, action: str, detail: str) -> AuditedRefusal:
    return AuditedRefusal(
        message,
        action=action,
        detail=detail,
        patient_id=record.patient_id,
        object_type="compoundingrecord",
        object_id=record.pk,
    )


def _move(record: CompoundingRecord, to: str) -> None:
    if not record.may_move_to(to):
        raise ValidationError(
            f"Bag {record.bag_code} is {record.get_status_display().lower()}; it cannot be "
            f"marked {CompoundingRecord.Status(to).label.lower()} now."
        )


def _usable(actor: Actor, record: CompoundingRecord, *, allow_superseded: bool = False) -> None:
    """Refuse a bag past its beyond-use time or of a course that no longer applies."""
    if timezone.now() >= record.beyond_use_at:
        raise _refusal(
            record,
            f"Bag {record.bag_code} passed its beyond-use time "
            f"({record.beyond_use_at.astimezone(actor.clinic.zone):%Y-%m-%d %H:%M}); "
            "it must be wasted.",
            "bag.use",
            "past beyond-use time",
        )
    status = CourseOrder.objects.filter(pk=record.order_id).values_list("status", flat=True)[0]
    allowed = [CourseOrder.Status.SIGNED] + (
        [CourseOrder.Status.SUPERSEDED] if allow_superseded else []
    )
    if status not in allowed:
        raise ValidationError(
            f"The course this bag was made for is {CourseOrder.Status(status).label.lower()}; "
            "the bag must not be given. Waste it (reason: order changed or stopped)."
        )


def compounding_verify(*, actor: Actor, record_id: int) -> CompoundingRecord:
    """The second pharmacist's check. The preparer is refused, whoever they claim to be."""
    actor.require("pharmacy.compound")
    with audited_refusals(actor), transaction.atomic():
        record = _locked(actor, record_id)
        _move(record, CompoundingRecord.Status.VERIFIED)
        if record.prepared_by_id == actor.user.pk:
            raise _refusal(
                record,
                "You prepared this bag, so you cannot verify it: a different pharmacist must.",
                "bag.verify",
                "same person as preparer",
            )
        _usable(actor, record)
        record.status = CompoundingRecord.Status.VERIFIED
        record.verified_by = actor.user
        record.verified_at = timezone.now()
        record.save(update_fields=["status", "verified_by", "verified_at"])
        _audit(actor, "bag.verify", record)
    return record


def compounding_dispense(*, actor: Actor, record_id: int) -> CompoundingRecord:
    actor.require("pharmacy.compound")
    with audited_refusals(actor), transaction.atomic():
        record = _locked(actor, record_id)
        _move(record, CompoundingRecord.Status.DISPENSED)
        _usable(actor, record)
        record.status = CompoundingRecord.Status.DISPENSED
        record.dispensed_by = actor.user
        record.dispensed_at = timezone.now()
        record.save(update_fields=["status", "dispensed_by", "dispensed_at"])
        _audit(actor, "bag.dispense", record)
    return record


def compounding_administer(
    *, actor: Actor, patient_id: int, scanned_code: str
) -> CompoundingRecord:
    """At the chair: the scanned bag must be labelled for this patient and dispensed."""
    actor.require("pharmacy.administer", patient_id=patient_id)
    code = scanned_code.strip().upper()
    with audited_refusals(actor), transaction.atomic():
        record = (
            CompoundingRecord.objects.select_for_update()
            .filter(clinic=actor.clinic, bag_code=code)
            .first()
        )
        if record is None:
            raise ValidationError({"bag_code": "No bag with this code in this clinic: scan again."})
        if record.patient_id != patient_id:
            raise AuditedRefusal(
                {"bag_code": "This bag is labelled for another patient. Do not give it."},
                action="bag.administer",
                detail="bag labelled for another patient",
                patient_id=patient_id,
                object_type="compoundingrecord",
                object_id=record.pk,
            )
        _move(record, CompoundingRecord.Status.ADMINISTERED)
        _usable(actor, record, allow_superseded=True)
        record.status = CompoundingRecord.Status.ADMINISTERED
        record.administered_by = actor.user
        record.administered_at = timezone.now()
        record.save(update_fields=["status", "administered_by", "administered_at"])
        _audit(actor, "bag.administer", record)
    return record


def compounding_waste(
    *, actor: Actor, record_id: int, reason: str, note: str = ""
) -> CompoundingRecord:
    """Waste a bag not yet given. Drawn stock is not returned (the vials were opened)."""
    actor.require("pharmacy.compound")
    if reason not in CompoundingRecord.WasteReason.values:
        raise ValidationError({"reason": "Choose why the bag is wasted."})
    note = note.strip()
    if reason == CompoundingRecord.WasteReason.OTHER and not note:
        raise ValidationError({"note": "Say why the bag is wasted."})
    with transaction.atomic():
        dose_id = (
            CompoundingRecord.objects.filter(clinic=actor.clinic, pk=record_id)
            .values_list("dose_id", flat=True)
            .first()
        )
        if dose_id is None:
            raise PermissionDenied("That bag is not in your clinic.")
        # Lock order: the dose, then the bag.
        dose = PlannedDose.objects.select_for_update().get(pk=dose_id)
        record = _locked(actor, record_id)
        _move(record, CompoundingRecord.Status.WASTED)
        record.status = CompoundingRecord.Status.WASTED
        record.wasted_by = actor.user
        record.wasted_at = timezone.now()
        record.waste_reason = reason
        record.waste_note = note[:200]
        record.save(
            update_fields=["status", "wasted_by", "wasted_at", "waste_reason", "waste_note"]
        )
        order_status = CourseOrder.objects.filter(pk=record.order_id).values_list(
            "status", flat=True
        )[0]
        if order_status != CourseOrder.Status.SIGNED:
            # The course was replaced or stopped: nobody can make this dose again.
            dose.status = PlannedDose.Status.CANCELLED
            dose.save(update_fields=["status"])
        _audit(actor, "bag.waste", record, reason)
    return record
