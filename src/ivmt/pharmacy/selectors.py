"""Reads of the pharmacy: the just-in-time queue, one bag, stock, prices and recalls.

All scoped to the actor's clinic; anything else answers 404 with a denied audit row. List
pages run a fixed number of queries whatever the number of rows (tested).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from decimal import ROUND_CEILING, Decimal

from django.db.models import F, Prefetch, QuerySet, Sum
from django.http import Http404
from django.utils import timezone

from ivmt.clinical.beyond_use import beyond_use
from ivmt.clinical.compounding import compose_bag
from ivmt.clinical.cost import BagCost, PriceList, VialPrice, bag_cost
from ivmt.clinical.errors import ClinicalError, VolumeChoiceRequired
from ivmt.clinical.formulas import formulas
from ivmt.clinical.ingredients import Ingredient, ingredient, ingredients
from ivmt.core.access import Actor
from ivmt.core.audit import audit_record
from ivmt.core.models import AuditEvent
from ivmt.orders.models import CourseOrder, OrderLine, PlannedDose
from ivmt.orders.planning import clinic_today
from ivmt.patients.models import Patient
from ivmt.pharmacy.models import (
    CompoundingLine,
    CompoundingRecord,
    LotDraw,
    PharmacySettings,
    StockLot,
)
from ivmt.pharmacy.services.stock import pharmacy_settings_for

LIVE = ("prepared", "verified", "dispensed", "administered")


def _denied(actor: Actor, action: str, object_type: str, object_id: int) -> Http404:
    audit_record(
        user=actor.user,
        clinic_id=actor.clinic.pk,
        action=action,
        object_type=object_type,
        object_id=object_id,
        outcome=AuditEvent.Outcome.DENIED,
        ip=actor.ip,
        detail="not in this clinic or does not exist",
    )
    return Http404("Not found.")


def _read(actor: Actor, action: str, patient_id: int, object_type: str, object_id: int) -> None:
    audit_record(
        user=actor.user,
        clinic_id=actor.clinic.pk,
        action=action,
        patient_id=patient_id,
        object_type=object_type,
        object_id=object_id,
        ip=actor.ip,
    )


def settings_for(actor: Actor) -> PharmacySettings:
    return pharmacy_settings_for(actor.clinic.pk)


# The queue ----------------------------------------------------------------------------------


@dataclass
class QueueRow:
    dose: PlannedDose
    bag: CompoundingRecord | None
    flag: str = ""  # "", "lapse", "expired", "wait", "stopped"
    message: str = ""
    prepare_from: datetime | None = None


@dataclass
class Queue:
    day: date
    rows: list[QueueRow]
    hours: Decimal
    category_label: str
    next_day: date | None = None  # the next day with doses, when this one has none

    @property
    def to_prepare(self) -> int:
        return sum(1 for r in self.rows if r.bag is None and r.flag != "stopped")

    @property
    def to_verify(self) -> int:
        return sum(1 for r in self.rows if r.bag is not None and r.bag.status == "prepared")


def _queue_doses(actor: Actor, day: date) -> QuerySet[PlannedDose]:
    return PlannedDose.objects.filter(
        clinic=actor.clinic, date=day, status=PlannedDose.Status.PLANNED
    ).exclude(order__status=CourseOrder.Status.DRAFT)


def compounding_queue(*, actor: Actor, day: date | None = None) -> Queue:
    """A day's doses by appointment time (unbooked last), each with its live bag and a flag
    when the bag's beyond-use time would lapse (or has lapsed) before its slot."""
    actor.require("pharmacy.compound")
    day = day or clinic_today(actor.clinic)
    chosen = settings_for(actor)
    now = timezone.now()
    rule = beyond_use(now, chosen.category, chosen.storage)
    hours = rule.rule.hours
    doses = list(
        _queue_doses(actor, day)
        .select_related("patient", "order")
        .prefetch_related(
            Prefetch(
                "bags",
                queryset=CompoundingRecord.objects.filter(status__in=LIVE).select_related(
                    "prepared_by", "verified_by"
                ),
                to_attr="live_bags",
            )
        )
        # Unbooked doses last (NULLs sort differently on SQLite and PostgreSQL by default).
        .order_by(
            F("scheduled_at").asc(nulls_last=True),
            "patient__family_name",
            "patient__given_name",
            "number",
        )
    )
    zone = actor.clinic.zone
    rows = [_row(dose, rule.beyond_use_at, now, hours, zone) for dose in doses]
    audit_record(
        user=actor.user,
        clinic_id=actor.clinic.pk,
        action="pharmacy.queue",
        ip=actor.ip,
        detail=f"{len(rows)} doses on {day:%Y-%m-%d}",
    )
    next_day = (
        None
        if rows
        else PlannedDose.objects.filter(
            clinic=actor.clinic, date__gt=day, status=PlannedDose.Status.PLANNED
        )
        .exclude(order__status__in=(CourseOrder.Status.DRAFT, CourseOrder.Status.STOPPED))
        .order_by("date")
        .values_list("date", flat=True)
        .first()
    )
    return Queue(
        day=day,
        rows=rows,
        hours=hours,
        category_label=chosen.get_category_display(),
        next_day=next_day,
    )


