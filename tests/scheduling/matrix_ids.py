"""Objects of a patient's clinic for the role × page matrix: an appointment for the matrix
course's first dose, a nurse's shift and a day plan. Made directly: the matrix checks who may
open a page; the workflows have their own tests."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time, timedelta

from django.utils import timezone
from tests.pharmacy.matrix_ids import _dose

from ivmt.accounts.models import Membership
from ivmt.patients.models import Patient
from ivmt.scheduling.models import Appointment, Chair, DayPlanProposal, NurseShift


def _appointment(patient: Patient, membership: Membership) -> int:
    dose = _dose(patient, membership)
    found = Appointment.objects.filter(dose=dose).first()
    if found is not None:
        return found.pk
    chair = Chair.objects.get_or_create(clinic_id=patient.clinic_id, name="Matrix chair")[0]
    starts = datetime.combine(dose.date, time(10), tzinfo=patient.clinic.zone)
    return Appointment.objects.create(
        clinic_id=patient.clinic_id,
        patient=patient,
        dose=dose,
        chair=chair,
        starts_at=starts,
        ends_at=starts + timedelta(minutes=75),
        placement_ends_at=starts + timedelta(minutes=15),
        preferred_start=starts,
        placement_minutes=15,
        infusion_minutes=45,
        observation_minutes=15,
        booked_by=membership.user,
    ).pk


def _shift(patient: Patient, membership: Membership) -> int:
    return NurseShift.objects.get_or_create(
        clinic_id=patient.clinic_id,
        nurse=membership.user,
        day=timezone.localdate(),
        defaults={"starts": time(8), "ends": time(16), "created_by": membership.user},
    )[0].pk


def _proposal(patient: Patient, membership: Membership) -> int:
    return DayPlanProposal.objects.get_or_create(
        clinic_id=patient.clinic_id,
        day=timezone.localdate(),
        defaults={"created_by": membership.user, "figures": {}},
    )[0].pk


SCHEDULING_IDS: dict[str, Callable[[Patient, Membership], int]] = {
    "appointment_id": _appointment,
    "shift_id": _shift,
    "proposal_id": _proposal,
}
