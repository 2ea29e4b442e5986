"""Calendar files (RFC 5545) for appointments: one per appointment, the patient's feed, and the
attachment of each e-mail.

What a calendar needs and nothing more: when, where, how long, and the pre-visit advice. No
patient name, no diagnosis, no formula: calendars are synced to phones and third-party
services. Times are written in UTC (``...Z``), which every calendar converts, so no time-zone
definition is needed. A moved appointment keeps its UID and raises its SEQUENCE (the version),
so calendar apps update the event instead of adding a second one; a cancelled one is sent with
``STATUS:CANCELLED``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from django.utils import timezone
from icalendar import Calendar, Event

from ivmt.accounts.models import Clinic
from ivmt.scheduling.advice import advice_lines
from ivmt.scheduling.models import LIVE_STATUSES, Appointment

PRODUCT = "-//IVMT Clinic//Appointments//EN"


def appointment_uid(appointment: Appointment) -> str:
    return f"ivmt-appointment-{appointment.pk}@ivmt-clinic"


def _event(appointment: Appointment, clinic: Clinic, stamp: datetime) -> Event:
    event = Event()
    event.add("uid", appointment_uid(appointment))
    event.add("dtstamp", stamp)
    event.add("dtstart", appointment.starts_at.astimezone(UTC))
    event.add("dtend", appointment.ends_at.astimezone(UTC))
    event.add("sequence", appointment.version)
    kind = "Infusion" if appointment.kind == Appointment.Kind.INFUSION else "Review"
    event.add("summary", f"{kind} appointment — {clinic.name}")
    location = ", ".join(part for part in (clinic.name, clinic.address) if part)
    event.add("location", location)
    minutes = appointment.minutes
    event.add(
        "description",
        "\n".join(
            [f"Set aside about {minutes} minutes.", *advice_lines(appointment)]
            + ([f"Questions or changes: {clinic.phone}"] if clinic.phone else [])
        ),
    )
    event.add("status", "CONFIRMED" if appointment.status in LIVE_STATUSES else "CANCELLED")
    event.add("transp", "OPAQUE")
    return event


def calendar_bytes(appointments: Iterable[Appointment], clinic: Clinic, *, name: str = "") -> bytes:
    """An iCalendar file holding one event per appointment."""
    calendar = Calendar()
    calendar.add("prodid", PRODUCT)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    if name:
        calendar.add("x-wr-calname", name)
    stamp = timezone.now().astimezone(UTC).replace(microsecond=0)
    for appointment in appointments:
        calendar.add_component(_event(appointment, clinic, stamp))
    return bytes(calendar.to_ical())