def lapse_before_use(beyond_use_at: datetime, dose: PlannedDose, zone: tzinfo) -> str:
    """Why a bag good until ``beyond_use_at`` cannot serve ``dose``, or "" when it can.

    Against the appointment when one is booked (administration must start before the BUD);
    otherwise against the start of the dose's day, the earliest it could be given.
    """
    if dose.scheduled_at is not None:
        if beyond_use_at <= dose.scheduled_at:
            slot = dose.scheduled_at.astimezone(zone)
            return f"Its beyond-use time lapses before the appointment at {slot:%H:%M}."
        return ""
    if beyond_use_at <= datetime.combine(dose.date, time(0), tzinfo=zone):
        return f"Its beyond-use time lapses before the dose's day ({dose.date:%a %d %b})."
    return ""


def _row(
    dose: PlannedDose, bud_if_now: datetime, now: datetime, hours: Decimal, zone: tzinfo
) -> QueueRow:
    bags = getattr(dose, "live_bags", [])
    bag = bags[0] if bags else None
    row = QueueRow(dose=dose, bag=bag)
    slot = dose.scheduled_at
    if dose.order.status == CourseOrder.Status.STOPPED:
        row.flag, row.message = "stopped", "Course stopped: do not prepare; waste any bag."
    elif dose.order.status == CourseOrder.Status.SUPERSEDED and bag is None:
        row.flag = "stopped"
        row.message = "Replaced by a later version of the order: nothing to prepare."
    elif bag is not None and bag.status != "administered":
        if bag.beyond_use_at <= now:
            row.flag, row.message = "expired", "Past its beyond-use time: waste it."
        else:
            row.message = lapse_before_use(bag.beyond_use_at, dose, zone)
            row.flag = "lapse" if row.message else ""
    elif bag is None:
        if slot is not None:
            row.prepare_from = slot - timedelta(seconds=int(hours * 3600))
        if lapse_before_use(bud_if_now, dose, zone):
            row.flag = "wait"
            row.message = "Made now, it would lapse before it can be given: prepare later."
    return row


def queue_count(*, actor: Actor) -> int:
    """Today's doses still to prepare or verify (the pharmacist's dashboard)."""
    if not actor.may("pharmacy.compound"):
        return 0
    return (
        _queue_doses(actor, clinic_today(actor.clinic))
        .exclude(order__status=CourseOrder.Status.STOPPED)
        .exclude(bags__status__in=("verified", "dispensed", "administered"))
        .count()
    )


# One dose, one bag ---------------------------------------------------------------------------


