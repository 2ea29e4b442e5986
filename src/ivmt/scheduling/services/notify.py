"""E-mails to patients: a confirmation whenever their appointments change, and a reminder a few
hours before each visit, through Django's e-mail backend.

Every message lists the patient's upcoming appointments in the clinic's time zone with the
seed's pre-visit advice (``advice.py``) and carries a calendar file: the changed appointments
and every upcoming one, cancelled ones marked so (their calendar events disappear).

Messages leave only after the booking's transaction commits (``transaction.on_commit`` with
``robust=True``): a booking rolled back sends nothing, and a mail server that is down never
undoes a booking — the failure is logged and the appointment keeps ``confirmation_sent_at``
empty, which its page shows. A patient without an e-mail address gets none (the page says so).
Each sent message writes one audit row (no content, only which appointments).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timedelta

from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from ivmt.accounts.models import Clinic
from ivmt.core.access import Actor
from ivmt.core.audit import audit_record
from ivmt.patients.models import Patient
from ivmt.scheduling.advice import advice_lines
from ivmt.scheduling.ics import calendar_bytes
from ivmt.scheduling.models import LIVE_STATUSES, Appointment, AppointmentEvent, SchedulingSettings

logger = logging.getLogger(__name__)

SUBJECTS = {
    "booked": "Your infusion appointments at {clinic}",
    "moved": "Your appointment at {clinic} has moved",
    "cancelled": "Your appointment at {clinic} is cancelled",
    "reminder": "Reminder: your appointment at {clinic}",
}


def _upcoming(patient: Patient, now: datetime) -> list[Appointment]:
    return list(
        Appointment.objects.filter(
            patient=patient, status=Appointment.Status.BOOKED, starts_at__gte=now
        ).order_by("starts_at", "id")
    )


def _render(
    kind: str,
    patient: Patient,
    clinic: Clinic,
    changed: list[Appointment],
    shown: list[Appointment],
) -> str:
    return render_to_string(
        "scheduling/email/message.txt",
        {
            "kind": kind,
            "patient": patient,
            "clinic": clinic,
            "changed": [(a, a.starts_at) for a in changed],
            "upcoming": [(a, a.starts_at, a.ends_at) for a in shown],
            "advice": advice_lines(shown[0]) if shown else advice_lines(changed[0]),
        },
    )


def _message(
    kind: str, patient: Patient, clinic: Clinic, changed: list[Appointment], now: datetime
) -> EmailMessage:
    upcoming = _upcoming(patient, now)
    zone = clinic.zone
    shown = upcoming if kind != "reminder" else changed
    # Template filters show aware times in the active time zone: the clinic's, here.
    with timezone.override(zone):
        body = _render(kind, patient, clinic, changed, shown)
    message = EmailMessage(
        subject=SUBJECTS[kind].format(clinic=clinic.name),
        body=body,
        to=[patient.email],
    )
    in_calendar = {a.pk: a for a in [*changed, *shown]}
    message.attach(
        "appointments.ics",
        calendar_bytes(in_calendar.values(), clinic, name=f"{clinic.name} appointments"),
        "text/calendar",
    )
    return message


def send_change_notice(
    *,
    kind: str,
    patient_id: int,
    appointment_ids: Sequence[int],
    user_id: int | None,
    ip: str | None,
) -> bool:
    """Send the patient the notice of ``kind`` (booked, moved, cancelled); False if not sent."""
    patient = Patient.objects.select_related("clinic").get(pk=patient_id)
    if not patient.email:
        return False
    now = timezone.now()
    changed = list(Appointment.objects.filter(pk__in=appointment_ids).order_by("starts_at", "id"))
    if not changed:
        return False
    message = _message(kind, patient, patient.clinic, changed, now)
    try:
        message.send()
    except Exception:  # a mail server fault must not undo a committed booking
        logger.exception("Appointment e-mail to patient %s could not be sent.", patient_id)
        return False
    with transaction.atomic():
        for appointment in changed:
            if appointment.status in LIVE_STATUSES:
                appointment.confirmation_sent_at = now
                appointment.save(update_fields=["confirmation_sent_at"])
            AppointmentEvent.objects.create(
                clinic_id=appointment.clinic_id,
                appointment=appointment,
                kind=AppointmentEvent.Kind.MESSAGE,
                at=now,
                by_id=user_id,
                summary=f"E-mail sent: {kind}",
            )
        audit_record(
            user=None,
            username="appointment-messages",
            clinic_id=patient.clinic_id,
            action=f"appointment.message.{kind}",
            patient_id=patient.pk,
            object_type="appointment",
            object_id=changed[0].pk,
            ip=ip,
            detail=f"{len(changed)} appointment(s)",
        )
    return True


_withheld: ContextVar[bool] = ContextVar("appointment_messages_withheld", default=False)


@contextmanager
def messages_withheld() -> Iterator[None]:
    """Book without e-mailing anyone (the demo loads invented patients with made-up addresses;
    their confirmations stay "not sent yet")."""
    token = _withheld.set(True)
    try:
        yield
    finally:
        _withheld.reset(token)


def notify_after_commit(actor: Actor, kind: str, patient_id: int, ids: Sequence[int]) -> None:
    """Queue the notice to leave once the current transaction commits."""
    if _withheld.get():
        return
    chosen = list(ids)
    user_id = actor.user.pk
    ip = actor.ip

    def send() -> None:
        send_change_notice(
            kind=kind, patient_id=patient_id, appointment_ids=chosen, user_id=user_id, ip=ip
        )

    transaction.on_commit(send, robust=True)


def appointment_reminders_send(*, now: datetime | None = None) -> dict[int, int]:
    """Send each booked appointment's reminder once, when it is within the clinic's reminder
    window (``SchedulingSettings.reminder_hours``, 24 by default). Returns sent counts by clinic.

    Each appointment is claimed under a row lock before its message leaves, so two runs at once
    never send it twice; a message that fails to leave is retried by the next run.
    """
    now = now or timezone.now()
    hours = dict(SchedulingSettings.objects.values_list("clinic_id", "reminder_hours"))
    default = int(SchedulingSettings._meta.get_field("reminder_hours").get_default())
    widest = max([*hours.values(), default])
    due = (
        Appointment.objects.filter(
            status=Appointment.Status.BOOKED,
            reminder_sent_at__isnull=True,
            starts_at__gt=now,
            starts_at__lte=now + timedelta(hours=widest),
        )
        .exclude(patient__email="")
        .order_by("starts_at", "id")
        .values_list("pk", "clinic_id", "starts_at")
    )
    sent: dict[int, int] = {}
    for pk, clinic_id, starts_at in list(due):
        if starts_at > now + timedelta(hours=hours.get(clinic_id, default)):
            continue
        if _remind(pk, now):
            sent[clinic_id] = sent.get(clinic_id, 0) + 1
    return sent


def _remind(appointment_id: int, now: datetime) -> bool:
    with transaction.atomic():
        appointment = (
            Appointment.objects.select_for_update(of=("self",))
            .select_related("patient", "clinic")
            .filter(
                pk=appointment_id, reminder_sent_at__isnull=True, status=Appointment.Status.BOOKED
            )
            .first()
        )
        if appointment is None:
            return False
        message = _message("reminder", appointment.patient, appointment.clinic, [appointment], now)
        try:
            message.send()
        except Exception:  # logged; the next run tries again
            logger.exception("Reminder for appointment %s could not be sent.", appointment_id)
            return False
        appointment.reminder_sent_at = now
        appointment.save(update_fields=["reminder_sent_at"])
        AppointmentEvent.objects.create(
            clinic_id=appointment.clinic_id,
            appointment=appointment,
            kind=AppointmentEvent.Kind.MESSAGE,
            at=now,
            summary="E-mail sent: reminder",
        )
        audit_record(
            user=None,
            username="appointment-reminders",
            clinic_id=appointment.clinic_id,
            action="appointment.message.reminder",
            patient_id=appointment.patient_id,
            object_type="appointment",
            object_id=appointment.pk,
        )
    return True
