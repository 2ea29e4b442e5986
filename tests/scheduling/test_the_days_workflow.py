"""The day's statuses: arrived → infusing → done; a no-show frees the chair, unbooks the dose
(so it can be booked again) and hands its bag, if one was made, to the pharmacy's waste
service; the rota cannot lose a shift that still has visits."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from tests.conftest import actor_for
from tests.orders.factories import stock_everything
from tests.scheduling.helpers import TODAY, book, dose

from ivmt.accounts.models import Clinic, User
from ivmt.orders.models import CourseOrder
from ivmt.patients.models import Patient
from ivmt.pharmacy import services as pharmacy
from ivmt.scheduling import services
from ivmt.scheduling.models import Appointment, Chair, NurseShift

pytestmark = pytest.mark.usefixtures("rota")


def set_status(user: User, clinic: Clinic, visit: Appointment, status: str) -> Appointment:
    visit.refresh_from_db()
    return services.appointment_set_status(
        actor=actor_for(user, clinic),
        appointment_id=visit.pk,
        expected_version=visit.version,
        status=status,
    )


def test_a_visit_goes_from_arrived_to_infusing_to_done(
    fran: User, nadia: User, clinic: Clinic, course: CourseOrder, chairs: list[Chair]
) -> None:
    visit = book(fran, clinic, course, 1, "10:00", chairs[0])
    set_status(fran, clinic, visit, "arrived")
    set_status(nadia, clinic, visit, "infusing")
    assert set_status(nadia, clinic, visit, "done").status == "done"
    with pytest.raises(ValidationError, match="cannot become"):
        set_status(nadia, clinic, visit, "arrived")
    assert [e.summary for e in visit.events.all()][-3:] == ["Arrived", "Infusion started", "Done"]


def test_a_future_visit_cannot_be_checked_in_or_marked_a_no_show(
    fran: User, clinic: Clinic, course: CourseOrder, chairs: list[Chair]
) -> None:
    visit = book(fran, clinic, course, 2, "10:00", chairs[0])  # next Monday
    with pytest.raises(ValidationError, match="Only today's"):
        set_status(fran, clinic, visit, "arrived")
    with pytest.raises(ValidationError, match="once the appointment time has come"):
        set_status(fran, clinic, visit, "no_show")


def test_a_no_show_frees_the_chair_unbooks_the_dose_and_its_bag_is_wasted_by_the_pharmacy(
    fran: User,
    priya: User,
    clinic: Clinic,
    course: CourseOrder,
    chairs: list[Chair],
    make_course: Callable[..., CourseOrder],
    make_patient: Callable[..., Patient],
    client_for: Callable[[User], Client],
) -> None:

    visit = book(fran, clinic, course, 1, "08:30", chairs[0])
    stock_everything(priya, clinic)
    bag = pharmacy.compounding_prepare(
        actor=actor_for(priya, clinic), dose_id=dose(course, 1).pk, prep_started_at=timezone.now()
    )
    with time_machine.travel(visit.starts_at, tick=False):
        set_status(fran, clinic, visit, "no_show")

    assert dose(course, 1).scheduled_at is None
    walk_in = make_course(make_patient(given_name="Wal", family_name="Kin"))
    assert book(fran, clinic, walk_in, 1, "08:30", chairs[0]).chair_id == chairs[0].pk
    # The front desk cannot waste a bag; the pharmacist does, through the pharmacy's service.
    with pytest.raises(PermissionDenied):
        services.no_show_bag_waste(actor=actor_for(fran, clinic), appointment_id=visit.pk)
    page = (
        client_for(priya).get(reverse("scheduling:appointment", args=[visit.pk])).content.decode()
    )
    assert f"Waste bag {bag.bag_code} (no-show)" in page
    response = client_for(priya).post(reverse("scheduling:waste_bag", args=[visit.pk]))
    assert response.status_code == 302
    bag.refresh_from_db()
    assert (bag.status, bag.waste_reason) == ("wasted", "no_show")
    # The dose can be booked again (the pharmacy then makes a new bag).
    assert book(fran, clinic, course, 1, "14:00", chairs[1]).status == "booked"


def test_a_shift_with_visits_cannot_be_removed(
    fran: User, morgan: User, nadia: User, clinic: Clinic, course: CourseOrder, chairs: list[Chair]
) -> None:
    visit = book(fran, clinic, course, 1, "10:00", chairs[0], nurse=nadia)
    shift = NurseShift.objects.get(nurse=nadia, day=TODAY)
    with pytest.raises(ValidationError, match="has 1 visit"):
        services.nurse_shift_remove(actor=actor_for(morgan, clinic), shift_id=shift.pk)
    services.appointment_cancel(
        actor=actor_for(fran, clinic),
        appointment_id=visit.pk,
        expected_version=visit.version,
        reason="Ill",
    )
    services.nurse_shift_remove(actor=actor_for(morgan, clinic), shift_id=shift.pk)
    assert not NurseShift.objects.filter(pk=shift.pk).exists()
    assert dose(course, 1).scheduled_at is None


def test_the_instant_check_says_whether_a_slot_is_free(
    fran: User,
    clinic: Clinic,
    course: CourseOrder,
    chairs: list[Chair],
    make_course: Callable[..., CourseOrder],
    make_patient: Callable[..., Patient],
    client_for: Callable[[User], Client],
) -> None:
    visit = book(fran, clinic, course, 1, "10:00", chairs[0])
    other = make_course(make_patient(given_name="Oth", family_name="Er"))
    book(fran, clinic, other, 1, "11:00", chairs[1])
    url = reverse("scheduling:check", args=[visit.pk])
    client = client_for(fran)
    taken = client.post(url, {"date": "2026-11-23", "time": "11:30", "chair": chairs[1].pk})
    assert "Chair 2 is taken 11:00–12:15." in taken.content.decode()
    free = client.post(url, {"date": "2026-11-23", "time": "11:30", "chair": chairs[2].pk})
    assert "The slot is free." in free.content.decode()