def dose_get(*, actor: Actor, dose_id: int) -> PlannedDose:
    """A planned dose (with patient, order and lines) for the preparation page; 404 otherwise."""
    actor.require("pharmacy.compound")
    dose = (
        PlannedDose.objects.filter(clinic=actor.clinic, pk=dose_id)
        .select_related("patient", "order", "order__signed_by")
        .prefetch_related("order__lines")
        .first()
    )
    if dose is None:
        raise _denied(actor, "bag.prepare_form", "planneddose", dose_id)
    _read(actor, "bag.prepare_form", dose.patient_id, "planneddose", dose.pk)
    return dose


def bag_get(*, actor: Actor, record_id: int, action: str = "bag.view") -> CompoundingRecord:
    """One bag with everything its worksheet and label show; 404 outside the clinic."""
    actor.require("pharmacy.bag_view")
    record = (
        CompoundingRecord.objects.filter(clinic=actor.clinic, pk=record_id)
        .select_related(
            "patient",
            "dose",
            "order",
            "order__signed_by",
            "prepared_by",
            "verified_by",
            "dispensed_by",
            "administered_by",
            "wasted_by",
        )
        .prefetch_related(
            "order__lines",
            Prefetch(
                "lines",
                queryset=CompoundingLine.objects.prefetch_related(
                    Prefetch("draws", queryset=LotDraw.objects.select_related("lot"))
                ),
            ),
        )
        .first()
    )
    if record is None:
        raise _denied(actor, action, "compoundingrecord", record_id)
    _read(actor, action, record.patient_id, "compoundingrecord", record.pk)
    return record


def live_bag(*, dose: PlannedDose) -> CompoundingRecord | None:
    """The dose's bag that is not wasted, if any (at most one, by constraint)."""
    return CompoundingRecord.objects.filter(dose=dose).exclude(status="wasted").first()


def bag_id_for_code(*, actor: Actor, code: str) -> int | None:
    """The bag a scanned code names, in the actor's clinic."""
    actor.require("pharmacy.bag_view")
    return (
        CompoundingRecord.objects.filter(clinic=actor.clinic, bag_code=code.strip().upper())
        .values_list("pk", flat=True)
        .first()
    )


def bag_for_patient(*, actor: Actor, patient: Patient) -> list[CompoundingRecord]:
    """Bags of a patient that are at the chair (dispensed), for the nurse's scan form."""
    return list(
        CompoundingRecord.objects.filter(
            clinic=actor.clinic, patient=patient, status=CompoundingRecord.Status.DISPENSED
        ).select_related("dose")
    )


# Stock and prices ----------------------------------------------------------------------------


def price_list(*, clinic_id: int, currency: str = "USD") -> PriceList:
    """Per ingredient, the price of one container: the on-hand-weighted mean of the lots in
    stock (the latest received lot when none is left), from the lots' unit costs."""
    lots = list(
        StockLot.objects.filter(clinic_id=clinic_id).order_by(
            "ingredient_id", "-received_at", "-id"
        )
    )
    prices: list[VialPrice] = []
    by_ingredient: dict[str, list[StockLot]] = defaultdict(list)
    for lot in lots:
        by_ingredient[lot.ingredient_id].append(lot)
    for ingredient_id, group in by_ingredient.items():
        units = {lot.pk: lot.on_hand_ml / lot.unit_volume_ml for lot in group}
        total = sum(units.values(), Decimal(0))
        if total > 0:
            price = sum((lot.unit_cost * units[lot.pk] for lot in group), Decimal(0)) / total
            volume = group[0].unit_volume_ml
        else:
            price, volume = group[0].unit_cost, group[0].unit_volume_ml
        prices.append(VialPrice(ingredient_id, price, volume))
    return PriceList(currency=currency, prices=tuple(prices))


@dataclass
class StockRow:
    ingredient: Ingredient
    on_hand_ml: Decimal
    needed_ml: Decimal
    lots: list[StockLot] = field(default_factory=list)

    @property
    def low(self) -> bool:
        return self.on_hand_ml < self.needed_ml or (self.on_hand_ml == 0 and self.needed_ml > 0)


