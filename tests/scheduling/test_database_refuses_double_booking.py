"""The database itself refuses a double booking that slips past the services (a bug, a raw
write, two writers at once): chair, patient and one IV placement at a time per nurse, on
SQLite (triggers) and on PostgreSQL (exclusion constraints over time ranges)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from tests.conftest import actor_for
from tests.scheduling.helpers import TODAY, at, dose

from ivmt.accounts.models import Clinic, User
from ivmt.orders.models import CourseOrder
from ivmt.patients.models import Patient
from ivmt.scheduling import services
from ivmt.scheduling.models import Appointment, Chair


def raw_visit(
    course: CourseOrder,
    chair: Chair,
    start: datetime,
    *,
    number: int = 1,
    nurse: User | None = None,
    minutes: int = 75,
    status: str = "booked",
) -> Appointment:
    """An appointment written straight to the table, bypassing every service check."""
    return Appointment.objects.create(
        clinic_id=course.clinic_id,
        patient_id=course.patient_id,
        dose=dose(course, number),
        chair=chair,
        nurse=nurse,
        starts_at=start,
        ends_at=start + timedelta(minutes=minutes),
        placement_ends_at=start + timedelta(minutes=15),
        preferred_start=start,
        placement_minutes=15,
        infusion_minutes=minutes - 30,
        observation_minutes=15,
        status=status,
        booked_by=course.created_by,
    )


@pytest.fixture
def two_courses(
    make_course: Callable[..., CourseOrder], make_patient: Callable[..., Patient]
) -> tuple[CourseOrder, CourseOrder]:
    return (
        make_course(make_patient(given_name="Ann", family_name="One")),
        make_course(make_patient(given_name="Bea", family_name="Two")),
    )


def refused(constraint: str) -> pytest.RaisesContext[IntegrityError]:
    return pytest.raises(IntegrityError, match=constraint)


def test_the_database_refuses_two_visits_on_one_chair_at_once(
    clinic: Clinic, chairs: list[Chair], two_courses: tuple[CourseOrder, CourseOrder]
) -> None:
    first, second = two_courses
    raw_visit(first, chairs[0], at(clinic, TODAY, "10:00"))

    with refused("appointment_chair_not_double_booked"), transaction.atomic():
        raw_visit(second, chairs[0], at(clinic, TODAY, "11:00"))
    # Back to back is fine (intervals are half-open), and so is another chair.
    raw_visit(second, chairs[0], at(clinic, TODAY, "11:15"))


def test_the_database_refuses_one_patient_in_two_chairs(
    clinic: Clinic, chairs: list[Chair], two_courses: tuple[CourseOrder, CourseOrder]
) -> None:
    first, _ = two_courses
    raw_visit(first, chairs[0], at(clinic, TODAY, "10:00"))

    with refused("appointment_patient_not_double_booked"), transaction.atomic():
        raw_visit(first, chairs[1], at(clinic, TODAY, "10:30"), number=2)


def test_the_database_refuses_two_iv_placements_by_one_nurse_at_once(
    clinic: Clinic,
    chairs: list[Chair],
    nadia: User,
    two_courses: tuple[CourseOrder, CourseOrder],
) -> None:
    first, second = two_courses
    raw_visit(first, chairs[0], at(clinic, TODAY, "10:00"), nurse=nadia)

    with refused("appointment_nurse_one_placement_at_a_time"), transaction.atomic():
        raw_visit(second, chairs[1], at(clinic, TODAY, "10:10"), nurse=nadia)
    # Once the first IV is in, she may place the next one (her patients overlap; her hands not).
    raw_visit(second, chairs[1], at(clinic, TODAY, "10:15"), nurse=nadia)


def test_a_cancelled_or_no_show_visit_frees_its_chair_in_the_database_too(
    clinic: Clinic, chairs: list[Chair], two_courses: tuple[CourseOrder, CourseOrder]
) -> None:
    first, second = two_courses
    raw_visit(first, chairs[0], at(clinic, TODAY, "10:00"), status="no_show")
    raw_visit(
        first,
        chairs[0],
        at(clinic, TODAY + timedelta(days=1), "10:00"),
        number=2,
        status="cancelled",
    )

    raw_visit(second, chairs[0], at(clinic, TODAY, "10:00"))
    raw_visit(second, chairs[0], at(clinic, TODAY + timedelta(days=1), "10:00"), number=2)


def test_moving_a_visit_onto_a_taken_chair_is_refused_by_the_database(
    clinic: Clinic, chairs: list[Chair], two_courses: tuple[CourseOrder, CourseOrder]
) -> None:
    first, second = two_courses
    raw_visit(first, chairs[0], at(clinic, TODAY, "10:00"))
    other = raw_visit(second, chairs[1], at(clinic, TODAY, "10:00"))

    other.chair = chairs[0]
    with refused("appointment_chair_not_double_booked"), transaction.atomic():
        other.save()


def test_a_dose_has_at_most_one_live_visit(
    clinic: Clinic, chairs: list[Chair], two_courses: tuple[CourseOrder, CourseOrder]
) -> None:
    first, _ = two_courses
    raw_visit(first, chairs[0], at(clinic, TODAY, "10:00"))

    with refused("one_live_appointment_per_dose|UNIQUE constraint"), transaction.atomic():
        raw_visit(first, chairs[1], at(clinic, TODAY + timedelta(days=1), "10:00"))


@pytest.mark.django_db
def test_the_guards_exist_on_this_engine() -> None:
    """A later migration that rebuilds the table on SQLite drops its triggers: this notices."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' "
                "AND tbl_name = 'scheduling_appointment'"
            )
        else:
            cursor.execute(
                "SELECT conname FROM pg_constraint WHERE contype = 'x' "
                "AND conrelid = 'scheduling_appointment'::regclass"
            )
        names = {row[0] for row in cursor.fetchall()}
    expected = {
        "appointment_chair_not_double_booked",
        "appointment_patient_not_double_booked",
        "appointment_nurse_one_placement_at_a_time",
    }
    if connection.vendor == "sqlite":
        expected = {f"{name}_{event}" for name in expected for event in ("insert", "update")}
    assert names >= expected


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="parallel writers need PostgreSQL (SQLite serialises whole write transactions)",
)
def test_two_desks_booking_the_last_chair_at_once_one_wins(
    fran: User,
    nadia: User,
    clinic: Clinic,
    make_course: Callable[..., CourseOrder],
    make_patient: Callable[..., Patient],
) -> None:
    chair = Chair.objects.create(clinic=clinic, name="Last chair")
    courses = [
        make_course(make_patient(given_name=name, family_name="Race")) for name in ("Ann", "Bea")
    ]
    barrier = threading.Barrier(2)
    results: list[object] = [None, None]

    def run(index: int, user: User) -> None:
        barrier.wait()
        try:
            results[index] = services.appointment_book(
                actor=actor_for(user, clinic),
                dose_id=dose(courses[index], 1).pk,
                starts_at=at(clinic, TODAY, "10:00"),
                chair_id=chair.pk,
            )
        except Exception as error:  # the loser's refusal is the point
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(k, u)) for k, u in enumerate((fran, nadia))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sum(isinstance(r, Appointment) for r in results) == 1
    (loser,) = [r for r in results if not isinstance(r, Appointment)]
    assert isinstance(loser, ValidationError)
    assert "chair" in " ".join(loser.messages).lower()
    assert Appointment.objects.filter(chair=chair).count() == 1
