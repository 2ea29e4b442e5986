"""Booking one visit for a planned dose, moving it and cancelling it, each one audited change
inside one transaction (the day's statuses are in ``statuses``).

Every slot goes through ``availability`` (opening hours, chair, patient, nurse shift, breaks,
one placement at a time, the nurse's cap) and then the database, whose constraints refuse a
double booking that slipped between the check and the write (``IntegrityError`` becomes a
clear message). A booked dose's time is recorded on the planned dose through the orders
service, so the pharmacy compounds just in time for it.

The protocol interval: a dose booked or moved further from its neighbours than the protocol
interval plus or minus the clinic's tolerance is a soft limit — refused unless a reason is
given, which is kept on the appointment's history and noted (without the text) in the audit
trail.

Lock order, shared by every scheduling service: the patient, the planned doses (by number),
the nurses' shifts of the day (by id), then appointments (by id).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from ivmt.core.access import Actor
from ivmt.core.audit import audit_record
from ivmt.orders.models import CourseOrder, PlannedDose
from ivmt.orders.services import planned_dose_schedule
from ivmt.patients.errors import EditConflict
from ivmt.patients.models import Patient
from ivmt.scheduling.availability import (
    Candidate,
    DayBook,
    book_for,
    choose_nurse,
    nurse_conflicts,
    settings_for,
    slot_conflicts,
)
from ivmt.scheduling.models import (
    GRID_MINUTES,
    LIVE_STATUSES,
    Appointment,
    AppointmentEvent,
    SchedulingSettings,
    on_grid,
)
from ivmt.scheduling.services.notify import notify_after_commit

BOOKABLE_ORDERS = (CourseOrder.Status.SIGNED, CourseOrder.Status.SUPERSEDED)
LIVE_BAG = ("prepared", "verified", "dispensed")
REASON_LIMIT = 200

# Which constraint refused, in words (the names come from migration 0003 and models.py).
CONSTRAINT_MESSAGES = {
    "appointment_chair_not_double_booked": "Someone booked that chair at this time a moment ago.",
    "appointment_patient_not_double_booked": "The patient was booked at this time a moment ago.",
    "appointment_nurse_one_placement_at_a_time": (
        "The nurse was given another IV placement at this time a moment ago."
    ),
    "one_live_appointment_per_dose": "This dose was booked by someone else a moment ago.",
}


def refused_by_database(error: IntegrityError) -> ValidationError:
    """The database refused a double booking: say which, and that nothing was saved."""
    text = str(error)
    for name, message in CONSTRAINT_MESSAGES.items():
        if name in text:
            return ValidationError(f"{message} Nothing was saved: choose another time.")
    return ValidationError("The booking clashed with another one saved a moment ago; try again.")


def audit_appointment(
    actor: Actor, action: str, appointment: Appointment, detail: str = ""
) -> None:
    audit_record(
        user=actor.user,
        clinic_id=actor.clinic.pk,
        action=action,
        patient_id=appointment.patient_id,
        object_type="appointment",
        object_id=appointment.pk,
        ip=actor.ip,
        detail=detail,
    )


def record_event(
    actor: Actor | None, appointment: Appointment, kind: str, summary: str, reason: str = ""
) -> None:
    AppointmentEvent.objects.create(
        clinic_id=appointment.clinic_id,
        appointment=appointment,
        kind=kind,
        at=timezone.now(),
        by=actor.user if actor is not None else None,
        summary=summary[:200],
        reason=reason[:REASON_LIMIT],
    )


def check_time(moment: datetime) -> None:
    """A booked start is aware and on the calendar's 5-minute grid."""
    if timezone.is_naive(moment):
        raise ValidationError("The appointment time needs a time zone.")
    if moment.second or moment.microsecond or moment.minute % GRID_MINUTES:
        raise ValidationError(f"Choose a start time on the {GRID_MINUTES}-minute grid.")


def visit_minutes(settings: SchedulingSettings, order: CourseOrder) -> tuple[int, int, int]:
    """Placement, infusion (the order's duration on the grid) and observation minutes."""
    return (
        settings.placement_minutes,
        on_grid(float(order.duration_min)),
        settings.observation_minutes,
    )


