"""Series booking: one slot per planned dose, keeping the protocol interval (within the
clinic's tolerance) and the clinic's closed days, on the same weekday and time where a chair is
free; conflicts and alternatives are shown before anything is booked; confirming books every
dose or none; a later phase change rebooks the rest of the series."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from itertools import pairwise

import pytest
from django.core.exceptions import ValidationError
from tests.conftest import actor_for
from tests.orders.factories import sign
from tests.scheduling.helpers import TODAY, at, book

from ivmt.accounts.models import Clinic, ClosedDay, User
from ivmt.orders import services as order_services
from ivmt.orders.models import CourseOrder, PlannedDose
from ivmt.orders.planning import order_input
from ivmt.patients.models import Patient
from ivmt.scheduling import selectors, services
from ivmt.scheduling.models import Appointment, AppointmentEvent, Chair
from ivmt.scheduling.services import SeriesPick

TWELVE_WEEKLY = {"protocol_id": "seed_clinic", "phase_doses": {"loading": 12}}


def plan_for(
    user: User, clinic: Clinic, order: CourseOrder, **options: object
) -> selectors.SeriesPlan:
    return selectors.series_plan(actor=actor_for(user, clinic), order_id=order.pk, **options)  # type: ignore[arg-type]


def confirm(user: User, clinic: Clinic, plan: selectors.SeriesPlan) -> list[Appointment]:
    assert plan.current is not None
    picks = [
        SeriesPick(line.dose.pk, line.chosen.starts_at, line.chosen.chair_id)
        for line in plan.lines
        if line.chosen is not None
    ]
    return services.series_book(
        actor=actor_for(user, clinic), order_id=plan.current.pk, picks=picks
    )


@pytest.fixture
def twelve(make_course: Callable[..., CourseOrder], patient: Patient) -> CourseOrder:
    """The seed clinic's loading phase: 12 weekly doses from today (Monday), then maintenance."""
    return make_course(patient, **TWELVE_WEEKLY)


def test_a_twelve_dose_series_lands_weekly_on_the_same_weekday_and_time(
    fran: User, clinic: Clinic, twelve: CourseOrder, chairs: list[Chair]
) -> None:
    plan = plan_for(
        fran, clinic, twelve, phase="loading", preferred=at(clinic, TODAY, "10:00").time()
    )

    assert len(plan.lines) == 12
    assert all(line.chosen is not None for line in plan.lines)
    starts = [line.chosen.starts_at for line in plan.lines if line.chosen]
    assert {s.weekday() for s in starts} == {0}  # Mondays
    assert {s.strftime("%H:%M") for s in starts} == {"10:00"}
    assert [(b - a).days for a, b in pairwise(starts)] == [7] * 11

    booked = confirm(fran, clinic, plan)

    assert len(booked) == 12
    doses = PlannedDose.objects.filter(order=twelve, phase_id="loading").order_by("number")
    assert [d.scheduled_at for d in doses] == [a.starts_at for a in booked]


def test_a_closed_day_moves_that_dose_within_the_tolerance_and_keeps_the_next_on_time(
    fran: User,
    clinic: Clinic,
    patient: Patient,
    make_course: Callable[..., CourseOrder],
    chairs: list[Chair],
) -> None:
    order = make_course(patient, **TWELVE_WEEKLY)
    # Close a Monday of the series *after* the order was signed: its dose is on that Monday.
    closed = TODAY + timedelta(weeks=3)
    ClosedDay.objects.create(clinic=clinic, date=closed, reason="Staff training")

    plan = plan_for(fran, clinic, order, phase="loading")

    days = [line.chosen.starts_at.date() for line in plan.lines if line.chosen]
    assert closed not in days
    fourth = plan.lines[3]
    assert fourth.chosen is not None and abs((fourth.chosen.starts_at.date() - closed).days) <= 2
    assert any("closed" in c for c in fourth.conflicts)
    assert plan.lines[4].chosen is not None
    assert plan.lines[4].chosen.starts_at.date() == closed + timedelta(weeks=1)
    tolerance = 2
    for before, after in pairwise(days):
        assert abs((after - before).days - 7) <= tolerance


