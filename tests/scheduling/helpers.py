"""Small builders for the scheduling tests (the clock is frozen at Monday 23 Nov 2026 08:00
in New York; ``TODAY`` is that Monday)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta

from tests.conftest import actor_for
from tests.orders.factories import TODAY

from ivmt.accounts.models import Clinic, User
from ivmt.orders.models import CourseOrder, PlannedDose
from ivmt.scheduling import services
from ivmt.scheduling.models import Appointment, Chair

__all__ = ["TODAY", "add_shifts", "at", "book", "dose", "make_chairs"]


def at(clinic: Clinic, day: date, clock: str) -> datetime:
    """An aware datetime of ``day`` at ``clock`` (HH:MM) in the clinic's time zone."""
    hour, minute = (int(part) for part in clock.split(":"))
    return datetime.combine(day, time(hour, minute), tzinfo=clinic.zone)


def make_chairs(clinic: Clinic, count: int) -> list[Chair]:
    return [Chair.objects.create(clinic=clinic, name=f"Chair {k}") for k in range(1, count + 1)]


def add_shifts(
    manager: User,
    clinic: Clinic,
    nurse: User,
    *,
    first: date = TODAY,
    weeks: int = 1,
    starts: str = "08:00",
    ends: str = "16:30",
    breaks: Sequence[tuple[str, str]] = (),
) -> None:
    def clock(value: str) -> time:
        hour, minute = (int(part) for part in value.split(":"))
        return time(hour, minute)

    services.nurse_shifts_add(
        actor=actor_for(manager, clinic),
        pattern=services.ShiftPattern(
            nurse_id=nurse.pk,
            first=first,
            last=first + timedelta(days=7 * weeks - 1),
            weekdays=frozenset(range(5)),
            starts=clock(starts),
            ends=clock(ends),
            breaks=tuple((clock(a), clock(b)) for a, b in breaks),
        ),
        today=TODAY,
    )


def dose(order: CourseOrder, number: int) -> PlannedDose:
    return order.doses.get(number=number)


def book(
    user: User,
    clinic: Clinic,
    order: CourseOrder,
    number: int,
    clock: str,
    chair: Chair,
    *,
    day: date | None = None,
    nurse: User | None = None,
) -> Appointment:
    planned = dose(order, number)
    return services.appointment_book(
        actor=actor_for(user, clinic),
        dose_id=planned.pk,
        starts_at=at(clinic, day or planned.date, clock),
        chair_id=chair.pk,
        nurse_id=nurse.pk if nurse else None,
    )
