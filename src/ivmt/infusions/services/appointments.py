"""Keeping the scheduling app's appointment in step with the chart (issue 7's day view).

When a chart is checked in, started and finished, the dose's live appointment (if one is
booked for today) moves to arrived, infusing and done through the scheduling app's own service
(``appointment_set_status``). The appointment is scheduling's record: a move it refuses (the
appointment is on another day, someone already moved it, a stale version) leaves the chart
as it is, inside a savepoint of its own, and is audited as a skipped step.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from ivmt.core.access import Actor
from ivmt.core.audit import audit_record
from ivmt.scheduling.models import Appointment
from ivmt.scheduling.services import appointment_set_status

# The statuses an appointment passes through on the way to each target.
PATH = {
    "arrived": ("arrived",),
    "infusing": ("arrived", "infusing"),
    "done": ("arrived", "infusing", "done"),
}
ORDER = ("booked", "arrived", "infusing", "done")


def appointment_follow(*, actor: Actor, dose_id: int, target: str) -> Appointment | None:
    """Move the dose's live appointment up to ``target``; None when there is none to move."""
    appointment = (
        Appointment.objects.filter(
            clinic=actor.clinic, dose_id=dose_id, status__in=("booked", "arrived", "infusing")
        )
        .order_by("-id")
        .first()
    )
    if appointment is None or not actor.may("scheduling.checkin"):
        return None
    for status in PATH[target]:
        if ORDER.index(appointment.status) >= ORDER.index(status):
            continue
        try:
            with transaction.atomic():
                appointment = appointment_set_status(
                    actor=actor,
                    appointment_id=appointment.pk,
                    expected_version=appointment.version,
                    status=status,
                    note="from the infusion chart",
                )
        except (ValidationError, PermissionDenied):
            audit_record(
                user=actor.user,
                clinic_id=actor.clinic.pk,
                action="infusion.appointment_follow",
                patient_id=appointment.patient_id,
                object_type="appointment",
                object_id=appointment.pk,
                ip=actor.ip,
                detail=f"skipped: appointment {appointment.status}, chart {target}",
            )
            return None
    return appointment