def clean_reason(reason: str, *, required: bool, what: str) -> str:
    reason = reason.strip()
    if required and not reason:
        raise ValidationError({"reason": f"Say why the appointment is {what}."})
    if len(reason) > REASON_LIMIT:
        raise ValidationError({"reason": f"Keep the reason under {REASON_LIMIT} characters."})
    return reason


def lock_patient_and_dose(actor: Actor, dose_id: int) -> PlannedDose:
    """The planned dose (with its order), after locking its patient and then the dose."""
    found = (
        PlannedDose.objects.filter(clinic=actor.clinic, pk=dose_id)
        .values_list("patient_id", flat=True)
        .first()
    )
    if found is None:
        raise PermissionDenied("That dose is not in your clinic.")
    Patient.objects.select_for_update().get(pk=found)
    return (
        PlannedDose.objects.select_for_update(of=("self",)).select_related("order").get(pk=dose_id)
    )


def check_bookable(dose: PlannedDose, *, ignore: frozenset[int] = frozenset()) -> None:
    if dose.status != PlannedDose.Status.PLANNED or dose.order.status not in BOOKABLE_ORDERS:
        raise ValidationError(
            f"Dose {dose.number} is not planned under a signed order, so it cannot be booked."
        )
    live = (
        Appointment.objects.filter(dose=dose, status__in=LIVE_STATUSES)
        .exclude(pk__in=ignore)
        .first()
    )
    if live is not None:
        when = timezone.localtime(live.starts_at, dose.order.clinic.zone)
        raise ValidationError(f"Dose {dose.number} is already booked ({when:%a %d %b %H:%M}).")


@dataclass(frozen=True)
class Neighbour:
    number: int
    nominal_date: date
    day: date


def series_neighbours(
    patient_id: int, zone: object, ignore: frozenset[int] = frozenset()
) -> list[Neighbour]:
    """The patient's live infusion appointments as (dose number, nominal date, booked day)."""
    rows = (
        Appointment.objects.filter(
            patient_id=patient_id, status__in=LIVE_STATUSES, dose__isnull=False
        )
        .exclude(pk__in=ignore)
        .values_list("dose__number", "dose__nominal_date", "starts_at")
    )
    return [
        Neighbour(number, nominal, timezone.localdate(starts, timezone=zone))  # type: ignore[arg-type]  # a ZoneInfo
        for number, nominal, starts in rows
    ]


def interval_conflicts(
    dose: PlannedDose, day: date, neighbours: list[Neighbour], tolerance: int
) -> list[str]:
    """Why ``day`` breaks the protocol interval with the nearest booked doses before and after.

    The expected gap is the gap between nominal dates (the protocol's interval, however many
    doses lie between); the booked gap may differ from it by ``tolerance`` days.
    """
    before = [n for n in neighbours if n.number < dose.number]
    after = [n for n in neighbours if n.number > dose.number]
    found: list[str] = []
    for other in (
        max(before, key=lambda n: n.number, default=None),
        min(after, key=lambda n: n.number, default=None),
    ):
        if other is None:
            continue
        expected = abs((dose.nominal_date - other.nominal_date).days)
        actual = abs((day - other.day).days)
        if (
            abs(actual - expected) > tolerance
            or (day - other.day).days * (dose.number - other.number) <= 0
        ):
            found.append(
                f"Dose {dose.number} on {day:%a %d %b} would be {actual} days from dose "
                f"{other.number} ({other.day:%a %d %b}); the protocol asks {expected} ± "
                f"{tolerance} days."
            )
    return found


def place_checks(
    book: DayBook,
    candidate: Candidate,
    *,
    dose: PlannedDose,
    neighbours: list[Neighbour],
    now: datetime,
) -> tuple[int | None, list[str], list[str]]:
    """The nurse to assign, the hard conflicts, and the interval (soft) conflicts."""
    hard = slot_conflicts(book, candidate, now=now)
    nurse: int | None
    if candidate.nurse_id is not None:
        hard += nurse_conflicts(book, candidate, candidate.nurse_id)
        nurse = candidate.nurse_id
    else:
        nurse, reasons = choose_nurse(book, candidate)
        hard += reasons
    soft = interval_conflicts(dose, book.day, neighbours, book.settings.interval_tolerance_days)
    return nurse, hard, soft