def test_a_full_day_is_shown_as_a_conflict_with_alternatives_before_booking(
    fran: User,
    clinic: Clinic,
    make_course: Callable[..., CourseOrder],
    make_patient: Callable[..., Patient],
) -> None:
    chair = Chair.objects.create(clinic=clinic, name="Only chair")
    blocker = make_course(make_patient(given_name="Ann", family_name="Early"))
    book(fran, clinic, blocker, 1, "10:00", chair)
    order = make_course(make_patient(given_name="Bea", family_name="Late"))

    plan = plan_for(fran, clinic, order, preferred=at(clinic, TODAY, "10:00").time())

    first = plan.lines[0]
    assert "every chair is taken at the preferred time" in " ".join(first.conflicts)
    assert first.chosen is not None and first.chosen.starts_at.strftime("%H:%M") != "10:00"
    assert first.alternatives
    assert not Appointment.objects.filter(patient=order.patient).exists()  # nothing booked yet


def test_a_slot_taken_between_the_proposal_and_the_confirmation_books_nothing(
    fran: User,
    nadia: User,
    clinic: Clinic,
    twelve: CourseOrder,
    make_course: Callable[..., CourseOrder],
    make_patient: Callable[..., Patient],
) -> None:
    chair = Chair.objects.create(clinic=clinic, name="Only chair")
    plan = plan_for(
        fran, clinic, twelve, phase="loading", preferred=at(clinic, TODAY, "10:00").time()
    )
    third = plan.lines[2].chosen
    assert third is not None
    other = make_course(make_patient(given_name="Cy", family_name="Quick"))
    book(
        nadia,
        clinic,
        other,
        1,
        third.starts_at.strftime("%H:%M"),
        chair,
        day=third.starts_at.date(),
    )

    with pytest.raises(ValidationError, match=r"Dose 3 .*Only chair is taken"):
        confirm(fran, clinic, plan)

    assert not Appointment.objects.filter(patient=twelve.patient).exists()


def test_a_tampered_slot_outside_the_interval_is_refused(
    fran: User, clinic: Clinic, twelve: CourseOrder, chairs: list[Chair]
) -> None:
    first, second = twelve.doses.order_by("number")[:2]
    picks = [
        SeriesPick(first.pk, at(clinic, TODAY, "10:00"), chairs[0].pk),
        SeriesPick(second.pk, at(clinic, TODAY + timedelta(days=2), "10:00"), chairs[0].pk),
    ]
    with pytest.raises(ValidationError, match=r"Dose 2 .* 2 days from dose 1"):
        services.series_book(actor=actor_for(fran, clinic), order_id=twelve.pk, picks=picks)
    assert not Appointment.objects.exists()


@pytest.mark.usefixtures("rota")
def test_no_slot_is_offered_that_no_nurse_on_shift_can_take(
    fran: User, clinic: Clinic, twelve: CourseOrder, chairs: list[Chair], nadia: User, noah: User
) -> None:
    """Both nurses are on shift today and next week; at 12:00 on those days only Noah can place
    an IV (Nadia breaks): a series wanting 12:00 still gets a nurse for every offered slot."""
    plan = plan_for(
        fran, clinic, twelve, phase="loading", preferred=at(clinic, TODAY, "12:00").time()
    )

    for line in plan.lines[:2]:
        assert line.chosen is not None and line.chosen.nurse_id in {nadia.pk, noah.pk}
    assert all(line.chosen is None or line.chosen.nurse_id is None for line in plan.lines[2:])
    confirm(fran, clinic, plan)


