"""Turning an order (or an order form) into clinical-core inputs, and the results into rows.

Everything clinical is computed by ``ivmt.clinical``: the bag, osmolarity, rates and warnings by
``plan_infusion``; the dated doses and review points by ``protocols.expand`` with the clinic's
calendar (weekdays without opening hours and the clinic's closed days). This module only maps
between Django rows and those pure functions, so the order form's live preview, the signing
service and the pharmacy all see exactly the same figures.

Route rules the clinical core does not know (they concern how the clinic writes the order):
a 0.9 % saline carrier (``into_saline_ml``) only for a bag route, which the core enforces; a
piggy-back saline line (``flush_saline_ml``) only, and always, for the piggy-back route.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.utils import timezone

from ivmt.accounts.models import Clinic
from ivmt.clinical.errors import RouteError, ScheduleError
from ivmt.clinical.infusion_plan import InfusionPlan, plan_infusion
from ivmt.clinical.protocols import ClinicCalendar, Schedule, expand
from ivmt.clinical.protocols import protocol as protocol_by_id
from ivmt.clinical.quantities import plain
from ivmt.orders.models import DEFAULT_OSMOLARITY_LIMIT, CourseOrder, OrderSettings

PIGGYBACK = "piggyback_flush"
# DESIGN: the largest number of doses a prescriber may plan for one phase at once (a year of
# weekly doses); more is a typo, and an open-ended maintenance phase is re-ordered as needed.
MAX_DOSES_PER_PHASE = 52


@dataclass(frozen=True)
class OrderInput:
    """What a prescriber chose; volumes in mL, duration in minutes."""

    formula_id: str
    route_id: str
    duration_min: Decimal
    volumes_ml: Mapping[str, Decimal]
    protocol_id: str
    start_date: date
    into_saline_ml: Decimal | None = None
    flush_saline_ml: Decimal | None = None
    phase_doses: Mapping[str, int] = field(default_factory=dict)
    phase_intervals: Mapping[str, int] = field(default_factory=dict)


def order_input(order: CourseOrder) -> OrderInput:
    # normalize(): the columns' fixed places (45.0 min, 5.00 mL) are storage, not precision.
    return OrderInput(
        formula_id=order.formula_id,
        route_id=order.route_id,
        duration_min=order.duration_min.normalize(),
        volumes_ml={k: v.normalize() for k, v in order.volumes_ml().items()},
        protocol_id=order.protocol_id,
        start_date=order.start_date,
        into_saline_ml=_normal(order.into_saline_ml),
        flush_saline_ml=_normal(order.flush_saline_ml),
        phase_doses={str(k): int(v) for k, v in (order.phase_doses or {}).items()},
        phase_intervals={str(k): int(v) for k, v in (order.phase_intervals or {}).items()},
    )


def clinic_today(clinic: Clinic) -> date:
    """Today in the clinic's own time zone (services may run outside a request)."""
    return timezone.localdate(timezone=clinic.zone)


def _normal(value: Decimal | None) -> Decimal | None:
    return value.normalize() if value is not None else None


def osmolarity_limit_id(clinic: Clinic) -> str:
    """The clinic's chosen peripheral osmolarity school (default until the director chooses)."""
    chosen = OrderSettings.objects.filter(clinic=clinic).values_list(
        "osmolarity_limit_id", flat=True
    )
    return chosen.first() or DEFAULT_OSMOLARITY_LIMIT


def clinic_calendar(clinic: Clinic) -> ClinicCalendar:
    """Closed weekdays (no opening hours) and closed dates of the clinic, for ``expand``.

    A clinic with no opening hours recorded at all is treated as open every day rather than
    never (a new clinic before its manager sets the hours).
    """
    open_days = set(clinic.opening_hours.values_list("weekday", flat=True))
    closed_weekdays = frozenset(d for d in range(7) if open_days and d not in open_days)
    closed_dates = frozenset(clinic.closed_days.values_list("date", flat=True))
    return ClinicCalendar(closed_weekdays=closed_weekdays, closed_dates=closed_dates)


def infusion_plan(chosen: OrderInput, limit_id: str | None) -> InfusionPlan:
    """The checked plan of one dose; raises a ClinicalError subclass on bad input.

    ``limit_id`` is the osmolarity school (None: the clinical core's default).
    """
    if chosen.route_id == PIGGYBACK and chosen.flush_saline_ml is None:
        raise RouteError("A piggy-back infusion needs the volume of the saline line (mL).")
    if chosen.route_id != PIGGYBACK and chosen.flush_saline_ml is not None:
        raise RouteError("A saline flush line is only part of the piggy-back route.")
    if chosen.flush_saline_ml is not None and not (
        Decimal(0) < chosen.flush_saline_ml <= Decimal(1000)
    ):
        raise RouteError(
            f"The saline line of {plain(chosen.flush_saline_ml)} mL is not plausible "
            "(more than 0, at most 1000 mL)."
        )
    return plan_infusion(
        chosen.formula_id,
        volumes_ml=dict(chosen.volumes_ml),
        route=chosen.route_id,
        duration_min=chosen.duration_min,
        into_saline_ml=chosen.into_saline_ml,
        osmolarity_limit_id=limit_id,
    )


def course_schedule(chosen: OrderInput, calendar: ClinicCalendar) -> Schedule:
    """The dated doses and reviews; raises UnknownProtocol or ScheduleError."""
    protocol_ = protocol_by_id(chosen.protocol_id)
    for phase_id, count in chosen.phase_doses.items():
        if count > MAX_DOSES_PER_PHASE:
            raise ScheduleError(
                f"{protocol_.phase(phase_id).name}: {count} doses is more than "
                f"{MAX_DOSES_PER_PHASE}; plan fewer and extend the course later."
            )
    return expand(
        protocol_,
        chosen.start_date,
        calendar,
        doses=dict(chosen.phase_doses),
        intervals=dict(chosen.phase_intervals),
    )


def warnings_needing_reason(plan: InfusionPlan) -> list[str]:
    """Codes of the warnings that need a written reason to sign (severity warning or stop)."""
    return [w.code for w in plan.warnings if w.severity in ("warning", "stop")]
