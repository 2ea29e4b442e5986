"""Building blocks for the infusion tests: a dispensed bag, a wristband and a chart at each
step of the visit, all through the services the pages call (pharmacy, infusions)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone
from tests.conftest import actor_for

from ivmt.accounts.models import Clinic, User
from ivmt.core.access import Actor
from ivmt.infusions import services
from ivmt.infusions.models import InfusionChart, Wristband
from ivmt.orders.models import CourseOrder, PlannedDose
from ivmt.patients.models import Patient
from ivmt.pharmacy import services as pharmacy
from ivmt.pharmacy.models import CompoundingRecord
from ivmt.scheduling.models import Chair

NORMAL = {"systolic_mmhg": "124", "diastolic_mmhg": "78", "heart_rate_bpm": "72"}
LOW_BP = {"systolic_mmhg": "86", "diastolic_mmhg": "54", "heart_rate_bpm": "68"}


@dataclass
class Visit:
    """A planned dose with its bag (state chosen) and the patient's wristband."""

    clinic: Clinic
    nurse: User
    patient: Patient
    dose: PlannedDose
    bag: CompoundingRecord
    band: Wristband
    chair: Chair

    @property
    def actor(self) -> Actor:
        return actor_for(self.nurse, self.clinic)


def make_bag(
    dose: PlannedDose,
    *,
    clinic: Clinic,
    priya: User,
    paul: User,
    until: str = "dispensed",
    prep_started_at: datetime | None = None,
) -> CompoundingRecord:
    """A bag for ``dose`` taken as far as ``until`` (prepared, verified or dispensed)."""
    record = pharmacy.compounding_prepare(
        actor=actor_for(priya, clinic),
        dose_id=dose.pk,
        prep_started_at=prep_started_at or timezone.now(),
    )
    if until in ("verified", "dispensed"):
        pharmacy.compounding_verify(actor=actor_for(paul, clinic), record_id=record.pk)
    if until == "dispensed":
        pharmacy.compounding_dispense(actor=actor_for(priya, clinic), record_id=record.pk)
    record.refresh_from_db()
    return record


def visit_for(
    course: CourseOrder,
    *,
    clinic: Clinic,
    nurse: User,
    priya: User,
    paul: User,
    chair: Chair,
    number: int = 1,
    until: str = "dispensed",
) -> Visit:
    dose = course.doses.get(number=number)
    bag = make_bag(dose, clinic=clinic, priya=priya, paul=paul, until=until)
    band = services.wristband_issue(actor=actor_for(nurse, clinic), patient=course.patient)
    return Visit(clinic, nurse, course.patient, dose, bag, band, chair)


def check_in(visit: Visit, vitals: dict[str, str] | None = None, **extra: Any) -> InfusionChart:
    return services.chart_check_in(
        actor=visit.actor,
        entry=services.CheckIn(
            dose_id=visit.dose.pk,
            chair_id=visit.chair.pk,
            arrived_at=timezone.now(),
            vitals=vitals or NORMAL,
            advice_fluids=True,
            advice_warm=True,
            **extra,
        ),
    )


def fresh(chart: InfusionChart) -> InfusionChart:
    return InfusionChart.objects.get(pk=chart.pk)


def identify(visit: Visit, chart: InfusionChart) -> InfusionChart:
    chart = fresh(chart)
    return services.chart_identify(
        actor=visit.actor,
        chart_id=chart.pk,
        expected_version=chart.version,
        wristband_code=visit.band.code,
        bag_code=visit.bag.bag_code,
    )


def place_iv(visit: Visit, chart: InfusionChart) -> InfusionChart:
    chart = fresh(chart)
    return services.chart_iv_record(
        actor=visit.actor,
        chart_id=chart.pk,
        expected_version=chart.version,
        site="forearm",
        side="left",
        device="catheter",
        gauge=22,
        attempts=1,
        placed_by_id=visit.nurse.pk,
        placed_at=timezone.now(),
    )


def ready(visit: Visit) -> InfusionChart:
    """Checked in, identified, IV placed."""
    chart = check_in(visit)
    identify(visit, chart)
    return place_iv(visit, chart)


def start(visit: Visit, chart: InfusionChart, **extra: Any) -> InfusionChart:
    chart = fresh(chart)
    return services.infusion_start(
        actor=visit.actor,
        chart_id=chart.pk,
        expected_version=chart.version,
        started_at=timezone.now(),
        **extra,
    )


def running(visit: Visit) -> InfusionChart:
    return start(visit, ready(visit))


def end(visit: Visit, chart: InfusionChart) -> InfusionChart:
    chart = fresh(chart)
    return services.infusion_end(
        actor=visit.actor,
        chart_id=chart.pk,
        expected_version=chart.version,
        ended_at=timezone.now(),
    )


def finish(visit: Visit, chart: InfusionChart) -> InfusionChart:
    chart = fresh(chart)
    return services.chart_finish(
        actor=visit.actor,
        chart_id=chart.pk,
        expected_version=chart.version,
        flush_ml=Decimal(20),
        iv_removed_at=timezone.now(),
        site_check="clean",
        bandage=True,
        discharge_advice=True,
    )


def observe(visit: Visit, chart: InfusionChart, side_effect_id: str, **extra: Any) -> Any:
    chart = fresh(chart)
    values: dict[str, Any] = {"severity": "mild", "at": timezone.now(), **extra}
    return services.observation_record(
        actor=visit.actor,
        chart_id=chart.pk,
        expected_version=chart.version,
        seen=services.Seen(side_effect_id=side_effect_id, **values),
    )


def sign(visit: Visit, chart: InfusionChart) -> InfusionChart:
    chart = fresh(chart)
    return services.chart_sign(actor=visit.actor, chart_id=chart.pk, expected_version=chart.version)