def test_a_phase_change_rebooks_the_rest_of_the_series(
    fran: User, diaz: User, clinic: Clinic, twelve: CourseOrder, chairs: list[Chair]
) -> None:
    """Week 6: the physician ends loading after 6 doses and chooses maintenance every 28 days;
    the weekly visits booked for doses 7-12 are replaced by monthly ones on the same weekday and
    time, and the visits that keep their slot are kept (linked to the new version)."""
    confirm(
        fran,
        clinic,
        plan_for(
            fran, clinic, twelve, phase="loading", preferred=at(clinic, TODAY, "10:00").time()
        ),
    )
    doctor = actor_for(diaz, clinic)
    chosen = order_input(twelve)
    amended = order_services.course_order_amend(
        actor=doctor,
        order=twelve,
        chosen=type(chosen)(
            **{
                **chosen.__dict__,
                "phase_doses": {"loading": 6},
                "phase_intervals": {"maintenance": 28},
            }
        ),
        reason="Week-6 review: responding; maintenance monthly",
    )
    amended = sign(doctor, amended)

    plan = plan_for(fran, clinic, twelve)  # the old version leads to the current one
    assert plan.current == amended
    assert len(plan.stale) == 12  # every future visit's dose was replaced by the amendment
    booked = confirm(fran, clinic, plan)

    live = Appointment.objects.filter(patient=twelve.patient, status="booked").order_by("starts_at")
    assert all(a.dose.order_id == amended.pk for a in live)
    starts = [a.starts_at.astimezone(clinic.zone) for a in live]
    assert {s.weekday() for s in starts} == {0}
    assert {s.strftime("%H:%M") for s in starts} == {"10:00"}
    gaps = [(b - a).days for a, b in pairwise(starts)]
    assert gaps[:5] == [7] * 5 and set(gaps[5:]) == {28}
    # Visits whose slot stays are kept (linked to the new version): doses 1-6, and the old
    # dose 10 (week 9), which is where the first monthly dose falls. The other five go.
    relinked = AppointmentEvent.objects.filter(kind="relinked").count()
    assert relinked == 7
    assert Appointment.objects.filter(patient=twelve.patient, status="cancelled").count() == 5
    assert len(booked) == len(starts)


def test_a_stopped_course_cancels_its_remaining_visits(
    fran: User, diaz: User, clinic: Clinic, course: CourseOrder, chairs: list[Chair]
) -> None:
    confirm(fran, clinic, plan_for(fran, clinic, course))
    order_services.course_order_stop(
        actor=actor_for(diaz, clinic), order=course, reason="Patient moved away"
    )

    plan = plan_for(fran, clinic, course)
    assert plan.current is None and len(plan.stale) == 8
    assert (
        services.stale_appointments_cancel(
            actor=actor_for(fran, clinic), patient_id=course.patient_id
        )
        == 8
    )
    assert not Appointment.objects.filter(status="booked").exists()


def test_a_time_when_the_only_nurse_is_on_her_break_is_not_offered(
    fran: User, morgan: User, nadia: User, clinic: Clinic, twelve: CourseOrder, chairs: list[Chair]
) -> None:
    from tests.scheduling.helpers import add_shifts

    add_shifts(morgan, clinic, nadia, breaks=(("12:00", "12:30"),))

    plan = plan_for(
        fran, clinic, twelve, phase="loading", preferred=at(clinic, TODAY, "12:00").time()
    )

    first = plan.lines[0].chosen
    assert first is not None and first.nurse_id == nadia.pk
    start = first.starts_at.astimezone(clinic.zone).time()
    assert not (at(clinic, TODAY, "11:45").time() < start < at(clinic, TODAY, "12:30").time())
    # Next week has no rota yet: 12:00 is fine there, a nurse is assigned later.
    second = plan.lines[1].chosen
    assert second is not None and second.nurse_id is None
    assert second.starts_at.astimezone(clinic.zone).strftime("%H:%M") == "12:00"
