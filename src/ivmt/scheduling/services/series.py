"""Booking a patient's series in one step, and rebooking what a changed order left behind.

The page shows the proposal first (``selectors.series_plan``); the person confirms the slots
they kept or chose, and :func:`series_book` books them all or none: every slot is checked
again here, inside the transaction, with the nurse's cap under the shifts' row locks.

After a phase change (an amended order, e.g. maintenance every 28 days from the week-6
review) the future doses of the old version are superseded and the new version has doses of
its own. The patient's appointments for superseded or cancelled doses are *stale*: booking
the new series keeps a stale appointment whose slot is chosen again unchanged (it is linked to
the new dose, no message needed for it), and cancels the others. A stopped course has nothing
to book: :func:`stale_appointments_cancel` cancels what is left.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from ivmt.core.access import Actor
from ivmt.core.audit import audit_record
from ivmt.orders.models import CourseOrder, PlannedDose
from ivmt.orders.services import planned_dose_schedule
from ivmt.patients.models import Patient
from ivmt.scheduling.availability import Candidate, books_between, settings_for
from ivmt.scheduling.models import Appointment, AppointmentEvent, SchedulingSettings
from ivmt.scheduling.services.booking import (
    Neighbour,
    audit_appointment,
    cancel_locked,
    check_bookable,
    check_time,
    create_appointment,
    place_checks,
    record_event,
    refused_by_database,
    series_neighbours,
    visit_minutes,
)
from ivmt.scheduling.services.notify import notify_after_commit

STALE_DOSE_STATUSES = (PlannedDose.Status.SUPERSEDED, PlannedDose.Status.CANCELLED)


@dataclass(frozen=True)
class SeriesPick:
    """The slot a person confirmed for one dose."""

    dose_id: int
    starts_at: datetime
    chair_id: int


def stale_appointments(patient_id: int, now: datetime) -> list[Appointment]:
    """Booked future visits whose dose a changed or stopped order no longer plans."""
    return list(
        Appointment.objects.filter(
            patient_id=patient_id,
            status=Appointment.Status.BOOKED,
            starts_at__gte=now,
            dose__status__in=STALE_DOSE_STATUSES,
        )
        .select_related("dose", "chair")
        .order_by("starts_at", "id")
    )


def series_book(*, actor: Actor, order_id: int, picks: Sequence[SeriesPick]) -> list[Appointment]:
    """Book every pick (one per planned dose of the signed order) or nothing.

    Raises ValidationError listing every dose whose slot cannot be used (taken meanwhile,
    outside hours, no nurse, out of the protocol interval, a dose not of this order ...).
    """
    actor.require("scheduling.book")
    if not picks:
        raise ValidationError("Choose a slot for at least one dose.")
    for pick in picks:
        check_time(pick.starts_at)
    now = timezone.now()
    zone = actor.clinic.zone
    with transaction.atomic():
        order = (
            CourseOrder.objects.filter(clinic=actor.clinic, pk=order_id)
            .values_list("patient_id", "status")
            .first()
        )
        if order is None:
            raise PermissionDenied("That course is not in your clinic.")
        patient_id, status = order
        if status != CourseOrder.Status.SIGNED:
            raise ValidationError("Only the current signed version of a course is booked.")
        Patient.objects.select_for_update().get(pk=patient_id)
        doses = {
            d.pk: d
            for d in PlannedDose.objects.select_for_update(of=("self",))
            .select_related("order")
            .filter(order_id=order_id, pk__in=[p.dose_id for p in picks])
            .order_by("number")
        }
        if len(doses) != len({p.dose_id for p in picks}) or len(picks) != len(doses):
            raise ValidationError("Each slot must be for a different dose of this course.")
        stale = stale_appointments(patient_id, now)
        stale_ids = frozenset(a.pk for a in stale)
        settings = settings_for(actor.clinic)
        ordered = sorted(picks, key=lambda p: doses[p.dose_id].number)
        days = [p.starts_at.astimezone(zone).date() for p in ordered]
        books = books_between(
            actor.clinic, min(days), max(days), settings=settings, lock_shifts=True
        )
        neighbours = series_neighbours(patient_id, zone, stale_ids)
        problems: list[str] = []
        placed: list[tuple[PlannedDose, Candidate, int | None]] = []
        for pick, day in zip(ordered, days, strict=True):
            dose = doses[pick.dose_id]
            where = f"Dose {dose.number} ({pick.starts_at.astimezone(zone):%a %d %b %H:%M})"
            try:
                check_bookable(dose)
            except ValidationError as error:
                problems += [f"{where}: {m}" for m in error.messages]
                continue
            minutes = visit_minutes(settings, dose.order)
            candidate = Candidate(
                patient_id, pick.starts_at, *minutes, chair_id=pick.chair_id, ignore=stale_ids
            )
            nurse, hard, soft = place_checks(
                books[day], candidate, dose=dose, neighbours=neighbours, now=now
            )
            problems += [f"{where}: {m}" for m in hard + soft]
            if hard or soft:
                continue
            # Later doses are checked against this one, as if already booked.
            neighbours.append(Neighbour(dose.number, dose.nominal_date, day))
            books[day].appointments.append(
                Appointment(
                    pk=-dose.pk,
                    patient_id=patient_id,
                    chair_id=pick.chair_id,
                    nurse_id=nurse,
                    starts_at=candidate.starts_at,
                    ends_at=candidate.ends_at,
                    placement_ends_at=candidate.placement_ends_at(settings.one_iv_start_at_a_time),
                )
            )
            placed.append((dose, candidate, nurse))
        if problems:
            raise ValidationError(problems)
        booked = _write(actor, placed, stale, settings)
        audit_record(
            user=actor.user,
            clinic_id=actor.clinic.pk,
            action="series.book",
            patient_id=patient_id,
            object_type="courseorder",
            object_id=order_id,
            ip=actor.ip,
            detail=f"{len(booked)} doses; {len(stale)} earlier bookings replaced",
        )
        changed = [a.pk for a in booked] + [a.pk for a in stale]
        notify_after_commit(actor, "booked", patient_id, changed)
    return booked


def _write(
    actor: Actor,
    placed: list[tuple[PlannedDose, Candidate, int | None]],
    stale: list[Appointment],
    settings: SchedulingSettings,
) -> list[Appointment]:
    """Relink stale appointments whose slot is kept, create the others, cancel the rest."""
    keep = {(a.starts_at, a.chair_id): a for a in stale}
    booked: list[Appointment] = []
    for dose, candidate, nurse in placed:
        kept = keep.pop((candidate.starts_at, candidate.chair_id), None)
        if kept is not None:
            # Lock order: the appointment after the patient, doses and shifts.
            kept = Appointment.objects.select_for_update().get(pk=kept.pk)
            kept.dose = dose
            kept.nurse_id = nurse if nurse is not None else kept.nurse_id
            kept.version += 1
            try:
                with transaction.atomic():
                    kept.save(update_fields=["dose", "nurse", "version"])
            except IntegrityError as error:
                raise refused_by_database(error) from None
            record_event(
                actor,
                kept,
                AppointmentEvent.Kind.RELINKED,
                f"Kept for dose {dose.number} of revision {dose.order.revision}",
            )
            audit_appointment(actor, "appointment.relink", kept)
            stale.remove(next(a for a in stale if a.pk == kept.pk))
            appointment = kept
        else:
            appointment = create_appointment(actor, dose, candidate, nurse, settings)
            record_event(
                actor, appointment, AppointmentEvent.Kind.BOOKED, f"Booked for dose {dose.number}"
            )
            audit_appointment(actor, "appointment.book", appointment)
        planned_dose_schedule(actor=actor, dose_id=dose.pk, scheduled_at=appointment.starts_at)
        booked.append(appointment)
    for old in stale:
        locked = (
            Appointment.objects.select_for_update(of=("self",))
            .select_related("dose")
            .get(pk=old.pk)
        )
        cancel_locked(actor, locked, "Order changed: replaced by the rebooked series.")
    return booked


def stale_appointments_cancel(*, actor: Actor, patient_id: int) -> int:
    """Cancel the patient's booked visits for doses no order plans any more (a stopped
    course); returns how many were cancelled."""
    actor.require("scheduling.book")
    with transaction.atomic():
        patient = (
            Patient.objects.select_for_update().filter(clinic=actor.clinic, pk=patient_id).first()
        )
        if patient is None:
            raise PermissionDenied("That patient is not in your clinic.")
        stale = stale_appointments(patient.pk, timezone.now())
        for old in stale:
            locked = (
                Appointment.objects.select_for_update(of=("self",))
                .select_related("dose")
                .get(pk=old.pk)
            )
            cancel_locked(actor, locked, "Course stopped or changed: no dose to give.")
        if stale:
            notify_after_commit(actor, "cancelled", patient.pk, [a.pk for a in stale])
    return len(stale)
