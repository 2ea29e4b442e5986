"""Demo data for course orders and the pharmacy (``ivmt.demo.EXTENSIONS``).

Everything goes through the same services the pages use (screening approvals too), so the
demo's audit trail is what real use would write:

* stock: a lot of every catalogue ingredient at realistic prices (a seed-recipe bag comes to
  about $20 of ingredients, inside the seed article's $5–25), a calcium gluconate lot that
  expires in 12 days (the "expiring soon" list), and a second, later calcium lot;
* signed courses for four patients — the seed recipe in a saline bag (seed clinic's protocol),
  a gentler piggy-back version (migraine-article protocol), the Yale push (signed over its
  magnesium-rate stop with a written reason), and a course changed after side effects
  (revision 2, longer infusion);
* their first doses booked a few hours apart, with bags prepared now by Priya and verified by
  Paul (one still awaiting verification, one whose beyond-use time lapses before its slot);
* one unsigned draft in Dr Diaz's dashboard.

Booking times are written straight onto the planned doses here: that is the scheduling app's
job once it exists (``PlannedDose.scheduled_at``).

Trade-off: bags are made with the real clock, because the services refuse a preparation start
in the future. Loaded on a day the clinic is closed, the courses' first doses fall on the next
open day, and the queue (reached from "Next doses") honestly flags every bag as lapsing
before its appointment; loaded during opening hours, only the one meant to lapse does.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from django.utils import timezone

from ivmt.clinical.ingredients import ingredients
from ivmt.core.access import Actor
from ivmt.core.roles import Role
from ivmt.orders import services as order_services
from ivmt.orders.models import CourseOrder
from ivmt.orders.planning import OrderInput, clinic_today
from ivmt.patients.models import Patient
from ivmt.pharmacy import services
from ivmt.screening import services as screening
from ivmt.screening.errors import ScreeningError
from ivmt.screening.selectors import knowledge_approval

if TYPE_CHECKING:
    from ivmt.demo import DemoContext

# USD per container (catalogue sizes): list prices of the kind a small clinic pays.
PRICES = {
    "magnesium_chloride_20": Decimal("18.00"),
    "magnesium_sulfate_50": Decimal("4.50"),
    "calcium_gluconate_10": Decimal("6.50"),
    "hydroxocobalamin_1000": Decimal("24.00"),
    "cyanocobalamin_1000": Decimal("1.80"),
    "pyridoxine_100": Decimal("21.00"),
    "pyridoxine_100_benzyl_alcohol": Decimal("19.50"),
    "dexpanthenol_250": Decimal("19.00"),
    "b_complex_100": Decimal("22.00"),
    "ascorbic_acid_500": Decimal("55.00"),
    "ascorbic_acid_500_mylan": Decimal("38.00"),
    "sterile_water": Decimal("1.20"),
    "bacteriostatic_water": Decimal("3.10"),
    "sodium_chloride_0_9": Decimal("2.40"),
    "lactated_ringers": Decimal("3.60"),
}
SEED = {
    "magnesium_chloride_20": Decimal(5),
    "calcium_gluconate_10": Decimal(3),
    "hydroxocobalamin_1000": Decimal(1),
    "pyridoxine_100": Decimal(1),
    "dexpanthenol_250": Decimal(1),
    "b_complex_100": Decimal(1),
    "ascorbic_acid_500": Decimal(5),
    "sterile_water": Decimal(20),
}
# Demo patients 12 onwards have no screening findings (see ivmt.demo.SPECIALS).
FIRST_PLAIN_PATIENT = 12


def _actor(ctx: DemoContext, username: str, role: Role, director: bool = False) -> Actor:
    return Actor(
        user=ctx.users[username], clinic=ctx.clinic, role=role, is_medical_director=director
    )


def _stock(ctx: DemoContext, pharmacist: Actor) -> None:
    today = clinic_today(ctx.clinic)
    for number, product in enumerate(ingredients()):
        services.lot_receive(
            actor=pharmacist,
            ingredient_id=product.id,
            lot_number=f"{product.id[:3].upper()}{24110 + number}",
            expiry_date=today + timedelta(days=240 + 30 * (number % 6)),
            # Enough for the coming fortnight, except pyridoxine (one vial: "low stock").
            units=1 if product.id == "pyridoxine_100" else 60 if product.single_dose else 8,
            unit_cost=PRICES.get(product.id, Decimal("5.00")),
            supplier="McKesson Medical-Surgical",
        )
    # Expires in 12 days: first-expiring first draws it, and the stock page lists it.
    services.lot_receive(
        actor=pharmacist,
        ingredient_id="calcium_gluconate_10",
        lot_number="CG2411-EXP",
        expiry_date=today + timedelta(days=12),
        units=10,
        unit_cost=PRICES["calcium_gluconate_10"],
        supplier="Fresenius Kabi",
    )


def _approve_screening(ctx: DemoContext, physician: Actor, patient: Patient) -> None:
    if knowledge_approval(clinic_id=ctx.clinic.pk) is None:
        screening.knowledge_approve(actor=physician, note="Demo: reviewed with the pharmacists.")
    run = screening.screening_run_create(actor=physician, patient=patient)
    try:
        screening.screening_decide(actor=physician, run_id=run.pk, decision="approve")
    except ScreeningError:
        screening.screening_decide(
            actor=physician,
            run_id=run.pk,
            decision="override",
            reason="Demo: findings reviewed with the patient; monitored closely.",
        )


def _course(
    ctx: DemoContext, physician: Actor, patient: Patient, chosen: OrderInput, reason: str = ""
) -> CourseOrder:
    _approve_screening(ctx, physician, patient)
    order = order_services.course_order_draft(actor=physician, patient=patient, chosen=chosen)
    return order_services.course_order_sign(
        actor=physician, order=order, expected_version=order.version, override_reason=reason
    )


def _book(order: CourseOrder, hours_after: float) -> int:
    """Book dose 1 (as scheduling will) ``hours_after`` the later of now and its day's opening."""
    dose = order.doses.order_by("number").first()
    assert dose is not None  # noqa: S101  # a signed course always has a first dose
    zone = order.clinic.zone
    hours = order.clinic.opening_hours.filter(weekday=dose.date.weekday()).first()
    opens = datetime.combine(dose.date, hours.opens if hours else time(8), tzinfo=zone)
    now = timezone.now().replace(second=0, microsecond=0)
    dose.scheduled_at = max(opens, now) + timedelta(hours=hours_after)
    dose.save(update_fields=["scheduled_at"])
    return dose.pk