def create_appointment(
    actor: Actor,
    dose: PlannedDose,
    candidate: Candidate,
    nurse_id: int | None,
    settings: SchedulingSettings,
    *,
    preferred: datetime | None = None,
) -> Appointment:
    """Insert the appointment (the database's constraints have the last word)."""
    appointment = Appointment(
        clinic=actor.clinic,
        kind=Appointment.Kind.INFUSION,
        patient_id=dose.patient_id,
        dose=dose,
        chair_id=candidate.chair_id,
        nurse_id=nurse_id,
        starts_at=candidate.starts_at,
        ends_at=candidate.ends_at,
        placement_ends_at=candidate.placement_ends_at(settings.one_iv_start_at_a_time),
        preferred_start=preferred or candidate.starts_at,
        placement_minutes=candidate.placement_minutes,
        infusion_minutes=candidate.infusion_minutes,
        observation_minutes=candidate.observation_minutes,
        booked_by=actor.user,
    )
    try:
        with transaction.atomic():
            appointment.save()
    except IntegrityError as error:
        raise refused_by_database(error) from None
    return appointment


def appointment_book(
    *,
    actor: Actor,
    dose_id: int,
    starts_at: datetime,
    chair_id: int,
    nurse_id: int | None = None,
    interval_reason: str = "",
) -> Appointment:
    """Book one planned dose at ``starts_at`` on ``chair_id`` (a nurse on shift is chosen when
    none is named). Raises ValidationError with every reason the slot cannot be used."""
    actor.require("scheduling.book")
    check_time(starts_at)
    interval_reason = clean_reason(interval_reason, required=False, what="outside the interval")
    now = timezone.now()
    with transaction.atomic():
        dose = lock_patient_and_dose(actor, dose_id)
        check_bookable(dose)
        settings = settings_for(actor.clinic)
        placement, infusion, observation = visit_minutes(settings, dose.order)
        candidate = Candidate(
            dose.patient_id, starts_at, placement, infusion, observation, chair_id, nurse_id
        )
        day = timezone.localdate(starts_at, timezone=actor.clinic.zone)
        book = book_for(actor.clinic, day, settings=settings, lock_shifts=True)
        neighbours = series_neighbours(dose.patient_id, actor.clinic.zone)
        nurse, hard, soft = place_checks(book, candidate, dose=dose, neighbours=neighbours, now=now)
        if hard or (soft and not interval_reason):
            raise ValidationError(
                hard + soft + (["Give a reason to book outside it."] if soft else [])
            )
        appointment = create_appointment(actor, dose, candidate, nurse, settings)
        record_event(
            actor,
            appointment,
            AppointmentEvent.Kind.BOOKED,
            f"Booked for dose {dose.number}",
            interval_reason if soft else "",
        )
        audit_appointment(
            actor, "appointment.book", appointment, "outside the interval" if soft else ""
        )
        planned_dose_schedule(actor=actor, dose_id=dose.pk, scheduled_at=appointment.starts_at)
        notify_after_commit(actor, "booked", appointment.patient_id, [appointment.pk])
    return appointment


def locked_appointment(
    actor: Actor, appointment_id: int, expected_version: int | None
) -> Appointment:
    """Lock the patient, the dose, then the appointment; check the version the person saw."""
    found = (
        Appointment.objects.filter(clinic=actor.clinic, pk=appointment_id)
        .values_list("patient_id", "dose_id")
        .first()
    )
    if found is None:
        raise PermissionDenied("That appointment is not in your clinic.")
    Patient.objects.select_for_update().get(pk=found[0])
    if found[1] is not None:
        PlannedDose.objects.select_for_update().get(pk=found[1])
    appointment = (
        Appointment.objects.select_for_update(of=("self",))
        .select_related("dose", "dose__order")
        .get(pk=appointment_id)
    )
    if expected_version is not None and appointment.version != expected_version:
        raise EditConflict(
            "Someone changed this appointment after you opened it. Nothing was saved: reload "
            "to see it as it is now."
        )
    return appointment