@dataclass
class FormulaCost:
    name: str
    note: str
    cost: BagCost | None
    error: str


@dataclass
class StockOverview:
    rows: list[StockRow]
    expiring: list[StockLot]
    expired: list[StockLot]
    quarantined: list[StockLot]
    prices: PriceList
    costs: list[FormulaCost]
    settings: PharmacySettings
    today: date

    @property
    def low(self) -> list[StockRow]:
        return [r for r in self.rows if r.low]


def _demand(actor: Actor, start: date, end: date) -> dict[str, Decimal]:
    """mL of each ingredient the planned doses without a bag need from ``start`` to ``end``;
    single-use containers counted whole per bag (that is what each bag takes from stock)."""
    doses = (
        PlannedDose.objects.filter(
            clinic=actor.clinic,
            status=PlannedDose.Status.PLANNED,
            order__status=CourseOrder.Status.SIGNED,
            date__gte=start,
            date__lte=end,
        )
        .exclude(bags__status__in=LIVE)
        .values("order_id")
    )
    per_order: dict[int, int] = defaultdict(int)
    for row in doses:
        per_order[row["order_id"]] += 1
    orders = CourseOrder.objects.filter(pk__in=per_order).prefetch_related(
        Prefetch("lines", queryset=OrderLine.objects.filter(volume_ml__gt=0))
    )
    demand: dict[str, Decimal] = defaultdict(Decimal)
    for order in orders:
        count = per_order[order.pk]
        for line in order.lines.all():
            demand[line.ingredient_id] += _whole(line.ingredient_id, line.volume_ml) * count
        if order.into_saline_ml:
            demand["sodium_chloride_0_9"] += (
                _whole("sodium_chloride_0_9", order.into_saline_ml) * count
            )
    return demand


def _whole(ingredient_id: str, volume: Decimal) -> Decimal:
    try:
        product = ingredient(ingredient_id)
    except ClinicalError:
        return volume
    if not product.single_dose:
        return volume
    units = (volume / product.vial_volume_ml).to_integral_value(ROUND_CEILING)
    return units * product.vial_volume_ml


def stock_overview(*, actor: Actor) -> StockOverview:
    """On hand per ingredient against the next days' demand, expiring and expired lots, the
    price list from the lots' unit costs and what a bag of each formula costs at those prices."""
    actor.require("pharmacy.stock_view")
    chosen = settings_for(actor)
    today = clinic_today(actor.clinic)
    lots = list(StockLot.objects.filter(clinic=actor.clinic).select_related("received_by"))
    usable = [lot for lot in lots if not lot.quarantined and lot.expiry_date >= today]
    demand = _demand(actor, today, today + timedelta(days=chosen.low_stock_horizon_days))
    rows: dict[str, StockRow] = {}
    for product in ingredients():
        in_stock = [lot for lot in usable if lot.ingredient_id == product.id and lot.on_hand_ml > 0]
        needed = demand.get(product.id, Decimal(0))
        if in_stock or needed:
            rows[product.id] = StockRow(
                ingredient=product,
                on_hand_ml=sum((lot.on_hand_ml for lot in in_stock), Decimal(0)),
                needed_ml=needed,
                lots=in_stock,
            )
    soon = today + timedelta(days=chosen.expiring_soon_days)
    prices = price_list(clinic_id=actor.clinic.pk, currency=chosen.currency)
    return StockOverview(
        rows=list(rows.values()),
        expiring=[lot for lot in usable if lot.on_hand_ml > 0 and lot.expiry_date <= soon],
        expired=[lot for lot in lots if lot.expiry_date < today and lot.on_hand_ml > 0],
        quarantined=[lot for lot in lots if lot.quarantined and lot.on_hand_ml > 0],
        prices=prices,
        costs=_formula_costs(prices),
        settings=chosen,
        today=today,
    )