def load(ctx: DemoContext) -> None:
    physician = _actor(ctx, "diaz", Role.PHYSICIAN, director=True)
    priya = _actor(ctx, "priya", Role.PHARMACIST)
    paul = _actor(ctx, "paul", Role.PHARMACIST)
    _stock(ctx, priya)
    patients = ctx.patients[FIRST_PLAIN_PATIENT:]
    start = clinic_today(ctx.clinic)

    def seed(**changes: object) -> OrderInput:
        values: dict[str, object] = {
            "formula_id": "seed_recipe",
            "route_id": "small_bag",
            "duration_min": Decimal(45),
            "volumes_ml": dict(SEED),
            "protocol_id": "seed_clinic",
            "start_date": start,
            "into_saline_ml": Decimal(100),
        }
        values.update(changes)
        return OrderInput(**values)  # type: ignore[arg-type]  # the demo's own literals

    bag_course = _course(ctx, physician, patients[0], seed())
    gentle = _course(
        ctx,
        physician,
        patients[1],
        seed(
            route_id="piggyback_flush",
            duration_min=Decimal(60),
            into_saline_ml=None,
            flush_saline_ml=Decimal(250),
            volumes_ml={**SEED, "ascorbic_acid_500": Decimal("2.5")},
            protocol_id="migraine_article",
            phase_doses={"loading": 6},
            phase_intervals={"maintenance": 28},
        ),
        reason="Piggy-backed on 250 mL saline running throughout; osmolarity at the vein is "
        "well below the mixture's.",
    )
    yale = _course(
        ctx,
        physician,
        patients[2],
        seed(
            formula_id="yale_2009",
            route_id="slow_push",
            duration_min=Decimal(10),
            into_saline_ml=None,
            protocol_id="yale_2009",
        ),
        reason="Yale trial protocol (10-min push); physician present, BP checked at 5 min.",
    )
    first = _course(ctx, physician, patients[3], seed())
    changed = order_services.course_order_amend(
        actor=physician,
        order=first,
        chosen=seed(duration_min=Decimal(60)),
        reason="Longer duration after side effects (flushing, light-headedness)",
    )
    changed = order_services.course_order_sign(
        actor=physician, order=changed, expected_version=changed.version
    )
    order_services.course_order_draft(actor=physician, patient=patients[4], chosen=seed())

    now = timezone.now()
    for order, hours, verify, dispense in (
        (yale, 1.0, True, True),
        (bag_course, 1.5, True, False),
        (gentle, 2.5, False, False),
        (changed, 6.5, True, False),  # beyond-use (4 h) lapses before this slot: flagged
    ):
        dose_id = _book(order, hours)
        record = services.compounding_prepare(actor=priya, dose_id=dose_id, prep_started_at=now)
        if verify:
            services.compounding_verify(actor=paul, record_id=record.pk)
        if dispense:
            services.compounding_dispense(actor=priya, record_id=record.pk)
