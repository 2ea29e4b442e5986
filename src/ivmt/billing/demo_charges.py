"""Demo charges, packages and payments (``ivmt.demo.EXTENSIONS``, after the pharmacy's and
the outcomes demos, whose courses and stock prices they bill).

The infusion-charting app (issue 6) does not exist yet, so the demo calls the hook it will call,
``charges_create_for_infusion``, for the doses of the last four weeks of a few courses, as
Nurse Nadia would sign them: most ran 45 minutes (96365), one patient's ran 95 minutes
(96365 + 96366) and one a 12-minute push (96374). Front-desk Fran sells one patient the
prepaid loading series first (their infusions are charged at 0.00 against it), and records
payments by card, cash and insurance, leaving some balances open for the manager's list.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.utils import timezone

from ivmt.billing import services
from ivmt.billing.demo import publish_second_version
from ivmt.billing.models import Charge, Package
from ivmt.core.access import Actor
from ivmt.core.roles import Role
from ivmt.orders.models import CourseOrder, PlannedDose

if TYPE_CHECKING:
    from ivmt.demo import DemoContext

BILLED_PATIENTS = 6
MINUTES = {0: 45, 1: 95, 2: 12}


def load(ctx: DemoContext) -> None:
    if Charge.objects.filter(clinic=ctx.clinic).exists():
        return
    publish_second_version(ctx)
    nadia = Actor(user=ctx.users["nadia"], clinic=ctx.clinic, role=Role.NURSE)
    fran = Actor(user=ctx.users["fran"], clinic=ctx.clinic, role=Role.FRONT_DESK)
    zone = ctx.clinic.zone
    today = timezone.localdate(timezone=zone)
    doses = list(
        PlannedDose.objects.filter(
            clinic=ctx.clinic,
            order__status=CourseOrder.Status.SIGNED,
            date__gte=today - timedelta(days=27),
            date__lt=today,
        )
        .select_related("patient")
        .order_by("patient_id", "date")
    )
    by_patient: dict[int, list[PlannedDose]] = {}
    for dose in doses:
        by_patient.setdefault(dose.patient_id, []).append(dose)
    package = Package.objects.filter(clinic=ctx.clinic).first()
    for number, (_, given) in enumerate(list(by_patient.items())[:BILLED_PATIENTS]):
        patient = given[0].patient
        if number == 3 and package is not None:
            services.package_sell(
                actor=fran, patient=patient, package_id=package.pk, service_date=given[0].date
            )
        minutes = MINUTES.get(number, 45)
        charged = Decimal("0.00")
        for dose in given:
            started = datetime.combine(dose.date, time(10, 0), tzinfo=zone)
            try:
                lines = services.charges_create_for_infusion(
                    actor=nadia,
                    patient=patient,
                    course_order_id=dose.order_id,
                    dose_id=dose.pk,
                    started_at=started,
                    ended_at=started + timedelta(minutes=minutes),
                    route="small_bag" if minutes > 15 else "slow_push",
                    administered_by=ctx.users["nadia"],
                )
            except ValidationError:
                continue  # a course whose bag cannot be priced: left unbilled in the demo
            charged += sum((line.amount for line in lines), Decimal(0))
        if number == 3:
            services.payment_record(
                actor=fran,
                patient=patient,
                method="card",
                amount=Decimal("900.00"),
                reference="Receipt 40817, card ending 4242",
                received_on=given[0].date,
            )
        elif charged > 0 and number % 2 == 0:
            services.payment_record(
                actor=fran,
                patient=patient,
                method="card",
                amount=charged,
                reference=f"Receipt 40{number:03d}",
                received_on=given[-1].date,
            )
        elif charged > 0:
            services.payment_record(
                actor=fran,
                patient=patient,
                method="insurance",
                amount=(charged * Decimal("0.6")).quantize(Decimal("0.01")),
                reference=f"Aetna claim A-7731-{number}",
                received_on=today,
            )
            services.payment_record(
                actor=fran,
                patient=patient,
                method="cash",
                amount=Decimal("50.00"),
                reference="",
                received_on=today,
            )
