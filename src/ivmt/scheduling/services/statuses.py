"""The day's statuses of a visit: arrived → infusing → done, or a no-show, which frees the
chair and unbooks the dose; the bag made for a no-show's dose is then wasted through the
pharmacy's own waste service (reason no-show), by a pharmacist.

Only today's visits are checked in, started or finished; a no-show is marked once its time has
come.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from ivmt.core.access import Actor
from ivmt.orders.models import PlannedDose
from ivmt.orders.services import planned_dose_schedule
from ivmt.pharmacy.models import CompoundingRecord
from ivmt.pharmacy.services import compounding_waste
from ivmt.scheduling.models import Appointment, AppointmentEvent
from ivmt.scheduling.services.booking import (
    LIVE_BAG,
    audit_appointment,
    clean_reason,
    locked_appointment,
    record_event,
)

STATUS_WORDS = {
    "arrived": "Arrived",
    "infusing": "Infusion started",
    "done": "Done",
    "no_show": "Did not come (no-show)",
}


def appointment_set_status(
    *,
    actor: Actor,
    appointment_id: int,
    expected_version: int,
    status: str,
    note: str = "",
) -> Appointment:
    """The day's workflow: arrived → infusing → done, or a no-show (which frees the chair and
    unbooks the dose; a bag already made for it is then wasted by the pharmacy, reason
    no-show, see :func:`no_show_bag_waste`)."""
    actor.require("scheduling.checkin")
    if status not in STATUS_WORDS:
        raise ValidationError({"status": "Choose a status from the list."})
    note = clean_reason(note, required=False, what="changed")
    with transaction.atomic():
        appointment = locked_appointment(actor, appointment_id, expected_version)
        if not appointment.may_move_to(status):
            raise ValidationError(
                f"This appointment is {appointment.get_status_display().lower()}; it cannot "
                f"become “{STATUS_WORDS[status].lower()}”."
            )
        if status == Appointment.Status.NO_SHOW and appointment.starts_at > timezone.now():
            raise ValidationError("A no-show is marked once the appointment time has come.")
        if status != Appointment.Status.NO_SHOW and appointment.starts_at.astimezone(
            actor.clinic.zone
        ).date() != timezone.localdate(timezone=actor.clinic.zone):
            raise ValidationError("Only today's appointments can be checked in, started or done.")
        appointment.status = status
        appointment.status_reason = note
        appointment.status_changed_at = timezone.now()
        appointment.version += 1
        appointment.save(update_fields=["status", "status_reason", "status_changed_at", "version"])
        record_event(actor, appointment, AppointmentEvent.Kind.STATUS, STATUS_WORDS[status], note)
        audit_appointment(actor, f"appointment.{status}", appointment)
        if (
            status == Appointment.Status.NO_SHOW
            and appointment.dose is not None
            and appointment.dose.status == PlannedDose.Status.PLANNED
        ):
            planned_dose_schedule(actor=actor, dose_id=appointment.dose.pk, scheduled_at=None)
    return appointment


def no_show_bag_waste(*, actor: Actor, appointment_id: int) -> int:
    """Waste the bag made for a no-show's dose, through the pharmacy's waste service (reason
    no-show). Pharmacists only; returns the wasted bag's id."""
    actor.require("pharmacy.compound")
    appointment = Appointment.objects.filter(clinic=actor.clinic, pk=appointment_id).first()
    if appointment is None:
        raise PermissionDenied("That appointment is not in your clinic.")
    if appointment.status != Appointment.Status.NO_SHOW or appointment.dose_id is None:
        raise ValidationError("Only the bag of a no-show's dose is wasted from here.")
    bag = (
        CompoundingRecord.objects.filter(
            clinic=actor.clinic, dose_id=appointment.dose_id, status__in=LIVE_BAG
        )
        .values_list("pk", flat=True)
        .first()
    )
    if bag is None:
        raise ValidationError("No bag waits to be wasted for this dose.")
    compounding_waste(actor=actor, record_id=bag, reason=CompoundingRecord.WasteReason.NO_SHOW)
    return int(bag)