def appointment_move(
    *,
    actor: Actor,
    appointment_id: int,
    expected_version: int,
    starts_at: datetime,
    chair_id: int,
    nurse_id: int | None = None,
    reason: str,
    patient_asked: bool = False,
    interval_reason: str = "",
) -> Appointment:
    """Move a booked visit to another time, chair or nurse, with the reason.

    ``patient_asked``: the new time is the patient's wish, so it becomes their preferred time
    (the optimiser keeps them near it); a move for the clinic's sake keeps the old wish.
    """
    actor.require("scheduling.book")
    check_time(starts_at)
    reason = clean_reason(reason, required=True, what="moved")
    interval_reason = clean_reason(interval_reason, required=False, what="outside the interval")
    now = timezone.now()
    with transaction.atomic():
        appointment = locked_appointment(actor, appointment_id, expected_version)
        if appointment.status != Appointment.Status.BOOKED or appointment.dose is None:
            raise ValidationError(
                f"This appointment is {appointment.get_status_display().lower()}: only a booked "
                "infusion can be moved."
            )
        settings = settings_for(actor.clinic)
        candidate = Candidate(
            appointment.patient_id,
            starts_at,
            appointment.placement_minutes,
            appointment.infusion_minutes,
            appointment.observation_minutes,
            chair_id,
            nurse_id,
            ignore=frozenset({appointment.pk}),
        )
        day = timezone.localdate(starts_at, timezone=actor.clinic.zone)
        book = book_for(actor.clinic, day, settings=settings, lock_shifts=True)
        neighbours = series_neighbours(
            appointment.patient_id, actor.clinic.zone, frozenset({appointment.pk})
        )
        nurse, hard, soft = place_checks(
            book, candidate, dose=appointment.dose, neighbours=neighbours, now=now
        )
        if hard or (soft and not interval_reason):
            raise ValidationError(
                hard + soft + (["Give a reason to book outside it."] if soft else [])
            )
        before = (appointment.starts_at, appointment.chair_id, appointment.nurse_id)
        zone = actor.clinic.zone
        summary = (
            f"Moved from {appointment.starts_at.astimezone(zone):%a %d %b %H:%M} "
            f"to {starts_at.astimezone(zone):%a %d %b %H:%M}"
        )
        appointment.starts_at = starts_at
        appointment.ends_at = candidate.ends_at
        appointment.placement_ends_at = candidate.placement_ends_at(settings.one_iv_start_at_a_time)
        appointment.chair_id = chair_id
        appointment.nurse_id = nurse
        if patient_asked:
            appointment.preferred_start = starts_at
        appointment.version += 1
        try:
            with transaction.atomic():
                appointment.save()
        except IntegrityError as error:
            raise refused_by_database(error) from None
        full_reason = reason + (f" (outside the interval: {interval_reason})" if soft else "")
        record_event(actor, appointment, AppointmentEvent.Kind.MOVED, summary, full_reason)
        audit_appointment(
            actor, "appointment.move", appointment, "outside the interval" if soft else ""
        )
        if before[0] != starts_at:
            planned_dose_schedule(
                actor=actor, dose_id=appointment.dose.pk, scheduled_at=appointment.starts_at
            )
            notify_after_commit(actor, "moved", appointment.patient_id, [appointment.pk])
    return appointment


def appointment_cancel(
    *, actor: Actor, appointment_id: int, expected_version: int, reason: str, notify: bool = True
) -> Appointment:
    """Cancel a booked visit with the reason; its dose is free to be booked again."""
    actor.require("scheduling.book")
    reason = clean_reason(reason, required=True, what="cancelled")
    with transaction.atomic():
        appointment = locked_appointment(actor, appointment_id, expected_version)
        cancel_locked(actor, appointment, reason)
        if notify:
            notify_after_commit(actor, "cancelled", appointment.patient_id, [appointment.pk])
    return appointment


def cancel_locked(actor: Actor, appointment: Appointment, reason: str) -> None:
    """Cancel an appointment already locked by the caller (also used by series rebooking)."""
    if not appointment.may_move_to(Appointment.Status.CANCELLED):
        raise ValidationError(
            f"This appointment is {appointment.get_status_display().lower()}; it cannot be "
            "cancelled now."
        )
    appointment.status = Appointment.Status.CANCELLED
    appointment.status_reason = reason[:REASON_LIMIT]
    appointment.status_changed_at = timezone.now()
    appointment.version += 1
    appointment.save(update_fields=["status", "status_reason", "status_changed_at", "version"])
    record_event(actor, appointment, AppointmentEvent.Kind.STATUS, "Cancelled", reason)
    audit_appointment(actor, "appointment.cancel", appointment)
    if appointment.dose is not None and appointment.dose.status == PlannedDose.Status.PLANNED:
        planned_dose_schedule(actor=actor, dose_id=appointment.dose.pk, scheduled_at=None)