def _formula_costs(prices: PriceList) -> list[FormulaCost]:
    costs = []
    for formula_ in formulas():
        suggested = formula_.suggested_volumes()
        note = ", ".join(
            f"{c.ingredient.name} {c.default_ml:f} mL (documented default)"
            for c in formula_.components
            if c.must_choose and c.default_ml is not None
        )
        try:
            cost, error = bag_cost(compose_bag(formula_, suggested), prices), ""
        except VolumeChoiceRequired:
            cost, error = None, "Depends on the volume the prescriber chooses (no default)."
        except ClinicalError as exc:
            cost, error = None, str(exc)
        costs.append(FormulaCost(formula_.name, note, cost, error))
    return costs


def bag_price(record: CompoundingRecord) -> Decimal:
    """What the lots drawn for ``record`` cost: containers opened at their lot's unit cost
    (single-use) or the volume's share of it (multi-use), exactly."""
    total = Decimal(0)
    for line in record.lines.all():
        for draw in line.draws.all():
            lot = draw.lot
            total += draw.taken_ml / lot.unit_volume_ml * lot.unit_cost
    return total


# Recall --------------------------------------------------------------------------------------


def lots_matching(*, actor: Actor, lot_number: str, ingredient_id: str = "") -> list[StockLot]:
    actor.require("pharmacy.recall")
    found = StockLot.objects.filter(clinic=actor.clinic, lot_number__iexact=lot_number.strip())
    if ingredient_id:
        found = found.filter(ingredient_id=ingredient_id)
    return list(found.order_by("ingredient_id", "id"))


@dataclass
class RecallRow:
    record: CompoundingRecord
    used_ml: Decimal

    @property
    def received(self) -> str:
        """Whether the patient received the lot: yes (given), possibly (at the chair), not
        yet (still in the pharmacy: pull it), no (wasted)."""
        return {
            "administered": "yes",
            "dispensed": "possibly",
            "prepared": "not yet",
            "verified": "not yet",
        }.get(self.record.status, "no")


@dataclass
class Recall:
    lot: StockLot
    rows: list[RecallRow]

    @property
    def patients(self) -> list[Patient]:
        """Every patient who received or may receive the lot (wasted bags excluded)."""
        seen: dict[int, Patient] = {}
        for row in self.rows:
            if row.received != "no":
                seen.setdefault(row.record.patient_id, row.record.patient)
        return sorted(seen.values(), key=lambda p: (p.family_name, p.given_name, p.pk))


def recall_trace(*, actor: Actor, lot_id: int, action: str = "recall.view") -> Recall:
    """Every bag made with the lot, its patient and dates; one audit row per patient shown."""
    actor.require("pharmacy.recall")
    lot = StockLot.objects.filter(clinic=actor.clinic, pk=lot_id).first()
    if lot is None:
        raise _denied(actor, action, "stocklot", lot_id)
    used = (
        LotDraw.objects.filter(lot=lot)
        .values("line__record_id")
        .annotate(used=Sum("used_ml"))
        .order_by()
    )
    used_by_record = {row["line__record_id"]: row["used"] for row in used}
    records = (
        CompoundingRecord.objects.filter(clinic=actor.clinic, pk__in=used_by_record)
        .select_related("patient", "dose", "prepared_by", "administered_by")
        .order_by("prep_started_at", "id")
    )
    rows = [RecallRow(record=r, used_ml=used_by_record[r.pk]) for r in records]
    for patient_id in dict.fromkeys(r.record.patient_id for r in rows):
        audit_record(
            user=actor.user,
            clinic_id=actor.clinic.pk,
            action=action,
            patient_id=patient_id,
            object_type="stocklot",
            object_id=lot.pk,
            ip=actor.ip,
        )
    if not rows:
        audit_record(
            user=actor.user,
            clinic_id=actor.clinic.pk,
            action=action,
            object_type="stocklot",
            object_id=lot.pk,
            ip=actor.ip,
            detail="no bags",
        )
    return Recall(lot=lot, rows=rows)
