"""A proposed slot per unbooked dose of a course, and the front desk's list of series to book."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, time

from django.db.models import Count, Exists, Min, OuterRef
from django.utils import timezone

from ivmt.core.access import Actor
from ivmt.core.audit import audit_record
from ivmt.orders.models import CourseOrder, PlannedDose
from ivmt.orders.planning import clinic_today
from ivmt.patients.models import Patient
from ivmt.scheduling.availability import settings_for
from ivmt.scheduling.models import LIVE_STATUSES, Appointment
from ivmt.scheduling.selectors._common import STALE_DOSES, audit_listing, denied, visits_of
from ivmt.scheduling.series_plan import DEFAULT_PREFERRED, SeriesLine, propose_series
from ivmt.scheduling.services.booking import visit_minutes
from ivmt.scheduling.services.series import stale_appointments

# Series -------------------------------------------------------------------------------------


@dataclass
class SeriesPlan:
    order: CourseOrder  # the course asked for
    current: CourseOrder | None  # its signed version now (None: stopped or none signed)
    patient: Patient
    lines: list[SeriesLine]
    booked: list[Appointment]
    stale: list[Appointment]
    phases: list[tuple[str, int]]  # (phase id, doses still to book)
    phase: str
    preferred: time
    first_day: date | None
    shift_days: int = 0
    elapsed_ms: float = 0.0

    @property
    def bookable(self) -> list[SeriesLine]:
        return [line for line in self.lines if line.chosen is not None]

    @property
    def conflicted(self) -> list[SeriesLine]:
        return [line for line in self.lines if line.conflicts]


def _usual_time(appointments: list[Appointment], zone: object) -> time | None:
    counts = Counter(a.starts_at.astimezone(zone).time() for a in appointments)  # type: ignore[arg-type]  # a ZoneInfo
    return counts.most_common(1)[0][0] if counts else None


def series_plan(
    *,
    actor: Actor,
    order_id: int,
    preferred: time | None = None,
    first_day: date | None = None,
    phase: str = "",
) -> SeriesPlan:
    """A proposed slot per unbooked planned dose of the patient's current signed course, with
    alternatives and conflicts; also the patient's stale bookings that confirming replaces."""
    actor.require("scheduling.book")
    order = (
        CourseOrder.objects.filter(clinic=actor.clinic, pk=order_id)
        .select_related("patient")
        .first()
    )
    if order is None:
        raise denied(actor, "series.propose", "courseorder", order_id)
    patient = order.patient
    current = (
        order
        if order.status == CourseOrder.Status.SIGNED
        else CourseOrder.objects.filter(patient=patient, status=CourseOrder.Status.SIGNED).first()
    )
    now = timezone.now()
    zone = actor.clinic.zone
    today = clinic_today(actor.clinic)
    stale = stale_appointments(patient.pk, now)
    booked = list(
        visits_of(actor.clinic)
        .filter(patient=patient, status__in=LIVE_STATUSES, dose__isnull=False)
        .exclude(pk__in=[a.pk for a in stale])
        .order_by("starts_at")
    )
    plan = SeriesPlan(
        order=order,
        current=current,
        patient=patient,
        lines=[],
        booked=booked,
        stale=stale,
        phases=[],
        phase=phase,
        preferred=preferred or _usual_time(booked + stale, zone) or DEFAULT_PREFERRED,
        first_day=first_day,
    )
    if current is not None:
        open_doses = list(
            current.doses.filter(status=PlannedDose.Status.PLANNED, date__gte=today)
            .exclude(
                Exists(Appointment.objects.filter(dose=OuterRef("pk"), status__in=LIVE_STATUSES))
            )
            .select_related("order")
            .order_by("number")
        )
        plan.phases = list(Counter(d.phase_id for d in open_doses).items())
        chosen = [d for d in open_doses if not phase or d.phase_id == phase]
        settings = settings_for(actor.clinic)
        placement = visit_minutes(settings, current)
        plan.lines, plan.shift_days, plan.elapsed_ms = propose_series(
            clinic=actor.clinic,
            settings=settings,
            doses=chosen,
            minutes=sum(placement),
            placement=placement,
            preferred=plan.preferred,
            first_day=first_day,
            earliest=max(today, current.start_date),
            now=now,
            patient_id=patient.pk,
            ignore=frozenset(a.pk for a in stale),
            may_shift=not booked and not stale and first_day is None,
        )
    audit_record(
        user=actor.user,
        clinic_id=actor.clinic.pk,
        action="series.propose",
        patient_id=patient.pk,
        object_type="courseorder",
        object_id=order.pk,
        ip=actor.ip,
        detail=f"{len(plan.lines)} doses proposed",
    )
    return plan


@dataclass(frozen=True)
class ToBook:
    order: CourseOrder
    unbooked: int
    first_date: date


def series_to_book(*, actor: Actor) -> tuple[list[ToBook], list[tuple[Patient, int]]]:
    """Signed courses with future doses not booked yet, and patients with stale bookings
    (their order changed or stopped) — the front desk's work list. Four queries."""
    actor.require("scheduling.book")
    today = clinic_today(actor.clinic)
    counts = {
        row["order_id"]: row
        for row in PlannedDose.objects.filter(
            clinic=actor.clinic,
            status=PlannedDose.Status.PLANNED,
            date__gte=today,
            order__status=CourseOrder.Status.SIGNED,
        )
        .exclude(Exists(Appointment.objects.filter(dose=OuterRef("pk"), status__in=LIVE_STATUSES)))
        .values("order_id")
        .annotate(unbooked=Count("id"), first=Min("date"))
    }
    orders = CourseOrder.objects.filter(pk__in=counts).select_related("patient")
    to_book = sorted(
        (ToBook(o, counts[o.pk]["unbooked"], counts[o.pk]["first"]) for o in orders),
        key=lambda t: (t.first_date, t.order.patient.family_name),
    )
    stale_counts: dict[int, int] = defaultdict(int)
    for patient_id in Appointment.objects.filter(
        clinic=actor.clinic,
        status=Appointment.Status.BOOKED,
        starts_at__gte=timezone.now(),
        dose__status__in=STALE_DOSES,
    ).values_list("patient_id", flat=True):
        stale_counts[patient_id] += 1
    patients = Patient.objects.filter(clinic=actor.clinic, pk__in=stale_counts)
    audit_listing(actor, "series.to_book", f"{len(to_book)} courses, {len(stale_counts)} to rebook")
    return to_book, [(p, stale_counts[p.pk]) for p in patients]
