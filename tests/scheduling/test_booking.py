"""Booking one dose: the slot is checked (hours, chair, patient, nurse shift, break, one IV
start at a time, the nurse's cap), the dose's time is recorded for the pharmacy, the patient
gets a confirmation with the pre-visit advice and a calendar file."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from icalendar import Calendar
from tests.conftest import actor_for
from tests.scheduling.helpers import TODAY, at, book, dose

from ivmt.accounts.models import Clinic, ClosedDay, User
from ivmt.core.models import AuditEvent
from ivmt.orders.models import CourseOrder
from ivmt.patients.models import Patient
from ivmt.scheduling import services
from ivmt.scheduling.models import Appointment, Chair

pytestmark = pytest.mark.usefixtures("rota")


def test_booking_a_dose_records_its_time_for_the_pharmacy_and_sends_the_advice(
    fran: User,
    clinic: Clinic,
    course: CourseOrder,
    chairs: list[Chair],
    django_capture_on_commit_callbacks: Callable[..., object],
) -> None:
    course.patient.email = "pat@example.org"
    course.patient.save(update_fields=["email"])
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        visit = book(fran, clinic, course, 1, "10:00", chairs[0])

    assert visit.ends_at - visit.starts_at == timedelta(minutes=15 + 45 + 15)
    assert visit.nurse_id is not None  # a nurse on shift was chosen
    planned = dose(course, 1)
    assert planned.scheduled_at == at(clinic, TODAY, "10:00")
    assert (
        AuditEvent.objects.filter(action="appointment.book", patient_id=visit.patient_id).count()
        == 1
    )
    (message,) = mail.outbox
    assert message.to == ["pat@example.org"]
    assert "Drink plenty of fluids before your appointment and dress warm" in message.body
    assert "set aside the time" in message.body
    assert "Monday 23 November 2026 at 10:00" in message.body
    name, content, mimetype = message.attachments[0]
    assert name == "appointments.ics"
    assert mimetype == "text/calendar"
    (event,) = Calendar.from_ical(content).walk("VEVENT")
    assert event.decoded("dtstart") == at(clinic, TODAY, "10:00")
    visit.refresh_from_db()
    assert visit.confirmation_sent_at is not None


@pytest.mark.parametrize(
    ("clock", "chair_index", "message"),
    [
        ("07:30", 1, "outside opening hours"),
        ("16:30", 1, "outside opening hours"),
        ("10:30", 0, "Chair 1 is taken 10:00–11:15"),
        ("10:02", 1, "5-minute grid"),
    ],
)
def test_a_slot_that_cannot_be_used_is_refused_with_the_reason(
    fran: User,
    clinic: Clinic,
    course: CourseOrder,
    make_course: Callable[..., CourseOrder],
    make_patient: Callable[..., Patient],
    chairs: list[Chair],
    clock: str,
    chair_index: int,
    message: str,
) -> None:
    other = make_course(make_patient(given_name="Ann", family_name="Other"))
    book(fran, clinic, other, 1, "10:00", chairs[0])

    with pytest.raises(ValidationError, match=message):
        book(fran, clinic, course, 1, clock, chairs[chair_index])

    assert not Appointment.objects.filter(patient=course.patient).exists()
    assert dose(course, 1).scheduled_at is None


def test_the_same_patient_cannot_be_in_two_chairs_at_once(
    fran: User,
    clinic: Clinic,
    course: CourseOrder,
    chairs: list[Chair],
) -> None:
    book(fran, clinic, course, 1, "10:00", chairs[0])

    with pytest.raises(ValidationError) as refused:
        book(fran, clinic, course, 2, "10:30", chairs[1], day=TODAY)

    assert "The patient already has a visit 10:00–11:15 that day." in refused.value.messages
    assert Appointment.objects.count() == 1


def test_a_closed_day_is_refused(
    fran: User, clinic: Clinic, course: CourseOrder, chairs: list[Chair]
) -> None:
    ClosedDay.objects.create(clinic=clinic, date=TODAY + timedelta(days=1), reason="Training")
    with pytest.raises(ValidationError, match="closed"):
        book(fran, clinic, course, 1, "10:00", chairs[0], day=TODAY + timedelta(days=1))


def test_a_nurse_places_one_iv_at_a_time_and_never_during_her_break(
    fran: User,
    clinic: Clinic,
    nadia: User,
    make_course: Callable[..., CourseOrder],
    make_patient: Callable[..., Patient],
    chairs: list[Chair],
) -> None:
    first = make_course(make_patient(given_name="Ann", family_name="One"))
    second = make_course(make_patient(given_name="Bea", family_name="Two"))
    book(fran, clinic, first, 1, "10:00", chairs[0], nurse=nadia)

    with pytest.raises(ValidationError, match="placing another IV 10:00–10:15"):
        book(fran, clinic, second, 1, "10:05", chairs[1], nurse=nadia)
    with pytest.raises(ValidationError, match="on a break 12:00–12:30"):
        book(fran, clinic, second, 1, "12:10", chairs[1], nurse=nadia)
    # A quarter of an hour later her hands are free.
    assert book(fran, clinic, second, 1, "10:15", chairs[1], nurse=nadia).nurse_id == nadia.pk


def test_a_nurse_never_looks_after_more_patients_than_the_clinic_allows(
    fran: User,
    morgan: User,
    clinic: Clinic,
    nadia: User,
    make_course: Callable[..., CourseOrder],
    make_patient: Callable[..., Patient],
) -> None:
    services.scheduling_settings_update(
        actor=actor_for(morgan, clinic), expected_version=1, changes={"max_patients_per_nurse": 2}
    )
    chairs = [Chair.objects.create(clinic=clinic, name=f"Bay {k}") for k in range(3)]
    courses = [make_course(make_patient(given_name=name, family_name="Cap")) for name in "ABC"]
    book(fran, clinic, courses[0], 1, "10:00", chairs[0], nurse=nadia)
    book(fran, clinic, courses[1], 1, "10:15", chairs[1], nurse=nadia)

    with pytest.raises(ValidationError, match="would look after 3 patients at once"):
        book(fran, clinic, courses[2], 1, "10:30", chairs[2], nurse=nadia)


def test_a_dose_of_another_clinic_cannot_be_booked(
    lena: User, other_clinic: Clinic, course: CourseOrder
) -> None:
    with pytest.raises(PermissionDenied):
        services.appointment_book(
            actor=actor_for(lena, other_clinic),
            dose_id=dose(course, 1).pk,
            starts_at=at(other_clinic, TODAY, "10:00"),
            chair_id=Chair.objects.create(clinic=other_clinic, name="Bay").pk,
        )


def test_a_pharmacist_cannot_book(
    priya: User, clinic: Clinic, course: CourseOrder, chairs: list[Chair]
) -> None:
    with pytest.raises(PermissionDenied):
        book(priya, clinic, course, 1, "10:00", chairs[0])
    assert AuditEvent.objects.filter(action="scheduling.book", outcome="denied").exists()
