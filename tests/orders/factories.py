"""Building blocks for the orders and pharmacy tests: an approved screening reached through the
screening app's own services, order inputs, drafts and signed courses through the orders
services, and stock received through the pharmacy services.

The clock is frozen by the tests (``frozen_now``: Monday 23 November 2026, 08:00 in New York),
so dates below are written relative to it.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from tests.billing.helpers import sign_consents
from tests.conftest import actor_for
from tests.screening.helpers import screen_and_approve

from ivmt.accounts.models import Clinic, User
from ivmt.core.access import Actor
from ivmt.orders import services as order_services
from ivmt.orders.models import CourseOrder
from ivmt.orders.planning import OrderInput
from ivmt.patients.models import Patient
from ivmt.pharmacy import services as pharmacy_services
from ivmt.pharmacy.models import StockLot

# Monday 23 Nov 2026 08:00 EST (UTC-5): the clinic (Mon-Fri 08-17, New York) is open.
FROZEN_NOW = datetime(2026, 11, 23, 13, 0, tzinfo=UTC)
TODAY = date(2026, 11, 23)

SEED_VOLUMES = {
    "magnesium_chloride_20": Decimal(5),
    "calcium_gluconate_10": Decimal(3),
    "hydroxocobalamin_1000": Decimal(1),
    "pyridoxine_100": Decimal(1),
    "dexpanthenol_250": Decimal(1),
    "b_complex_100": Decimal(1),
    "ascorbic_acid_500": Decimal(5),
    "sterile_water": Decimal(20),
}

# What a clinic pays per container (USD): realistic list prices, for the cost sanity check.
DEMO_PRICES = {
    "magnesium_chloride_20": Decimal("18.00"),  # 50 mL multi-dose
    "calcium_gluconate_10": Decimal("6.50"),  # 10 mL single-dose
    "hydroxocobalamin_1000": Decimal("24.00"),  # 30 mL multi-dose
    "pyridoxine_100": Decimal("21.00"),  # 30 mL multi-dose
    "dexpanthenol_250": Decimal("19.00"),  # 30 mL multi-dose
    "b_complex_100": Decimal("22.00"),  # 30 mL multi-dose
    "ascorbic_acid_500": Decimal("55.00"),  # 50 mL pharmacy bulk package
    "sterile_water": Decimal("1.20"),  # 20 mL single-dose
    "sodium_chloride_0_9": Decimal("2.40"),  # 100 mL bag
}


def seed_input(**changes: Any) -> OrderInput:
    """The seed recipe (5 mL vitamin C) in 100 mL saline over 45 min, Yale's 8 weekly doses."""
    base = OrderInput(
        formula_id="seed_recipe",
        route_id="small_bag",
        duration_min=Decimal(45),
        volumes_ml=dict(SEED_VOLUMES),
        protocol_id="yale_2009",
        start_date=TODAY,
        into_saline_ml=Decimal(100),
    )
    return replace(base, **changes)


def approve_screening(patient: Patient, *, physician: User, clinic: Clinic) -> int:
    """Fresh electrolytes, the director's knowledge approval, a screening run and the
    physician's approval — through the screening app's own services (its test helper).
    ``physician`` must be the clinic's medical director (Dr Diaz). Returns the run id.
    The patient also signs the consent and waiver (billing's helper): a new course needs them."""
    run_id = int(
        screen_and_approve(patient, physician=physician, director=physician, clinic=clinic).pk
    )
    sign_consents(patient, clinic=clinic)
    return run_id


def draft(actor: Actor, patient: Patient, **changes: Any) -> CourseOrder:
    return order_services.course_order_draft(
        actor=actor, patient=patient, chosen=seed_input(**changes)
    )


def sign(actor: Actor, order: CourseOrder, reason: str = "") -> CourseOrder:
    order.refresh_from_db()
    return order_services.course_order_sign(
        actor=actor, order=order, expected_version=order.version, override_reason=reason
    )


def signed_course(
    physician: User, clinic: Clinic, patient: Patient, *, screened: bool = True, **changes: Any
) -> CourseOrder:
    if screened:
        approve_screening(patient, physician=physician, clinic=clinic)
    actor = actor_for(physician, clinic)
    return sign(actor, draft(actor, patient, **changes))


def receive(
    pharmacist: User,
    clinic: Clinic,
    ingredient_id: str,
    lot_number: str,
    *,
    expiry: date | None = None,
    units: int = 10,
    unit_cost: Decimal | None = None,
    unit_volume_ml: Decimal | None = None,
) -> StockLot:
    return pharmacy_services.lot_receive(
        actor=actor_for(pharmacist, clinic),
        ingredient_id=ingredient_id,
        lot_number=lot_number,
        expiry_date=expiry or TODAY + timedelta(days=365),
        units=units,
        unit_cost=unit_cost
        if unit_cost is not None
        else DEMO_PRICES.get(ingredient_id, Decimal(5)),
        unit_volume_ml=unit_volume_ml,
    )


def stock_everything(pharmacist: User, clinic: Clinic, *, units: int = 10) -> dict[str, StockLot]:
    """One lot of every ingredient a seed-recipe bag in saline needs."""
    return {
        ingredient_id: receive(
            pharmacist, clinic, ingredient_id, f"L-{ingredient_id[:6]}-1", units=units
        )
        for ingredient_id in DEMO_PRICES
    }
