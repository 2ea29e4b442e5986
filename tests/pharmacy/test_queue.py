"""The just-in-time queue: today's doses by appointment time, flags for bags whose beyond-use
time lapses before their slot, and a fixed number of queries however many bags."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from tests.conftest import actor_for
from tests.orders.factories import FROZEN_NOW, TODAY, seed_input

from ivmt.accounts.models import Clinic, User
from ivmt.orders import services as order_services
from ivmt.orders.models import CourseOrder, PlannedDose
from ivmt.patients.models import Patient
from ivmt.pharmacy import services
from ivmt.pharmacy.models import StockLot
from ivmt.pharmacy.selectors import compounding_queue, queue_count

NEW_YORK = ZoneInfo("America/New_York")


def at(hour: int, minute: int = 0) -> datetime:
    return datetime.combine(TODAY, time(hour, minute), tzinfo=NEW_YORK)


def book(order: CourseOrder, slot: datetime | None) -> PlannedDose:
    """What the scheduling issue will do when it books the appointment."""
    dose = order.doses.get(number=1)
    dose.scheduled_at = slot
    dose.save(update_fields=["scheduled_at"])
    return dose


def test_the_queue_lists_todays_doses_by_appointment_time_unbooked_last(
    priya: User,
    clinic: Clinic,
    make_patient: Callable[..., Patient],
    make_course: Callable[..., CourseOrder],
) -> None:
    later = book(make_course(make_patient(family_name="Later")), at(14))
    sooner = book(make_course(make_patient(family_name="Sooner")), at(9, 30))
    unbooked = book(make_course(make_patient(family_name="Unbooked")), None)
    queue = compounding_queue(actor=actor_for(priya, clinic))
    assert [row.dose.pk for row in queue.rows] == [sooner.pk, later.pk, unbooked.pk]
    assert queue.to_prepare == 3


def test_a_bag_whose_beyond_use_time_lapses_before_its_slot_is_flagged(
    client_for: Callable[[User], Client],
    priya: User,
    clinic: Clinic,
    make_patient: Callable[..., Patient],
    make_course: Callable[..., CourseOrder],
    stocked: dict[str, StockLot],
) -> None:
    early = book(make_course(make_patient(family_name="Early")), at(10))
    late = book(make_course(make_patient(family_name="Late")), at(16))
    afternoon = book(make_course(make_patient(family_name="Afternoon")), at(15))
    actor = actor_for(priya, clinic)
    # Both made at 08:00 under immediate use: beyond-use at 12:00.
    services.compounding_prepare(actor=actor, dose_id=early.pk, prep_started_at=FROZEN_NOW)
    services.compounding_prepare(actor=actor, dose_id=late.pk, prep_started_at=FROZEN_NOW)
    rows = {row.dose.pk: row for row in compounding_queue(actor=actor).rows}
    assert rows[early.pk].flag == ""  # 12:00 is after its 10:00 slot
    assert rows[late.pk].flag == "lapse"  # 12:00 is before its 16:00 slot
    # Not made yet: made now it would lapse before 15:00, so the queue says when to start.
    assert rows[afternoon.pk].flag == "wait"
    assert rows[afternoon.pk].prepare_from == at(11)
    page = client_for(priya).get(reverse("pharmacy:queue")).content.decode()
    assert "lapses before the appointment" in page and "prepare from 11:00" in page
    bag_page = client_for(priya).get(
        reverse("pharmacy:bag", args=[late.bags.get().pk])  # type: ignore[attr-defined]
    )
    assert "lapses before the appointment at 16:00" in bag_page.content.decode()


def test_a_bag_past_its_beyond_use_time_is_flagged_for_waste(
    priya: User,
    clinic: Clinic,
    course: CourseOrder,
    stocked: dict[str, StockLot],
) -> None:
    dose = book(course, at(13))
    services.compounding_prepare(
        actor=actor_for(priya, clinic), dose_id=dose.pk, prep_started_at=FROZEN_NOW
    )
    with time_machine.travel(at(12, 30), tick=False):
        row = compounding_queue(actor=actor_for(priya, clinic)).rows[0]
    assert row.flag == "expired" and "waste it" in row.message


def test_the_queue_page_makes_the_same_number_of_queries_for_1_or_6_bags(
    client_for: Callable[[User], Client],
    priya: User,
    clinic: Clinic,
    make_patient: Callable[..., Patient],
    make_course: Callable[..., CourseOrder],
    stocked: dict[str, StockLot],
) -> None:
    actor = actor_for(priya, clinic)
    client = client_for(priya)

    def add_bag(n: int) -> None:
        dose = book(make_course(make_patient(given_name=f"P{n}")), at(9 + n))
        services.compounding_prepare(actor=actor, dose_id=dose.pk, prep_started_at=FROZEN_NOW)

    def queries() -> int:
        with CaptureQueriesContext(connection) as context:
            assert client.get(reverse("pharmacy:queue")).status_code == 200
        return len(context.captured_queries)

    add_bag(0)
    one = queries()
    for n in range(1, 6):
        add_bag(n)
    assert queries() == one
    assert one <= 20


def test_the_pharmacists_dashboard_counts_the_doses_still_to_make_or_check(
    client_for: Callable[[User], Client],
    priya: User,
    clinic: Clinic,
    course: CourseOrder,
) -> None:
    assert queue_count(actor=actor_for(priya, clinic)) == 1
    page = client_for(priya).get(reverse("home:dashboard")).content.decode()
    assert "Today's doses to prepare or verify" in page


def test_a_bad_day_is_explained(client_for: Callable[[User], Client], priya: User) -> None:
    response = client_for(priya).get(reverse("pharmacy:queue"), {"day": "2026-02-30"})
    assert response.status_code == 400 and "Enter a valid date" in response.content.decode()


def test_only_pharmacists_see_the_queue(
    client_for: Callable[[User], Client], nadia: User, diaz: User
) -> None:
    assert client_for(nadia).get(reverse("pharmacy:queue")).status_code == 403
    assert client_for(diaz).get(reverse("pharmacy:queue")).status_code == 403


def test_a_bag_made_days_before_an_unbooked_dose_is_flagged_against_the_dose_day(
    client_for: Callable[[User], Client],
    priya: User,
    clinic: Clinic,
    course: CourseOrder,
    stocked: dict[str, StockLot],
) -> None:
    next_week = course.doses.get(number=2)  # Monday 30 November, not booked yet
    prepare_page = client_for(priya).get(reverse("pharmacy:prepare", args=[next_week.pk]))
    assert "lapses before the dose&#x27;s day (Mon 30 Nov)" in prepare_page.content.decode()
    record = services.compounding_prepare(
        actor=actor_for(priya, clinic), dose_id=next_week.pk, prep_started_at=FROZEN_NOW
    )
    rows = compounding_queue(actor=actor_for(priya, clinic), day=next_week.date).rows
    assert [(r.dose.pk, r.flag) for r in rows] == [(next_week.pk, "lapse")]
    bag_page = client_for(priya).get(reverse("pharmacy:bag", args=[record.pk])).content.decode()
    assert "lapses before the dose&#x27;s day" in bag_page


def test_an_empty_day_points_to_the_next_day_with_doses(
    client_for: Callable[[User], Client], priya: User, course: CourseOrder
) -> None:
    page = client_for(priya).get(reverse("pharmacy:queue"), {"day": "2026-11-24"})
    text = page.content.decode()
    assert "No doses planned for this day" in text
    assert 'href="?day=2026-11-30">Monday 30 November</a>' in text


def test_a_dose_left_behind_by_a_changed_order_is_not_offered_for_preparation(
    diaz: User, priya: User, clinic: Clinic, course: CourseOrder
) -> None:
    with time_machine.travel(FROZEN_NOW + timedelta(days=1), tick=False):
        actor = actor_for(diaz, clinic)
        change = order_services.course_order_amend(
            actor=actor, order=course, chosen=seed_input(), reason="Longer infusion"
        )
        order_services.course_order_sign(actor=actor, order=change, expected_version=change.version)
    rows = compounding_queue(actor=actor_for(priya, clinic), day=TODAY).rows
    assert [(r.dose.number, r.flag) for r in rows] == [(1, "stopped")]
    assert "Replaced by a later version" in rows[0].message
