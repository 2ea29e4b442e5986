"""One appointment (its page, the move form's instant check), a patient's upcoming visits,
today's bookings for the dashboard, and the patient's calendar feed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from ivmt.accounts.models import Clinic
from ivmt.core.access import Actor
from ivmt.core.audit import audit_record
from ivmt.core.models import AuditEvent
from ivmt.orders.models import CourseOrder
from ivmt.orders.planning import clinic_today
from ivmt.patients.models import Patient
from ivmt.pharmacy.models import CompoundingRecord
from ivmt.scheduling.availability import (
    Candidate,
    book_for,
    choose_nurse,
    local_day_bounds,
    nurse_conflicts,
    slot_conflicts,
)
from ivmt.scheduling.models import (
    LIVE_STATUSES,
    Appointment,
    AppointmentEvent,
    CalendarFeed,
    Chair,
    NurseShift,
)
from ivmt.scheduling.selectors._common import (
    FEED_PAST_DAYS,
    STALE_DOSES,
    audit_listing,
    denied,
    visits_of,
)
from ivmt.scheduling.services.booking import LIVE_BAG
from ivmt.scheduling.services.feeds import token_hash

# One appointment ------------------------------------------------------------------------------


@dataclass
class AppointmentDetail:
    appointment: Appointment
    events: list[AppointmentEvent]
    bag: CompoundingRecord | None  # the live bag of its dose, if one is made
    chairs: list[Chair]
    nurses: list[NurseShift]  # shifts of the appointment's day

    @property
    def stale(self) -> bool:
        dose = self.appointment.dose
        return dose is not None and dose.status in STALE_DOSES


def appointment_get(
    *, actor: Actor, appointment_id: int, action: str = "appointment.view"
) -> Appointment:
    actor.require("scheduling.view")
    found = visits_of(actor.clinic).filter(pk=appointment_id).first()
    if found is None:
        raise denied(actor, action, "appointment", appointment_id)
    audit_record(
        user=actor.user,
        clinic_id=actor.clinic.pk,
        action=action,
        patient_id=found.patient_id,
        object_type="appointment",
        object_id=found.pk,
        ip=actor.ip,
    )
    return found


def appointment_detail(*, actor: Actor, appointment_id: int) -> AppointmentDetail:
    appointment = appointment_get(actor=actor, appointment_id=appointment_id)
    day = appointment.starts_at.astimezone(actor.clinic.zone).date()
    bag = None
    if appointment.dose_id is not None:
        bag = (
            CompoundingRecord.objects.filter(dose_id=appointment.dose_id, status__in=LIVE_BAG)
            .order_by("-id")
            .first()
        )
    return AppointmentDetail(
        appointment=appointment,
        events=list(appointment.events.select_related("by").order_by("at", "id")),
        bag=bag,
        chairs=list(Chair.objects.filter(clinic=actor.clinic, in_service=True)),
        nurses=list(
            NurseShift.objects.filter(clinic=actor.clinic, day=day).select_related("nurse")
        ),
    )


def move_check(
    *,
    actor: Actor,
    appointment: Appointment,
    starts_at: datetime,
    chair_id: int,
    nurse_id: int | None,
) -> list[str]:
    """Why the appointment cannot move there (empty: it can), for the page's instant check."""
    actor.require("scheduling.book")
    day = starts_at.astimezone(actor.clinic.zone).date()
    book = book_for(actor.clinic, day)
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
    found = slot_conflicts(book, candidate, now=timezone.now())
    if nurse_id is not None:
        found += nurse_conflicts(book, candidate, nurse_id)
    elif book.shifts:
        found += choose_nurse(book, candidate)[1]
    return found


# Patients, the dashboard and the feed ---------------------------------------------------------


def patient_upcoming(*, actor: Actor, patient: Patient, limit: int = 8) -> list[Appointment]:
    """The patient's next live appointments (the chart page has audited the chart read)."""
    if not actor.may("scheduling.view") or patient.clinic_id != actor.clinic.pk:
        return []
    return list(
        visits_of(actor.clinic)
        .filter(patient=patient, status__in=LIVE_STATUSES, ends_at__gte=timezone.now())
        .order_by("starts_at")[:limit]
    )


def patient_has_feed(*, patient: Patient) -> bool:
    return CalendarFeed.objects.filter(patient=patient, revoked_at__isnull=True).exists()


def todays_bookings(*, actor: Actor, limit: int = 40) -> list[Appointment]:
    """Today's visits for the front desk's dashboard (live, by time), audited as one listing."""
    if not actor.may("scheduling.view"):
        return []
    today = clinic_today(actor.clinic)
    start, end = local_day_bounds(actor.clinic, today, today)
    found = list(
        visits_of(actor.clinic)
        .filter(starts_at__gte=start, starts_at__lt=end, status__in=LIVE_STATUSES)
        .order_by("starts_at", "chair__name")[:limit]
    )
    audit_listing(actor, "schedule.today", f"{len(found)} appointments today")
    return found


@dataclass(frozen=True)
class FeedContent:
    clinic: Clinic
    appointments: list[Appointment]


def calendar_feed_read(*, token: str, ip: str | None) -> FeedContent | None:
    """The patient's appointments behind a feed token; None (audited) for an unknown or
    revoked one. No sign-in: the token is the credential."""
    feed = None
    if 20 <= len(token) <= 100:
        feed = (
            CalendarFeed.objects.filter(token_hash=token_hash(token), revoked_at__isnull=True)
            .select_related("patient", "clinic")
            .first()
        )
    if feed is None:
        audit_record(
            user=None,
            username="calendar-feed",
            clinic_id=None,
            action="calendar.feed",
            outcome=AuditEvent.Outcome.DENIED,
            ip=ip,
            detail="unknown or revoked token",
        )
        return None
    since = timezone.now() - timedelta(days=FEED_PAST_DAYS)
    appointments = list(
        Appointment.objects.filter(
            patient=feed.patient, status__in=LIVE_STATUSES, starts_at__gte=since
        ).order_by("starts_at", "id")
    )
    audit_record(
        user=None,
        username="calendar-feed",
        clinic_id=feed.clinic_id,
        action="calendar.feed",
        patient_id=feed.patient_id,
        object_type="calendarfeed",
        object_id=feed.pk,
        ip=ip,
        detail=f"{len(appointments)} events",
    )
    return FeedContent(clinic=feed.clinic, appointments=appointments)


def chart_panel(*, actor: Actor, patient: Patient) -> dict[str, object]:
    """The chart's appointments card (the caller has read the patient, audited): upcoming
    visits, the signed course to book and whether a calendar link is live. Three queries."""
    can_book = actor.may("scheduling.book")
    order_id = None
    if can_book:
        order_id = (
            CourseOrder.objects.filter(patient=patient, status=CourseOrder.Status.SIGNED)
            .values_list("pk", flat=True)
            .first()
        )
    return {
        "upcoming": patient_upcoming(actor=actor, patient=patient),
        "can_book": can_book,
        "order_id": order_id,
        "has_feed": can_book and patient_has_feed(patient=patient),
    }
