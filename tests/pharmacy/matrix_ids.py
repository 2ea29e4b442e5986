"""Objects of a patient's clinic for the role × page matrix (tests/core/test_access_matrix.py):
a signed course order with one planned dose, a verified bag for it, and a stock lot. Made
directly (the matrix checks who may open a page, not the workflows, which have their tests)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from ivmt.accounts.models import Membership, User
from ivmt.clinical.formulas import formula
from ivmt.orders.models import CourseOrder, OrderLine, PlannedDose
from ivmt.patients.models import Patient
from ivmt.pharmacy.models import CompoundingLine, CompoundingRecord, StockLot


def _order(patient: Patient, membership: Membership) -> CourseOrder:
    found = CourseOrder.objects.filter(patient=patient).first()
    if found is not None:
        return found
    physician = User.objects.create(
        username=f"matrix-dr-{patient.pk}", first_name="M", last_name="D"
    )
    order = CourseOrder.objects.create(
        clinic_id=patient.clinic_id,
        patient=patient,
        formula_id="seed_recipe",
        route_id="small_bag",
        duration_min=Decimal(45),
        into_saline_ml=Decimal(100),
        protocol_id="yale_2009",
        start_date=date.today(),  # noqa: DTZ011  # a calendar date for a fixture
        status=CourseOrder.Status.SIGNED,
        created_by=physician,
        signed_by=physician,
        signed_at=timezone.now(),
        osmolarity_limit_id="peripheral_900",
    )
    volumes = {**formula("seed_recipe").suggested_volumes()}
    for position, component in enumerate(formula("seed_recipe").components, start=1):
        OrderLine.objects.create(
            clinic_id=patient.clinic_id,
            order=order,
            position=position,
            ingredient_id=component.ingredient.id,
            volume_ml=volumes[component.ingredient.id],
        )
    PlannedDose.objects.create(
        clinic_id=patient.clinic_id,
        order=order,
        patient=patient,
        number=1,
        phase_id="treatment",
        nominal_date=order.start_date,
        date=order.start_date,
    )
    return order


def _dose(patient: Patient, membership: Membership) -> PlannedDose:
    return _order(patient, membership).doses.get(number=1)


def _bag(patient: Patient, membership: Membership) -> CompoundingRecord:
    dose = _dose(patient, membership)
    found = CompoundingRecord.objects.filter(dose=dose).first()
    if found is not None:
        return found
    order = dose.order
    maker = User.objects.create(username=f"matrix-rx-{patient.pk}", first_name="R", last_name="X")
    checker = User.objects.create(
        username=f"matrix-rx2-{patient.pk}", first_name="S", last_name="Y"
    )
    now = timezone.now()
    record = CompoundingRecord.objects.create(
        clinic_id=patient.clinic_id,
        dose=dose,
        order=order,
        patient=patient,
        status=CompoundingRecord.Status.VERIFIED,
        prep_started_at=now,
        beyond_use_at=now + timedelta(hours=4),
        bud_category="immediate_use",
        bud_storage="room_temperature",
        bud_rule_id="immediate_use",
        bud_status="sourced",
        knowledge_version="matrix",
        total_volume_ml=Decimal(137),
        prepared_by=maker,
        prepared_at=now,
        verified_by=checker,
        verified_at=now,
    )
    for line in order.lines.filter(volume_ml__gt=0):
        CompoundingLine.objects.create(
            clinic_id=patient.clinic_id,
            record=record,
            position=line.position,
            ingredient_id=line.ingredient_id,
            volume_ml=line.volume_ml,
        )
    return record


def _lot(patient: Patient, membership: Membership) -> StockLot:
    lot, _ = StockLot.objects.get_or_create(
        clinic_id=patient.clinic_id,
        ingredient_id="calcium_gluconate_10",
        lot_number="MATRIX-1",
        defaults={
            "expiry_date": date.today() + timedelta(days=365),  # noqa: DTZ011  # fixture date
            "unit_volume_ml": Decimal(10),
            "single_use": True,
            "units_received": 5,
            "unit_cost": Decimal("6.00"),
            "on_hand_ml": Decimal(50),
            "received_by": membership.user,
        },
    )
    return lot


ORDER_AND_PHARMACY_IDS: dict[str, Callable[[Patient, Membership], int]] = {
    "order_id": lambda patient, membership: _order(patient, membership).pk,
    "dose_id": lambda patient, membership: _dose(patient, membership).pk,
    "record_id": lambda patient, membership: _bag(patient, membership).pk,
    "lot_id": lambda patient, membership: _lot(patient, membership).pk,
}
